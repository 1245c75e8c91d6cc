// The plugin contracts, one small interface per extension point, as in the
// upstream scheduler framework (pkg/scheduler/framework/interface.go). A
// plugin implements the ones it needs and ends with
// `satisfies FilterPlugin & ScorePlugin` (or whatever it implements).
//
// Order of a pod's scheduling cycle (the runtime runs each point over the
// profile's enabled plugins, in order):
//   PreEnqueue (before the pod may enter activeQ)
//   PreFilter → Filter (per node) → PostFilter (only if no node fits)
//   PreScore → Score (per feasible node) → NormalizeScore → pick the best node
//   Reserve → Permit → [binding cycle, async] PreBind → Bind → PostBind
// Any failure after Reserve runs Unreserve on every Reserve plugin in reverse.
import type { Pod } from '../api/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { ClusterLister } from './cluster-lister.ts';
import type { CycleState } from './cycle-state.ts';
import type { NodeTableReader, NodeView } from './node-view.ts';
import type { Result, Status } from './status.ts';

/** Resource requests of a pod, computed once when it is queued. */
export interface PodResources {
  milliCPU: number;
  /** bytes */
  memory: number;
  /** bytes */
  ephemeralStorage: number;
  /** Extended and other scalar resources (nvidia.com/gpu, hugepages-2Mi, …), by name, in their base unit. */
  scalar: Record<string, number>;
  /** cpu/memory as scoring counts them: containers without requests count 100m and 200Mi. */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

export interface HostPort {
  protocol: string;
  hostIP: string;
  port: number;
}

/** A pod and what is derived from it once, before any cycle. Immutable once built. */
export interface PodInfo {
  readonly pod: Pod;
  /** "namespace/name" */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** spec.priority, 0 when absent. */
  readonly priority: number;
  readonly requests: PodResources;
  readonly hostPorts: readonly HostPort[];
  /**
   * Set when the pod cannot be read (a malformed quantity, an impossible
   * field): every cycle rejects it with this reason instead of crashing.
   */
  readonly invalid?: string;
}

/** A pod in the scheduling queue, with its queue bookkeeping. */
export interface QueuedPodInfo {
  readonly podInfo: PodInfo;
  /** Monotonic time (ms) the pod was first added to the queue. */
  readonly initialAttemptTimestamp: number;
  /** Monotonic time (ms) it was added, reset at each failed attempt (upstream's meaning; PrioritySort's tie-break). */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** Plugins that rejected it in its last attempt; their events wake it. */
  unschedulablePlugins: Set<string>;
  /** Plugins whose failure made it wait (Pending). */
  pendingPlugins: Set<string>;
  /** Plugin that gated it in PreEnqueue, if any. */
  gatingPlugin?: string;
}

export interface Plugin {
  readonly name: string;
}

/**
 * Opportunistic batching (upstream's SignPlugin, KEP-5598): pods with equal
 * signatures get the same Filter and Score answers, so the algorithm may
 * reuse one pod's scored nodes for the next (src/scheduler/batch.ts).
 *
 * signPod returns the parts of the pod this plugin reads at PreFilter,
 * Filter, PreScore and Score, as a string (equal strings: equal answers), or
 * null when the pod cannot be batched. A non-null answer also promises that,
 * for pods with this signature, the plugin's Filter and Score of a node
 * depend only on the pod, the node's own row (its spec and its pods) and
 * state that changes only with node specs or with the set of pods that have
 * affinity terms (ClusterCache.affinityVersion) — so placing such a pod
 * changes answers on its own node only — and, if the plugin has
 * NormalizeScore, that its raw Score of a node does not depend on the
 * node's pods; and that what its PreScore writes to CycleState is the same
 * for equal signatures (a batched pod gets the stored pod's, PreScore is not
 * run again). A plugin at PreFilter/Filter/PreScore/Score without signPod
 * makes every pod unsignable. Called once per cycle: cache per PodInfo.
 */
export interface SignPlugin extends Plugin {
  signPod(pod: PodInfo): string | null;
  /**
   * Optional, for a pod this plugin signed: true when its Filter of a node
   * also reads pods on other nodes (PodTopologySpread's domain counts and
   * global minimum). The batch then runs this plugin's Filter again on every
   * node it keeps and every node the full cycle rejected for this plugin,
   * before each use. Its Score must still read only the node's own row.
   */
  filtersGlobally?(pod: PodInfo): boolean;
  /**
   * Optional, for a pod this plugin signed: true when its Score of a node
   * reads pods on other nodes (PodTopologySpread's ScheduleAnyway domain
   * counts). It must have NormalizeScore. The batch then runs this plugin's
   * PreScore again for each pod, over the nodes it keeps, and its Score and
   * NormalizeScore on every kept node: the pod is scored as a full cycle over
   * those nodes would score it.
   */
  scoresGlobally?(pod: PodInfo): boolean;
}

export interface PreEnqueuePlugin extends Plugin {
  /** null lets the pod into activeQ; a status keeps it gated (not counted as an attempt). */
  preEnqueue(pod: PodInfo): Result;
}

export interface QueueSortPlugin extends Plugin {
  /** Whether a should be popped before b. */
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreFilterResult {
  status: Result;
  /** When set, only these nodes need Filter; the others are rejected as unresolvable. */
  nodeNames?: ReadonlySet<string>;
}

export interface PreFilterPlugin extends Plugin {
  /** Precomputes what Filter needs into state; Skip means "skip my Filter for this pod". */
  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult;
  /** Preemption asks how the precomputed state changes if podToAdd were on node. */
  addPod?(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeView): Result;
  removePod?(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeView): Result;
}

export interface FilterPlugin extends Plugin {
  /** Per node, on the hot path: allocate nothing on success (return null). */
  filter(state: CycleState, pod: PodInfo, node: NodeView): Result;
}

/** Why each node was rejected: node name → status. */
export type NodeStatusMap = Map<string, Status>;

export interface PostFilterResult {
  status: Result;
  nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, rejected: NodeStatusMap): Promise<PostFilterResult>;
}

export interface PreScorePlugin extends Plugin {
  /** `feasible` holds the node indexes that passed Filter. Skip means "skip my Score for this pod". */
  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, feasible: Int32Array): Result;
}

