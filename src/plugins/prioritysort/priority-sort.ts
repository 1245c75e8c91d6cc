// PrioritySort: activeQ's order, as upstream's queuesort plugin: higher
// spec.priority first; equal priorities in the order they entered the queue
// (QueuedPodInfo.timestamp, earlier first).
import type { Handle, QueuedPodInfo, QueueSortPlugin } from '../../framework/interfaces.ts';

export const name = 'PrioritySort';

export class PrioritySortPlugin {
  readonly name = name;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const p1 = a.podInfo.priority;
    const p2 = b.podInfo.priority;
    return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
  }
}

/** PrioritySort takes no args. */
export const factory = ((_args: unknown, _handle: Handle): PrioritySortPlugin => new PrioritySortPlugin()) satisfies (
  args: unknown,
  handle: Handle,
) => QueueSortPlugin;
