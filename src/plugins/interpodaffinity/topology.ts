// Numbers per topology pair (label key, label value) of nodes, keyed by the
// node table's interned ids: upstream's topologyToMatchedTermCount and
// scoreMap as plain data (structured-cloneable, so a worker thread can read a
// copy). A pair is looked up per node with node.label(key): the few distinct
// keys are a short array, each with a Map from value id to number.
import type { PodSet } from '../../framework/cluster-lister.ts';

export interface TopologyCounts {
  /** Distinct topology key ids. */
  keys: number[];
  /** values[i]: label value id → number, for keys[i]. */
  values: Map<number, number>[];
}

export function newCounts(keys: readonly number[] = []): TopologyCounts {
  const c: TopologyCounts = { keys: [], values: [] };
  for (const k of keys) if (k >= 0) slotFor(c, k);
  return c;
}

function slotOf(c: TopologyCounts, key: number): number {
  const keys = c.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
  return -1;
}

function slotFor(c: TopologyCounts, key: number): number {
  const i = slotOf(c, key);
  if (i >= 0) return i;
  c.keys.push(key);
  c.values.push(new Map());
  return c.keys.length - 1;
}

/** Maps taken over from the pod index as they are: copied before anything is added to them. */
const borrowed = new WeakSet<ReadonlyMap<number, number>>();

/** The key's Map, made this state's own if it was borrowed. */
function ownMap(c: TopologyCounts, slot: number): Map<number, number> {
  let m = c.values[slot]!;
  if (borrowed.has(m)) {
    m = new Map(m);
    c.values[slot] = m;
  }
  return m;
}

/**
 * Adds delta to the pair; with dropZero (counts, not scores) an entry that
 * comes down to zero is removed, as upstream's update() does.
 */
export function addTo(c: TopologyCounts, key: number, value: number, delta: number, dropZero: boolean): void {
  const m = ownMap(c, slotFor(c, key));
  const next = (m.get(value) ?? 0) + delta;
  if (dropZero && next === 0) m.delete(value);
  else m.set(value, next);
}

/**
 * For each domain of the key holding pods of the set: weight × those pods (a
 * key no node has adds nothing). The first such Map of a key with weight 1 is
 * taken as it is (the index never changes a Map it handed out).
 */
export function addDomains(c: TopologyCounts, key: number, set: PodSet, weight: number, dropZero: boolean): void {
  if (key < 0) return;
  const domains = set.occupiedDomains(key);
  if (domains.size === 0) return;
  const slot = slotFor(c, key);
  if (weight === 1 && c.values[slot]!.size === 0) {
    borrowed.add(domains);
    c.values[slot] = domains as Map<number, number>;
    return;
  }
  const m = ownMap(c, slot);
  for (const [value, n] of domains) {
    const next = (m.get(value) ?? 0) + n * weight;
    if (dropZero && next === 0) m.delete(value);
    else m.set(value, next);
  }
}

/** The number for a pair, 0 when absent. Hot path: no allocation. */
export function countOf(c: TopologyCounts, key: number, value: number): number {
  const i = slotOf(c, key);
  if (i < 0) return 0;
  return c.values[i]!.get(value) ?? 0;
}

/** No pair has an entry (upstream's len(map) == 0). */
export function isEmpty(c: TopologyCounts): boolean {
  const values = c.values;
  for (let i = 0; i < values.length; i++) if (values[i]!.size > 0) return false;
  return true;
}

export function cloneCounts(c: TopologyCounts): TopologyCounts {
  return { keys: [...c.keys], values: c.values.map((m) => new Map(m)) };
}

/** Pairs as [key id, value id, number] triples, sorted: for tests and debug logs. */
export function entriesOf(c: TopologyCounts): [number, number, number][] {
  const out: [number, number, number][] = [];
  c.keys.forEach((k, i) => {
    for (const [v, n] of c.values[i]!) out.push([k, v, n]);
  });
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