/** Upstream's score range: every plugin's (normalized) score lies in [0, MAX_NODE_SCORE]. */
export const MAX_NODE_SCORE = 100;

export interface ScorePlugin extends Plugin {
  /** Per feasible node, on the hot path. */
  score(state: CycleState, pod: PodInfo, node: NodeView): number;
  /**
   * Optional: rescale scores in place to [0, MAX_NODE_SCORE]. scores[i] belongs to
   * node index feasible[i]; only the first `count` entries are used.
   */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, feasible: Int32Array, count: number): Result;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Result;
  /** Must be idempotent and must not fail: it undoes reserve. */
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PermitResult {
  status: Result;
  /** With Code.Wait: how long to wait before rejecting. */
  timeoutMs?: number;
}

export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, nodeName: string): PermitResult;
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result>;
}

export interface BindPlugin extends Plugin {
  /** Skip passes the pod to the next bind plugin. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** A change in the cluster that could make an unschedulable pod fit. */
export type ClusterEventResource =
  | 'Pod'
  | 'AssignedPod'
  | 'Node'
  | 'PersistentVolume'
  | 'PersistentVolumeClaim'
  | 'StorageClass'
  | 'Namespace'
  | 'Policy'
  | '*';
export type ClusterEventAction = 'Add' | 'Delete' | 'Update' | 'UpdateNodeLabel' | 'UpdateNodeTaint' | 'UpdateNodeAllocatable' | 'UpdatePodLabel' | 'UpdatePodSchedulingGatesEliminated' | '*';

export interface ClusterEvent {
  resource: ClusterEventResource;
  action: ClusterEventAction;
}

export interface EnqueueExtensions {
  /** The events that may make a pod this plugin rejected schedulable. */
  eventsToRegister(): ClusterEvent[];
}

/** What a plugin receives at construction: no global look-ups. */
export interface Handle {
  /** The profile's scheduler name. */
  readonly schedulerName: string;
  /** Binds a pod (DefaultBinder). */
  readonly binder: { bind(pod: PodInfo, nodeName: string): Promise<void> };
  /** Monotonic milliseconds. */
  now(): number;
  /** The pods on each node, namespaces and storage objects, as of the current cycle's snapshot. */
  readonly lister: ClusterLister;
  /**
   * The plugin's logger: a child carrying {plugin: pluginName}, the same one
   * on every call. Constant messages with fields; never in Filter or Score's
   * per-node path above debug.
   */
  loggerFor(pluginName: string): Logger;
}

export type PluginFactory = (args: unknown, handle: Handle) => Plugin;
