// SchedulingGates: a pod with spec.schedulingGates waits, gated, outside
// activeQ until its gates are all removed (upstream
// pkg/scheduler/framework/plugins/schedulinggates). Upstream's status code is
// UnschedulableAndUnresolvable: nothing in the cluster but the pod's own
// update can let it through, and preemption must not try.
import type { ClusterEvent, EnqueueExtensions, Handle, PodInfo, PreEnqueuePlugin } from '../../framework/interfaces.ts';
import { Status, type Result } from '../../framework/status.ts';

export const name = 'SchedulingGates';

export class SchedulingGatesPlugin {
  readonly name = name;

  preEnqueue(pod: PodInfo): Result {
    const gates = pod.pod.spec?.schedulingGates;
    if (!Array.isArray(gates) || gates.length === 0) return null;
    // Go's %v of a []string: "[foo bar]".
    const names = gates.map((g) => g?.name ?? '').join(' ');
    return Status.unresolvable(`waiting for scheduling gates: [${names}]`);
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', action: 'UpdatePodSchedulingGatesEliminated' }];
  }
}

/** SchedulingGates takes no args. */
export const factory = ((_args: unknown, _handle: Handle): SchedulingGatesPlugin => new SchedulingGatesPlugin()) satisfies (
  args: unknown,
  handle: Handle,
) => PreEnqueuePlugin & EnqueueExtensions;
