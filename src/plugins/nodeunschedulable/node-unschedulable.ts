// NodeUnschedulable: nodes with spec.unschedulable (cordoned) take no new
// pods, unless the pod tolerates the taint that stands for it,
// node.kubernetes.io/unschedulable:NoSchedule (upstream
// pkg/scheduler/framework/plugins/nodeunschedulable).
//
// Filter reads the node's flag first, so schedulable nodes cost one read;
// the toleration is checked only on cordoned nodes, on the pod's strings
// (framework/tolerations.ts tolerationsTolerateTaint, no allocation).
import type { Taint, Toleration } from '../../api/types.ts';
import type { CycleState } from '../../framework/cycle-state.ts';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, Handle, PodInfo, SignPlugin } from '../../framework/interfaces.ts';
import type { NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { tolerationsTolerateTaint } from '../../framework/tolerations.ts';
import { signJSON } from '../../framework/sign.ts';

export const name = 'NodeUnschedulable';

export const ErrReasonUnschedulable = 'node(s) were unschedulable';
/** v1.TaintNodeUnschedulable */
export const TaintNodeUnschedulable = 'node.kubernetes.io/unschedulable';

const reject = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonUnschedulable], name);

/** The taint a cordoned node stands for. */
const unschedulableTaint: Taint = Object.freeze({ key: TaintNodeUnschedulable, effect: 'NoSchedule' });

/** Whether the tolerations tolerate node.kubernetes.io/unschedulable:NoSchedule (value ""). */
export function toleratesUnschedulable(tolerations: readonly Toleration[] | undefined): boolean {
  return tolerationsTolerateTaint(tolerations, unschedulableTaint);
}

export class NodeUnschedulablePlugin {
  readonly name = name;

  /** Batching: the tolerations. */
  signPod(pod: PodInfo): string {
    return signJSON(pod.pod.spec?.tolerations);
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeView): Result {
    if (!node.unschedulable()) return null;
    return toleratesUnschedulable(pod.pod.spec?.tolerations) ? null : reject;
  }

  eventsToRegister(): ClusterEvent[] {
    // Upstream reports a change of spec.unschedulable as UpdateNodeTaint.
    // Queueing hints are off in Berth's queue: label updates are registered
    // too, as upstream without them (kubernetes#109437).
    return [
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
    ];
  }
}

/** NodeUnschedulable takes no args. */
export const factory = ((_args: unknown, _handle: Handle): NodeUnschedulablePlugin => new NodeUnschedulablePlugin()) satisfies (
  args: unknown,
  handle: Handle,
) => FilterPlugin & EnqueueExtensions & SignPlugin;
