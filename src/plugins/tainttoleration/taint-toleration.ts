// TaintToleration: a pod may run on a node only if it tolerates the node's
// NoSchedule and NoExecute taints, and prefers nodes with fewer
// PreferNoSchedule taints it does not tolerate (upstream
// pkg/scheduler/framework/plugins/tainttoleration).
//
//   PreFilter  (Berth only) compile the pod's tolerations into interned ids:
//              Filter sees ids, not strings, and has no interner.
//   Filter     the first NoSchedule/NoExecute taint not tolerated rejects the
//              node, with upstream's v1.35+ reason, which names no taint
//              (taint keys and values may be sensitive; kubernetes#134740).
//   PreScore   compile the tolerations that can match PreferNoSchedule.
//   Score      count of intolerable PreferNoSchedule taints; normalized
//              reversed (fewer is better) to [0, 100].
import type { CycleState } from '../../framework/cycle-state.ts';
import {
  MAX_NODE_SCORE,
  type ClusterEvent,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PodInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type SignPlugin,
} from '../../framework/interfaces.ts';
import { TaintEffect, type NodeTableReader, type NodeView } from '../../framework/node-view.ts';
import { defaultNormalizeScore } from '../../framework/normalize-score.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { compileTolerations, hasUntoleratedTaint, tolerated, type CompiledToleration } from '../../framework/tolerations.ts';
import { signJSON } from '../../framework/sign.ts';

export const name = 'TaintToleration';

/** Upstream's Filter reason since v1.35 (also in v1.34.2+). */
export const ErrReasonUntolerated = 'node(s) had untolerated taint(s)';

const preFilterStateKey = `PreFilter${name}`;
const preScoreStateKey = `PreScore${name}`;

const rejectUntolerated = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonUntolerated], name);

export interface PreFilterState {
  tolerations: CompiledToleration[];
}

export interface PreScoreState {
  /** Tolerations with an empty effect or PreferNoSchedule. */
  tolerations: CompiledToleration[];
}

export class TaintTolerationPlugin {
  readonly name = name;

  /** Batching: the tolerations (node taints only). */
  signPod(pod: PodInfo): string {
    return signJSON(pod.pod.spec?.tolerations);
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    const s: PreFilterState = { tolerations: compileTolerations(pod.pod.spec?.tolerations, nodes.interner) };
    state.write(preFilterStateKey, s);
    return { status: null };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return Status.error(`reading "${preFilterStateKey}" from cycleState: not found`);
    return hasUntoleratedTaint(s.tolerations, node) ? rejectUntolerated : null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, _feasible: Int32Array): Result {
    const tolerations = compileTolerations(pod.pod.spec?.tolerations, nodes.interner, TaintEffect.PreferNoSchedule);
    state.write(preScoreStateKey, { tolerations } satisfies PreScoreState);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeView): number {
    const s = state.read<PreScoreState>(preScoreStateKey);
    if (s === undefined) throw new Error(`reading "${preScoreStateKey}" from cycleState: not found`);
    let intolerable = 0;
    const n = node.taintCount();
    for (let i = 0; i < n; i++) {
      if (node.taintEffectAt(i) !== TaintEffect.PreferNoSchedule) continue;
      if (!tolerated(s.tolerations, node.taintKeyAt(i), node.taintValueAt(i), TaintEffect.PreferNoSchedule)) intolerable++;
    }
    return intolerable;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, _feasible: Int32Array, count: number): Result {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores, count);
    return null;
  }

  eventsToRegister(): ClusterEvent[] {
    // Queueing hints are off in Berth's queue: as upstream without them, node
    // label updates are registered too (kubernetes/kubernetes#109437). The
    // pod's own updates requeue it anyway.
    return [
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
    ];
  }
}

/** TaintToleration takes no args. */
export const factory = ((_args: unknown, _handle: Handle): TaintTolerationPlugin => new TaintTolerationPlugin()) satisfies (
  args: unknown,
  handle: Handle,
) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions & SignPlugin;
