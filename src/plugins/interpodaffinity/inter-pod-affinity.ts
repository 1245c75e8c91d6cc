// InterPodAffinity: a pod runs only where its required pod affinity and
// anti-affinity hold and where no existing pod's required anti-affinity
// keeps it away; it prefers nodes by its own preferred terms and by the
// terms of the pods already running (upstream
// pkg/scheduler/framework/plugins/interpodaffinity, v1.36).
//
//   PreFilter  parse the pod's terms (a bad selector: UnschedulableAndUnresolvable);
//              count matching pods per topology pair from the lister
//              (filtering.ts) into CycleState as plain data keyed by
//              interned ids; Skip when there is nothing to check.
//   AddPod/RemovePod  the counts as if a pod were added/removed (preemption).
//   Filter     node.label(key) and the counts; shared rejection statuses.
//   PreScore   topology scores of preferred terms, both ways, and of existing
//              pods' required affinity (hardPodAffinityWeight) (scoring.ts).
//   Score      sum over the node's labels; NormalizeScore to [0, 100].
import type { CycleState } from '../../framework/cycle-state.ts';
import type { ClusterLister } from '../../framework/cluster-lister.ts';
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
import type { Interner, NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { defaultInterPodAffinityArgs, parseInterPodAffinityArgs, validateInterPodAffinityArgs, type InterPodAffinityArgs } from './args.ts';
import {
  ErrReasonAffinityRulesNotMatch,
  ErrReasonAntiAffinityRulesNotMatch,
  ErrReasonExistingAntiAffinityRulesNotMatch,
  computePreFilterState,
  satisfyExistingPodsAntiAffinity,
  satisfyPodAffinity,
  satisfyPodAntiAffinity,
  updatedWithPod,
  type PreFilterState,
} from './filtering.ts';
import { computePreScoreState, hasPreferredTerms, normalize, scoreNode, type PreScoreState } from './scoring.ts';
import { podTerms, type TermCache } from './terms.ts';
import { signJSON } from '../../framework/sign.ts';

export const name = 'InterPodAffinity';
export { ErrReasonAffinityRulesNotMatch, ErrReasonAntiAffinityRulesNotMatch, ErrReasonExistingAntiAffinityRulesNotMatch };
export type { PreFilterState, PreScoreState };

export const preFilterStateKey = `PreFilter${name}`;
export const preScoreStateKey = `PreScore${name}`;

export const defaultArgs: InterPodAffinityArgs = defaultInterPodAffinityArgs;
export const validateArgs = validateInterPodAffinityArgs;

// Upstream's codes: a missing affinity peer cannot be fixed by preemption;
// an anti-affinity conflict can (evict the conflicting pods).
const rejectAffinity = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonAffinityRulesNotMatch], name);
const rejectAntiAffinity = new Status(Code.Unschedulable, [ErrReasonAntiAffinityRulesNotMatch], name);
const rejectExistingAntiAffinity = new Status(Code.Unschedulable, [ErrReasonExistingAntiAffinityRulesNotMatch], name);
const skip = new Status(Code.Skip, [], name);

function notFound(key: string): Status {
  return Status.error(`error reading "${key}" from cycleState: not found`);
}

export class InterPodAffinityPlugin {
  readonly name = name;
  readonly args: Readonly<InterPodAffinityArgs>;
  private readonly lister: ClusterLister;
  private readonly terms: TermCache = podTerms;
  /**
   * The node table's interner, from the last PreFilter/PreScore. Ids are
   * never reused, so AddPod/RemovePod (which get a NodeView, not the table)
   * resolve topology keys with it.
   */
  private interner: Interner | undefined;

  constructor(args: InterPodAffinityArgs, lister: ClusterLister) {
    this.args = args;
    this.lister = lister;
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    const terms = this.terms.of(pod);
    if (terms.error !== undefined) return { status: Status.unresolvable(`parsing pod: ${terms.error}`) };
    this.interner = nodes.interner;
    const s = computePreFilterState({ lister: this.lister, terms: this.terms, interner: nodes.interner }, pod, terms, nodes);
    if (s === null) return { status: skip };
    state.write(preFilterStateKey, s);
    return { status: null };
  }

  addPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeView): Result {
    return this.updateWithPod(state, pod, podToAdd, node, 1);
  }

  removePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeView): Result {
    return this.updateWithPod(state, pod, podToRemove, node, -1);
  }

  private updateWithPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeView, delta: number): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined || this.interner === undefined) return notFound(preFilterStateKey);
    const ctx = { lister: this.lister, terms: this.terms, interner: this.interner };
    state.write(preFilterStateKey, updatedWithPod(ctx, s, pod, this.terms.of(pod), other, node, delta));
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return notFound(preFilterStateKey);
    if (!satisfyPodAffinity(s, node)) return rejectAffinity;
    if (!satisfyPodAntiAffinity(s, node)) return rejectAntiAffinity;
    if (!satisfyExistingPodsAntiAffinity(s, node)) return rejectExistingAntiAffinity;
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, feasible: Int32Array): Result {
    if (feasible.length === 0) return skip;
    // Optionally ignore existing pods' preferences when the pod has none of its own.
    if (this.args.ignorePreferredTermsOfExistingPods && !hasPreferredTerms(pod)) return skip;
    const terms = this.terms.of(pod);
    // PreFilter rejects such a pod first; PreScore alone (a profile without it) fails the cycle, as upstream.
    if (terms.error !== undefined) return Status.error(`failed to parse pod: ${terms.error}`);
    this.interner = nodes.interner;
    const ctx = { lister: this.lister, terms: this.terms, interner: nodes.interner, hardPodAffinityWeight: this.args.hardPodAffinityWeight };
    const s = computePreScoreState(ctx, pod, terms, nodes);
    if (s === null) return skip;
    state.write(preScoreStateKey, s);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeView): number {
    const s = state.read<PreScoreState>(preScoreStateKey);
    if (s === undefined) throw new Error(`failed to read "${preScoreStateKey}" from cycleState: not found`);
    return scoreNode(s, node);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array, _feasible: Int32Array, count: number): Result {
    const s = state.read<PreScoreState>(preScoreStateKey);
    if (s === undefined) return Status.error(`failed to read "${preScoreStateKey}" from cycleState: not found`);
    normalize(s, scores, count);
    return null;
  }

  /**
   * Batching: only pods without affinity terms of their own. Existing pods'
   * terms then decide (by the pod's namespace and labels), and they change
   * only with the set of pods that have terms, which the batch watches.
   */
  signPod(pod: PodInfo): string | null {
    const a = pod.pod.spec?.affinity;
    if (a?.podAffinity || a?.podAntiAffinity) return null;
    return `${pod.namespace}/${signJSON(pod.pod.metadata?.labels)}`;
  }

  eventsToRegister(): ClusterEvent[] {
    // Upstream without queueing hints (Berth's queue has none):
    // - Pod Add: a new pod may satisfy the pod's affinity;
    //   UpdatePodLabel: a pod's labels may stop (or start) matching;
    //   Delete: a deleted pod may have blocked it by anti-affinity.
    // - Node Add / UpdateNodeLabel: a node may bring a topology key;
    //   UpdateNodeTaint stands in for a missed Add (kubernetes#109437).
    return [
      { resource: 'Pod', action: 'Add' },
      { resource: 'Pod', action: 'UpdatePodLabel' },
      { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}

/** Factory: args are validated here too, so a bad profile fails at startup. */
export const factory = ((args: unknown, handle: Handle): InterPodAffinityPlugin => {
  const { args: parsed, errors } = parseInterPodAffinityArgs(args);
  if (errors.length > 0) throw new Error(`${name} args: ${errors.join('; ')}`);
  return new InterPodAffinityPlugin(parsed, handle.lister);
}) satisfies (args: unknown, handle: Handle) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions & SignPlugin;
