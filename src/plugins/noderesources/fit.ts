// NodeResourcesFit: the node must have room for the pod's requests, and
// nodes are scored by how their resources would be used (upstream
// pkg/scheduler/framework/plugins/noderesources/fit.go, v1.36).
//
//   PreFilter  the pod's request vector (cpu, memory, ephemeral-storage,
//              scalar resources by table slot) into CycleState; a pod that
//              cannot be read (PodInfo.invalid) is rejected here, as
//              UnschedulableAndUnresolvable with its reason.
//   Filter     per node: "Too many pods" when podCount()+1 exceeds allocatable
//              pods; "Insufficient <resource>" for each resource with
//              request > allocatable - requested. Unschedulable, or
//              UnschedulableAndUnresolvable when some request exceeds the
//              node's whole allocatable (preemption cannot help there).
//   PreScore   the pod's requests per scored resource (cpu and memory with
//              upstream's non-zero defaults: 100m / 200Mi per container).
//   Score      LeastAllocated (default), MostAllocated or
//              RequestedToCapacityRatio, over nonZeroRequested for cpu and
//              memory, requested for the others.
//
// Where Berth differs from upstream on purpose: upstream v1.36 scores a pod
// without its pod-level requests (spec.resources; the Fit plugin never passes
// its PodLevelResources gate to the scorer it embeds, so Score falls back to
// the containers' requests and defaults) while counting them everywhere else
// (Filter, the node's requested totals, BalancedAllocation). Berth scores with
// PodInfo.requests, pod-level requests included, as KEP-2837 intends.
//
// A scalar resource that no node offers has slot -1: it is insufficient on
// every node. Where upstream lists several "Insufficient <scalar>" reasons in
// Go map order, Berth lists them by name.
import { isExtendedResourceName } from '../../api/resources.ts';
import type { CycleState } from '../../framework/cycle-state.ts';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PodInfo,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  ScorePlugin,
  SignPlugin,
} from '../../framework/interfaces.ts';
import { ResourceSlot, type NodeTableReader, type NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import {
  InvalidArgsError,
  ScoringStrategyType,
  defaultFitArgs,
  parseFitArgs,
  validateFitArgs,
  type NodeResourcesFitArgs,
  type ScoringStrategy,
} from './args.ts';
import {
  ResourceAllocationScorer,
  fixedSlotsOnly,
  leastAllocated,
  mostAllocated,
  requestedToCapacityRatio,
  type ScoringRequest,
  type Strategy,
} from './resource-allocation.ts';
import { signJSON } from '../../framework/sign.ts';

export const name = 'NodeResourcesFit';

export const defaultArgs: NodeResourcesFitArgs = defaultFitArgs;
export const validateArgs = validateFitArgs;

export const Reason = {
  TooManyPods: 'Too many pods',
  InsufficientCPU: 'Insufficient cpu',
  InsufficientMemory: 'Insufficient memory',
  InsufficientEphemeralStorage: 'Insufficient ephemeral-storage',
} as const;

export function insufficient(resourceName: string): string {
  return `Insufficient ${resourceName}`;
}

const preFilterStateKey = `PreFilter${name}`;
const preScoreStateKey = `PreScore${name}`;

/** What Filter compares; plain data (structured-cloneable) so a worker thread can run it. */
export interface PreFilterState {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Scalar requests above zero that are not ignored, by name: slot (-1: no node offers it), amount, reason. */
  scalarSlots: number[];
  scalarAmounts: number[];
  scalarReasons: string[];
}

const BIT_PODS = 1;
const BIT_CPU = 2;
const BIT_MEMORY = 4;
const BIT_EPHEMERAL = 8;
const FIXED_BITS = 4;
/** Rejections are cached by bit mask; past this many scalar resources they are built each time. */
const MAX_CACHED_SCALARS = 24;

function strategyOf(s: ScoringStrategy): Strategy {
  switch (s.type) {
    case ScoringStrategyType.MostAllocated:
      return mostAllocated;
    case ScoringStrategyType.RequestedToCapacityRatio:
      return requestedToCapacityRatio(s.requestedToCapacityRatio?.shape ?? []);
    default:
      return leastAllocated;
  }
}

export class FitPlugin {
  readonly name = name;

  /** Batching: the requests (a node's own allocatable and requests only). */
  signPod(pod: PodInfo): string {
    return signJSON(pod.requests);
  }
  readonly args: NodeResourcesFitArgs;
  private readonly ignoredResources: ReadonlySet<string>;
  private readonly ignoredResourceGroups: ReadonlySet<string>;
  private readonly scorer: ResourceAllocationScorer;
  /** Rejection statuses of the current pod, by reason mask × 2 + unresolvable. */
  private readonly rejections = new Map<number, Status>();
  private rejectionsFor: PreFilterState | undefined;

  constructor(args: NodeResourcesFitArgs) {
    this.args = args;
    this.ignoredResources = new Set(args.ignoredResources);
    this.ignoredResourceGroups = new Set(args.ignoredResourceGroups);
    this.scorer = new ResourceAllocationScorer(args.scoringStrategy.resources, false, strategyOf(args.scoringStrategy));
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    if (pod.invalid !== undefined) return { status: new Status(Code.UnschedulableAndUnresolvable, [pod.invalid], name) };
    const r = pod.requests;
    const s: PreFilterState = {
      milliCPU: Math.max(0, r.milliCPU),
      memory: Math.max(0, r.memory),
      ephemeralStorage: Math.max(0, r.ephemeralStorage),
      scalarSlots: [],
      scalarAmounts: [],
      scalarReasons: [],
    };
    for (const resourceName of Object.keys(r.scalar).sort()) {
      const amount = r.scalar[resourceName]!;
      if (!(amount > 0)) continue;
      if (isExtendedResourceName(resourceName)) {
        const group = this.ignoredResourceGroups.size > 0 ? resourceName.split('/')[0]! : '';
        if (this.ignoredResources.has(resourceName) || this.ignoredResourceGroups.has(group)) continue;
      }
      s.scalarSlots.push(nodes.resourceSlot(resourceName));
      s.scalarAmounts.push(amount);
      s.scalarReasons.push(insufficient(resourceName));
    }
    state.write(preFilterStateKey, s);
    return { status: null };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return Status.error(`error reading "${preFilterStateKey}" from cycleState: not found`);

    let mask = 0;
    let unresolvable = false;
    if (node.podCount() + 1 > node.allocatable(ResourceSlot.pods)) mask |= BIT_PODS;

    if (s.milliCPU > 0) {
      const allocatable = node.allocatable(ResourceSlot.cpu);
      if (s.milliCPU > allocatable - node.requested(ResourceSlot.cpu)) {
        mask |= BIT_CPU;
        if (s.milliCPU > allocatable) unresolvable = true;
      }
    }
    if (s.memory > 0) {
      const allocatable = node.allocatable(ResourceSlot.memory);
      if (s.memory > allocatable - node.requested(ResourceSlot.memory)) {
        mask |= BIT_MEMORY;
        if (s.memory > allocatable) unresolvable = true;
      }
    }
    if (s.ephemeralStorage > 0) {
      const allocatable = node.allocatable(ResourceSlot.ephemeralStorage);
      if (s.ephemeralStorage > allocatable - node.requested(ResourceSlot.ephemeralStorage)) {
        mask |= BIT_EPHEMERAL;
        if (s.ephemeralStorage > allocatable) unresolvable = true;
      }
    }
    let scalarShort: boolean[] | undefined;
    const scalars = s.scalarSlots.length;
    for (let j = 0; j < scalars; j++) {
      const slot = s.scalarSlots[j]!;
      const amount = s.scalarAmounts[j]!;
      const allocatable = slot < 0 ? 0 : node.allocatable(slot);
      const used = slot < 0 ? 0 : node.requested(slot);
      if (amount > allocatable - used) {
        if (j < MAX_CACHED_SCALARS) mask |= 1 << (FIXED_BITS + j);
        else (scalarShort ??= [])[j] = true;
        if (amount > allocatable) unresolvable = true;
      }
    }
    if (mask === 0 && scalarShort === undefined) return null;
    return this.rejection(s, mask, unresolvable, scalarShort);
  }

  private rejection(s: PreFilterState, mask: number, unresolvable: boolean, scalarShort: boolean[] | undefined): Status {
    if (this.rejectionsFor !== s) {
      this.rejections.clear();
      this.rejectionsFor = s;
    }
    const key = mask * 2 + (unresolvable ? 1 : 0);
    const cached = scalarShort === undefined ? this.rejections.get(key) : undefined;
    if (cached !== undefined) return cached;
    const reasons: string[] = [];
    if (mask & BIT_PODS) reasons.push(Reason.TooManyPods);
    if (mask & BIT_CPU) reasons.push(Reason.InsufficientCPU);
    if (mask & BIT_MEMORY) reasons.push(Reason.InsufficientMemory);
    if (mask & BIT_EPHEMERAL) reasons.push(Reason.InsufficientEphemeralStorage);
    for (let j = 0; j < s.scalarReasons.length; j++) {
      const short = j < MAX_CACHED_SCALARS ? (mask & (1 << (FIXED_BITS + j))) !== 0 : scalarShort?.[j] === true;
      if (short) reasons.push(s.scalarReasons[j]!);
    }
    const status = new Status(unresolvable ? Code.UnschedulableAndUnresolvable : Code.Unschedulable, reasons, name);
    if (scalarShort === undefined) this.rejections.set(key, status);
    return status;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, _feasible: Int32Array): Result {
    state.write(preScoreStateKey, this.scorer.request(pod, nodes));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeView): number {
    let req = state.read<ScoringRequest>(preScoreStateKey);
    // Without PreScore (disabled in the profile) only the fixed resources can be found.
    req ??= this.scorer.request(pod, fixedSlotsOnly);
    return this.scorer.score(req, node);
  }

  eventsToRegister(): ClusterEvent[] {
    // Upstream: Pod Delete|UpdatePodScaleDown and, without queueing hints
    // (Berth's queue has none), Node Add|UpdateNodeAllocatable|UpdateNodeTaint|
    // UpdateNodeLabel (kubernetes#109437). A pod update stands in for a
    // scale-down; a deleted pod frees room only if it was on a node.
    return [
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Pod', action: 'Update' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeAllocatable' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}

export const factory = ((args: unknown, _handle: Handle): FitPlugin => {
  const parsed = parseFitArgs(args);
  if (parsed.errors.length > 0) throw new InvalidArgsError(name, parsed.errors);
  return new FitPlugin(parsed.args);
}) satisfies (args: unknown, handle: Handle) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions & SignPlugin;
