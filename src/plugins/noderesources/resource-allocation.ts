// The scoring half shared by NodeResourcesFit and NodeResourcesBalancedAllocation
// (upstream resource_allocation.go, least_allocated.go, most_allocated.go,
// requested_to_capacity_ratio.go, balanced_allocation.go's scorer).
//
// PreScore turns the pod into a ScoringRequest (plain arrays, one entry per
// configured resource: its table slot, its weight, what the pod asks); Score
// reads one node into scratch arrays held by the scorer (no allocation per
// node) and hands them to the strategy. Like upstream, a resource whose node
// allocatable is 0 is left out, and so is a scalar resource the pod does not
// request.
//
// Upstream computes in int64; here the amounts are doubles. Every division
// that upstream truncates is truncated here, and the results agree as long as
// products like capacity × 100 stay below 2^53 (memory under ~90 TB per node).
import { ResourceName, isScalarResourceName } from '../../api/resources.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import { MAX_NODE_SCORE } from '../../framework/interfaces.ts';
import { ResourceSlot, type NodeTableReader, type NodeView } from '../../framework/node-view.ts';
import { MAX_CUSTOM_PRIORITY_SCORE, type ResourceSpec, type UtilizationShapePoint } from './args.ts';

/** What one pod asks of the configured resources; plain data, so it can go to a worker. */
export interface ScoringRequest {
  /** Table slot per resource; -1 when no node offers it. */
  slots: number[];
  /** The pod's request per resource (cpu in millicores). */
  podRequests: number[];
}

/** (requested incl. the pod, allocated before the pod, allocatable, weights, n) → score; entries with allocatable 0 are skipped. */
export type Strategy = (requested: Float64Array, allocated: Float64Array, allocatable: Float64Array, weights: readonly number[], n: number) => number;

function slotOf(name: string, nodes: NodeTableReader): number {
  switch (name) {
    case ResourceName.cpu:
      return ResourceSlot.cpu;
    case ResourceName.memory:
      return ResourceSlot.memory;
    case ResourceName.ephemeralStorage:
      return ResourceSlot.ephemeralStorage;
    case ResourceName.pods:
      // Upstream looks "pods" up among scalar resources, where it never is.
      return -1;
    default:
      return nodes.resourceSlot(name);
  }
}

export class ResourceAllocationScorer {
  readonly resources: readonly ResourceSpec[];
  /** BalancedAllocation counts plain requests; Fit counts cpu/memory with upstream's non-zero defaults. */
  private readonly useRequested: boolean;
  private readonly strategy: Strategy;
  private readonly weights: number[];
  private readonly isScalar: boolean[];
  private readonly requested: Float64Array;
  private readonly allocated: Float64Array;
  private readonly allocatable: Float64Array;

  constructor(resources: readonly ResourceSpec[], useRequested: boolean, strategy: Strategy) {
    this.resources = resources;
    this.useRequested = useRequested;
    this.strategy = strategy;
    this.weights = resources.map((r) => r.weight);
    this.isScalar = resources.map((r) => isScalarResourceName(r.name));
    this.requested = new Float64Array(resources.length);
    this.allocated = new Float64Array(resources.length);
    this.allocatable = new Float64Array(resources.length);
  }

  /** calculatePodResourceRequestList */
  podRequests(pod: PodInfo): number[] {
    const r = pod.requests;
    return this.resources.map(({ name }) => {
      switch (name) {
        case ResourceName.cpu:
          return this.useRequested ? r.milliCPU : r.nonZeroMilliCPU;
        case ResourceName.memory:
          return this.useRequested ? r.memory : r.nonZeroMemory;
        case ResourceName.ephemeralStorage:
          return r.ephemeralStorage;
        default:
          return r.scalar[name] ?? 0;
      }
    });
  }

  request(pod: PodInfo, nodes: NodeTableReader): ScoringRequest {
    return { slots: this.resources.map((r) => slotOf(r.name, nodes)), podRequests: this.podRequests(pod) };
  }

  /** calculateNodeAllocatableRequest + the strategy, for one node. */
  score(req: ScoringRequest, node: NodeView): number {
    const { requested, allocated, allocatable } = this;
    const n = this.resources.length;
    for (let i = 0; i < n; i++) {
      requested[i] = 0;
      allocated[i] = 0;
      allocatable[i] = 0;
      const podRequest = req.podRequests[i]!;
      if (podRequest === 0 && this.isScalar[i]) continue;
      const slot = req.slots[i]!;
      if (slot < 0) continue;
      const alloc = node.allocatable(slot);
      if (alloc === 0) continue;
      const used = !this.useRequested && (slot === ResourceSlot.cpu || slot === ResourceSlot.memory) ? node.nonZeroRequested(slot) : node.requested(slot);
      allocatable[i] = alloc;
      allocated[i] = used;
      requested[i] = used + podRequest;
    }
    return this.strategy(requested, allocated, allocatable, this.weights, n);
  }
}

