// Ported from upstream pkg/scheduler/framework/plugins/queuesort/priority_sort_test.go (TestLess).
import type { Handle, QueuedPodInfo } from '../../framework/interfaces.ts';
import { makePod, testHandle } from '../../testing/builders.ts';
import { factory } from './priority-sort.ts';

const handle: Handle = testHandle();
const lowPriority = 10;
const highPriority = 20;
const t1 = 1_000;
const t2 = 2_000;

function queued(name: string, priority: number | undefined, timestamp: number): QueuedPodInfo {
  const b = makePod(name);
  if (priority !== undefined) b.priority(priority);
  return {
    podInfo: b.info(),
    initialAttemptTimestamp: timestamp,
    timestamp,
    attempts: 0,
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
  };
}

describe('PrioritySort.less (upstream TestLess)', () => {
  test.each([
    ['p1.priority less than p2.priority', queued('p1', lowPriority, t1), queued('p2', highPriority, t2), false],
    ['p1.priority greater than p2.priority', queued('p1', highPriority, t1), queued('p2', lowPriority, t2), true],
    ['equal priority. p1 is added to schedulingQ earlier than p2', queued('p1', highPriority, t1), queued('p2', highPriority, t2), true],
    ['equal priority. p2 is added to schedulingQ earlier than p1', queued('p1', highPriority, t2), queued('p2', highPriority, t1), false],
    // Berth
    ['no priority is 0, below a positive one', queued('p1', undefined, t1), queued('p2', 1, t2), false],
    ['negative priorities order too', queued('p1', -1, t2), queued('p2', -5, t1), true],
    ['the same pod is not less than itself', queued('p1', 1, t1), queued('p1', 1, t1), false],
  ])('%s', (_name, a, b, want) => {
    expect(factory(undefined, handle).less(a, b)).toBe(want);
  });
});
