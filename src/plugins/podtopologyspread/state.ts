// What PreFilter and PreScore leave in CycleState, as plain data (numbers,
// arrays, objects: structuredClone hands it to a worker thread), and the
// few helpers Filter/Score use on it without allocating.
//
// Topology values are interned label-value ids; a domain's count is found by
// binary search over the constraint's ascending `domains`, so Filter and
// Score do integer work only: node.label(keyId) → value id → count.
import type { CompiledToleration } from '../../framework/tolerations.ts';
import type { PodSelector } from './labels.ts';
import type { CompiledNodeAffinity } from './node-inclusion.ts';

export const MAX_INT32 = 2147483647;
/** An empty critical path (upstream: TopologyValue "" with MatchNum MaxInt32). */
export const NO_VALUE = -1;

/** One DoNotSchedule constraint, as Filter and AddPod/RemovePod read it. */
export interface FilterConstraint {
  /** Interned topology key; -1 when no node has it (every node then lacks the label). */
  keyId: number;
  maxSkew: number;
  minDomains: number;
  /** 1 when the incoming pod matches its own selector (upstream's selfMatchNum). */
  selfMatch: number;
  /** nodeAffinityPolicy / nodeTaintsPolicy are Honor. */
  honorAffinity: boolean;
  honorTaints: boolean;
  selector: PodSelector;
  /** Interned topology values of the eligible domains, ascending (upstream's TpValueToMatchNum keys). */
  domains: number[];
  /** Matching pods per domain, parallel to `domains`. */
  counts: number[];
  /**
   * Upstream's criticalPaths, flattened: [value0, num0, value1, num1].
   * num0 is the minimum match number; num1 ≥ num0 (not necessarily the second minimum).
   */
  paths: number[];
}

/** upstream's preFilterState. */
export interface PreFilterState {
  /** Namespace of the incoming pod: only pods in it count. */
  namespace: string;
  constraints: FilterConstraint[];
  /** For AddPod/RemovePod on nodes the policies exclude. */
  affinity: CompiledNodeAffinity;
  tolerations: CompiledToleration[];
}

/** One ScheduleAnyway constraint, as Score reads it. */
export interface ScoreConstraint {
  keyId: number;
  maxSkew: number;
  /** topologyNormalizingWeight: ln(domains + 2). */
  weight: number;
  /**
   * kubernetes.io/hostname: upstream counts the node's own pods in Score;
   * here PreScore counts them per feasible node, so `keys` are node indexes.
   * Otherwise `keys` are topology value ids.
   */
  perNode: boolean;
  /** Ascending. */
  keys: number[];
  /** Matching pods, parallel to `keys`. */
  counts: number[];
}

/** upstream's preScoreState. */
export interface PreScoreState {
  constraints: ScoreConstraint[];
  /** Feasible nodes lacking a topology key, as ascending node indexes (upstream's IgnoredNodes): scored 0. */
  ignored: number[];
}

export function newCriticalPaths(): number[] {
  return [NO_VALUE, MAX_INT32, NO_VALUE, MAX_INT32];
}

/** criticalPaths.update, on the flattened form. */
export function updateCriticalPaths(p: number[], value: number, num: number): void {
  const i = value === p[0] ? 0 : value === p[2] ? 2 : -1;
  if (i >= 0) {
    p[i + 1] = num;
    if (p[1]! > p[3]!) {
      const v = p[0]!;
      const n = p[1]!;
      p[0] = p[2]!;
      p[1] = p[3]!;
      p[2] = v;
      p[3] = n;
    }
  } else if (num < p[1]!) {
    p[2] = p[0]!;
    p[3] = p[1]!;
    p[0] = value;
    p[1] = num;
  } else if (num < p[3]!) {
    p[2] = value;
    p[3] = num;
  }
}

/**
 * The critical paths of distinct domains, as updateCriticalPaths over them in
 * order would leave them (the two smallest counts; ties go to the earlier
 * domain), in one pass on locals.
 */
export function criticalPathsOf(values: readonly number[], counts: readonly number[]): number[] {
  let v0 = NO_VALUE;
  let n0 = MAX_INT32;
  let v1 = NO_VALUE;
  let n1 = MAX_INT32;
  for (let i = 0; i < values.length; i++) {
    const n = counts[i]!;
    if (n < n0) {
      v1 = v0;
      n1 = n0;
      v0 = values[i]!;
      n0 = n;
    } else if (n < n1) {
      v1 = values[i]!;
      n1 = n;
    }
  }
  return [v0, n0, v1, n1];
}

/** Index of v in an ascending array, or -1. */
export function search(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = sorted[mid]!;
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** Where v goes in an ascending array. */
export function insertionPoint(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A Map of id → count as the two ascending parallel arrays the state holds. */
export function toSortedArrays(m: ReadonlyMap<number, number>): { keys: number[]; counts: number[] } {
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { keys, counts: keys.map((k) => m.get(k)!) };
}