/** A table that knows only the fixed slots: for Score when PreScore did not run (disabled in the profile). */
export const fixedSlotsOnly: NodeTableReader = {
  interner: { lookup: () => -1, string: () => '', integer: () => Number.NaN },
  size: 0,
  view: () => {
    throw new Error('fixedSlotsOnly has no rows');
  },
  indexOf: () => -1,
  resourceSlot: () => -1,
  imageNodeCount: () => 0,
};

export function isBestEffort(podRequests: readonly number[]): boolean {
  for (const r of podRequests) if (r !== 0) return false;
  return true;
}

// --- strategies -------------------------------------------------------------

export const leastAllocated: Strategy = (requested, _allocated, allocatable, weights, n) => {
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    const capacity = allocatable[i]!;
    if (capacity === 0) continue;
    const r = requested[i]!;
    const score = r > capacity ? 0 : Math.floor(((capacity - r) * MAX_NODE_SCORE) / capacity);
    nodeScore += score * weights[i]!;
    weightSum += weights[i]!;
  }
  return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
};

export const mostAllocated: Strategy = (requested, _allocated, allocatable, weights, n) => {
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    const capacity = allocatable[i]!;
    if (capacity === 0) continue;
    const r = Math.min(requested[i]!, capacity);
    nodeScore += Math.floor((r * MAX_NODE_SCORE) / capacity) * weights[i]!;
    weightSum += weights[i]!;
  }
  return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
};

/** helper.BuildBrokenLinearFunction over points already scaled to MAX_NODE_SCORE. */
export function brokenLinear(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      const cur = shape[i]!;
      if (p <= cur.utilization) {
        if (i === 0) return cur.score;
        const prev = shape[i - 1]!;
        // Go int64 division truncates towards zero (the slope may be negative).
        return prev.score + Math.trunc(((cur.score - prev.score) * (p - prev.utilization)) / (cur.utilization - prev.utilization));
      }
    }
    return shape[shape.length - 1]!.score;
  };
}

const MAX_UTILIZATION = 100;

export function requestedToCapacityRatio(shape: readonly UtilizationShapePoint[]): Strategy {
  const scale = MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE;
  const f = brokenLinear(shape.map((p) => ({ utilization: p.utilization, score: p.score * scale })));
  const full = f(MAX_UTILIZATION);
  return (requested, _allocated, allocatable, weights, n) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < n; i++) {
      const capacity = allocatable[i]!;
      if (capacity === 0) continue;
      const r = requested[i]!;
      const score = r > capacity ? full : f(Math.floor((r * MAX_UTILIZATION) / capacity));
      if (score > 0) {
        nodeScore += score * weights[i]!;
        weightSum += weights[i]!;
      }
    }
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

/** 1 - (standard deviation of the used fractions), × MAX_NODE_SCORE, truncated. */
function balancedResourceScore(requested: Float64Array, allocatable: Float64Array, n: number): number {
  let count = 0;
  let total = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < n; i++) {
    if (allocatable[i] === 0) continue;
    const fraction = Math.min(requested[i]! / allocatable[i]!, 1);
    total += fraction;
    if (count === 0) first = fraction;
    else if (count === 1) second = fraction;
    count++;
  }
  let std = 0;
  if (count === 2) {
    std = Math.abs((first - second) / 2);
  } else if (count > 2) {
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (allocatable[i] === 0) continue;
      const fraction = Math.min(requested[i]! / allocatable[i]!, 1);
      sum = sum + (fraction - mean) * (fraction - mean);
    }
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** balancedResourceScorer: how much placing the pod improves (or worsens) the node's balance, centred on 50. */
export const balancedAllocation: Strategy = (requested, allocated, allocatable, _weights, n) => {
  const withPod = balancedResourceScore(requested, allocatable, n);
  const withoutPod = balancedResourceScore(allocated, allocatable, n);
  return MAX_NODE_SCORE / 2 + Math.trunc((MAX_NODE_SCORE / 2 + withPod - withoutPod) / 2);
};
