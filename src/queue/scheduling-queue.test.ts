import type { Pod } from '../api/types.ts';
import type { ClusterEvent, PodInfo, PreEnqueuePlugin, QueuedPodInfo } from '../framework/interfaces.ts';
import { Code, Status } from '../framework/status.ts';
import { realClock } from './clock.ts';
import { QueueEvent, WILDCARD_EVENT } from './events.ts';
import { FakeClock } from './fake-clock.ts';
import { runPreEnqueuePlugins } from './pre-enqueue.ts';
import type { QueueName, SchedulingQueueOptions } from './scheduling-queue.ts';
import { SchedulingQueue } from './scheduling-queue.ts';

// ── builders ──────────────────────────────────────────────────────────────

interface PodOpts {
  priority?: number;
  uid?: string;
  gates?: string[];
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  nominatedNodeName?: string;
  phase?: string;
  namespace?: string;
}

let uidSeq = 0;

function makePod(name: string, o: PodOpts = {}): PodInfo {
  const namespace = o.namespace ?? 'default';
  const pod: Pod = {
    metadata: { name, namespace, uid: o.uid ?? `uid-${name}-${++uidSeq}`, labels: o.labels ?? {} },
    spec: {
      schedulerName: 'berth',
      containers: [{ name: 'c' }],
      ...(o.priority === undefined ? {} : { priority: o.priority }),
      ...(o.gates ? { schedulingGates: o.gates.map((g) => ({ name: g })) } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
    },
    status: { ...(o.nominatedNodeName ? { nominatedNodeName: o.nominatedNodeName } : {}), ...(o.phase ? { phase: o.phase } : {}) },
  };
  return podInfoOf(pod);
}

function podInfoOf(pod: Pod): PodInfo {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  return {
    pod,
    key: `${namespace}/${name}`,
    namespace,
    name,
    uid: pod.metadata?.uid ?? '',
    priority: pod.spec?.priority ?? 0,
    requests: { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: {}, nonZeroMilliCPU: 100, nonZeroMemory: 200 << 20 },
    hostPorts: [],
  };
}

/** A new version of the pod (same UID), changed by fn. */
function changed(info: PodInfo, fn: (pod: Pod) => void): PodInfo {
  const pod = structuredClone(info.pod);
  fn(pod);
  return podInfoOf(pod);
}

// PrioritySort, as upstream: higher priority first, then the earlier timestamp.
const prioritySort = (a: QueuedPodInfo, b: QueuedPodInfo): boolean =>
  a.podInfo.priority > b.podInfo.priority || (a.podInfo.priority === b.podInfo.priority && a.timestamp < b.timestamp);

const schedulingGates: PreEnqueuePlugin = {
  name: 'SchedulingGates',
  preEnqueue: (p) =>
    p.pod.spec?.schedulingGates?.length ? new Status(Code.UnschedulableAndUnresolvable, ['waiting for scheduling gates']) : null,
};

const FIT = 'NodeResourcesFit';
const AFFINITY = 'NodeAffinity';
const pluginEvents = new Map<string, ClusterEvent[]>([
  [FIT, [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'UpdateNodeAllocatable' }, { resource: 'AssignedPod', action: 'Delete' }]],
  [AFFINITY, [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'UpdateNodeLabel' }]],
  ['InterPodAffinity', [{ resource: 'Pod', action: 'Add' }, { resource: 'Pod', action: 'UpdatePodLabel' }, { resource: 'Pod', action: 'Delete' }]],
  ['SchedulingGates', [{ resource: 'Pod', action: 'UpdatePodSchedulingGatesEliminated' }]],
  ['Everything', [WILDCARD_EVENT]],
  ['AnyNode', [{ resource: 'Node', action: '*' }]],
  ['NodeUpdates', [{ resource: 'Node', action: 'Update' }]],
]);

interface Harness {
  q: SchedulingQueue;
  clock: FakeClock;
  incoming: string[];
}

const open: SchedulingQueue[] = [];
afterEach(() => {
  for (const q of open.splice(0)) q.close();
});

function newQueue(overrides: Partial<SchedulingQueueOptions> = {}): Harness {
  const clock = new FakeClock();
  const incoming: string[] = [];
  const q = new SchedulingQueue({
    less: prioritySort,
    preEnqueue: runPreEnqueuePlugins([schedulingGates]),
    pluginEvents,
    clock,
    onIncoming: (queue, event) => incoming.push(`${queue}:${event}`),
    ...overrides,
  });
  open.push(q);
  return { q, clock, incoming };
}

async function popNow(q: SchedulingQueue): Promise<QueuedPodInfo> {
  const qpi = await q.pop();
  if (qpi === undefined) throw new Error('queue closed');
  return qpi;
}

/** Pops the pod and fails it with the given rejecting plugins, popped in the current cycle. */
async function failWith(q: SchedulingQueue, plugins: string[]): Promise<QueuedPodInfo> {
  const qpi = await popNow(q);
  const cycle = q.schedulingCycle();
  qpi.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(qpi, cycle);
  return qpi;
}

function where(q: SchedulingQueue, p: PodInfo): string | undefined {
  return q.getPod(p.uid)?.location;
}

async function drain(q: SchedulingQueue): Promise<string[]> {
  const names: string[] = [];
  while (q.pendingPods().active > 0) {
    const qpi = await popNow(q);
    names.push(qpi.podInfo.name);
    q.done(qpi.podInfo.uid);
  }
  return names;
}

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

// ── tests ─────────────────────────────────────────────────────────────────

describe('activeQ order', () => {
  test.each([
    { name: 'higher priority first', pods: [['low', 1], ['high', 100], ['mid', 50]] as const, want: ['high', 'mid', 'low'] },
    { name: 'equal priority: earlier arrival first', pods: [['a', 5], ['b', 5], ['c', 5]] as const, want: ['a', 'b', 'c'] },
    { name: 'priority beats arrival', pods: [['early', 0], ['late', 1]] as const, want: ['late', 'early'] },
    { name: 'negative priorities', pods: [['neg', -10], ['zero', 0], ['neg5', -5]] as const, want: ['zero', 'neg5', 'neg'] },
  ])('$name', async ({ pods, want }) => {
    const { q, clock } = newQueue();
    for (const [name, priority] of pods) {
      q.add(makePod(name, { priority }));
      clock.advance(1);
    }
    expect(await drain(q)).toEqual(want);
  });

  test('pods added at the same instant with the same priority pop first in, first out', async () => {
    const { q } = newQueue();
    const names = Array.from({ length: 50 }, (_, i) => `p${i}`);
    for (const n of names) q.add(makePod(n));
    expect(await drain(q)).toEqual(names);
  });

  test('a failed pod re-enters behind pods of its priority that waited longer', async () => {
    const { q, clock } = newQueue();
    const a = makePod('a');
    q.add(a);
    clock.advance(10);
    q.add(makePod('b'));
    const qa = await popNow(q); // a arrived first
    expect(qa.podInfo).toBe(a);
    clock.advance(10);
    q.requeueAfterError(qa); // its timestamp is now the failure's, later than b's arrival
    clock.advance(2000);
    expect(where(q, a)).toBe('active');
    expect(await drain(q)).toEqual(['b', 'a']);
  });
});

describe('lazy deletion in activeQ', () => {
  test('a deleted pod is skipped by pop and not counted', async () => {
    const { q } = newQueue();
    const [a, b, c] = [makePod('a', { priority: 3 }), makePod('b', { priority: 2 }), makePod('c', { priority: 1 })];
    q.add(a);
    q.add(b);
    q.add(c);
    q.delete(a);
    q.delete(c);
    expect(q.pendingPods().active).toBe(1);
    expect(await drain(q)).toEqual(['b']);
  });

  test('an update re-sorts the pod: its old position is stale', async () => {
    const { q, clock } = newQueue();
    const a = makePod('a', { priority: 1 });
    const b = makePod('b', { priority: 5 });
    q.add(a);
    clock.advance(1);
    q.add(b);
    const a2 = changed(a, (p) => (p.spec!.priority = 10));
    expect(a2.priority).toBe(10);
    q.update(a, a2);
    const popped = await drain(q);
    expect(popped).toEqual(['a', 'b']); // once each: the stale entry of a is never popped
    expect(q.pendingPods().active).toBe(0);
  });
});

describe('backoff', () => {
  test.each([
    { name: 'defaults: 1 s doubling to 10 s', opts: {}, want: [1000, 2000, 4000, 8000, 10_000, 10_000] },
    { name: 'configured: 500 ms to 3 s', opts: { podInitialBackoffMs: 500, podMaxBackoffMs: 3000 }, want: [500, 1000, 2000, 3000, 3000] },
    { name: 'initial equal to max', opts: { podInitialBackoffMs: 2000, podMaxBackoffMs: 2000 }, want: [2000, 2000, 2000] },
  ])('$name', async ({ opts, want }) => {
    const { q, clock } = newQueue({ ...opts, backoffFlushIntervalMs: 100 });
    const p = makePod('p');
    q.add(p);
    const got: number[] = [];
    for (let attempt = 1; attempt <= want.length; attempt++) {
      const qpi = await popNow(q);
      expect(qpi.attempts).toBe(attempt);
      const failedAt = clock.now();
      q.requeueAfterError(qpi);
      const expiry = q.getPod(p.uid)!.backoffExpiresAt!;
      got.push(expiry - failedAt);
      clock.advance(expiry - failedAt - 1);
      expect(where(q, p)).toBe('backoff'); // not a moment early
      clock.advance(100);
      expect(where(q, p)).toBe('active');
    }
    expect(got).toEqual(want);
  });

  test('the 1 s flush moves an expired pod to activeQ and wakes a waiting pop', async () => {
    const { q, clock, incoming } = newQueue();
    const p = makePod('p');
    q.add(p);
    q.requeueAfterError(await popNow(q));
    const next = q.pop();
    let got: QueuedPodInfo | undefined;
    void next.then((v) => (got = v));
    clock.advance(999);
    await settle();
    expect(got).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(got?.podInfo.uid).toBe(p.uid);
    expect(incoming).toContain(`active:${QueueEvent.BackoffComplete}`);
  });

  test('an error (no rejecting plugin) goes to backoffQ even without a move request', async () => {
    const { q, incoming } = newQueue();
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    qpi.unschedulablePlugins.add(FIT); // left over from an earlier attempt
    expect(q.requeueAfterError(qpi)).toBe('backoff');
    expect(qpi.unschedulablePlugins.size).toBe(0);
    expect(incoming.at(-1)).toBe(`backoff:${QueueEvent.ScheduleAttemptFailure}`);
  });

  test('addUnschedulableIfNotPresent with no rejecting plugin goes to backoffQ', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    await failWith(q, []);
    expect(where(q, p)).toBe('backoff');
  });

  test('backoffQ pops in expiry order', async () => {
    const { q, clock } = newQueue({ backoffFlushIntervalMs: 60_000 });
    const slow = makePod('slow');
    const fast = makePod('fast');
    q.add(slow);
    for (let i = 0; i < 3; i++) {
      q.requeueAfterError(await popNow(q)); // attempts 1, 2 → backoff 1 s, 2 s
      if (i < 2) {
        clock.advance(10_000);
        q.flushBackoffCompleted();
      }
    }
    q.add(fast);
    q.requeueAfterError(await popNow(q)); // attempts 1 → 1 s
    clock.advance(1000);
    q.flushBackoffCompleted();
    expect(where(q, fast)).toBe('active');
    expect(where(q, slow)).toBe('backoff'); // 4 s
  });
});

describe('moveAllToActiveOrBackoffQueue', () => {
  test.each([
    { name: 'registered event', plugins: [FIT], event: { resource: 'Node', action: 'Add' }, moves: true },
    { name: 'event registered by none of its plugins', plugins: [FIT], event: { resource: 'Node', action: 'UpdateNodeLabel' }, moves: false },
    { name: 'one of two rejecting plugins registered it', plugins: [FIT, AFFINITY], event: { resource: 'Node', action: 'UpdateNodeLabel' }, moves: true },
    { name: 'Delete does not match Add', plugins: [FIT], event: { resource: 'Node', action: 'Delete' }, moves: false },
    { name: 'registered Pod matches AssignedPod', plugins: ['InterPodAffinity'], event: { resource: 'AssignedPod', action: 'Add' }, moves: true },
    { name: 'registered Update matches a specific update', plugins: ['NodeUpdates'], event: { resource: 'Node', action: 'UpdateNodeTaint' }, moves: true },
    { name: 'a specific update does not match a generic Update', plugins: [AFFINITY], event: { resource: 'Node', action: 'Update' }, moves: false },
    { name: 'plugin wildcard {*,*} matches anything', plugins: ['Everything'], event: { resource: 'PersistentVolume', action: 'Add' }, moves: true },
    { name: 'action wildcard {Node,*}', plugins: ['AnyNode'], event: { resource: 'Node', action: 'Delete' }, moves: true },
    { name: 'action wildcard is per resource', plugins: ['AnyNode'], event: { resource: 'Namespace', action: 'Add' }, moves: false },
    { name: 'the wildcard event moves every pod', plugins: [FIT], event: WILDCARD_EVENT, moves: true },
    { name: 'a plugin missing from the map wakes on anything', plugins: ['NoExtensions'], event: { resource: 'Namespace', action: 'Update' }, moves: true },
  ] as { name: string; plugins: string[]; event: ClusterEvent; moves: boolean }[])('$name', async ({ plugins, event, moves }) => {
    const { q, clock } = newQueue();
    const p = makePod('p');
    q.add(p);
    await failWith(q, plugins);
    expect(where(q, p)).toBe('unschedulable');
    clock.advance(5000); // backoff (1 s) over, well before the 5 min flush
    q.moveAllToActiveOrBackoffQueue(event);
    expect(where(q, p)).toBe(moves ? 'active' : 'unschedulable');
  });

  test('a pod still backing off moves to backoffQ, then to activeQ when it expires', async () => {
    const { q, clock, incoming } = newQueue();
    const p = makePod('p');
    q.add(p);
    await failWith(q, [FIT]);
    clock.advance(200);
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
    expect(where(q, p)).toBe('backoff');
    expect(incoming.at(-1)).toBe('backoff:NodeAdd');
    clock.advance(800);
    expect(where(q, p)).toBe('active');
  });

  test('an event matched by a pending plugin skips the backoff', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    qpi.pendingPlugins.add(FIT);
    q.addUnschedulableIfNotPresent(qpi, q.schedulingCycle());
    expect(where(q, p)).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
    expect(where(q, p)).toBe('active');
  });

  test('moves only the pods the event can help, and labels the incoming metric by event', async () => {
    const { q, clock, incoming } = newQueue();
    const fit = makePod('fit');
    const aff = makePod('aff');
    q.add(fit);
    await failWith(q, [FIT]);
    q.add(aff);
    await failWith(q, [AFFINITY]);
    clock.advance(5000);
    q.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', action: 'Delete' });
    expect([where(q, fit), where(q, aff)]).toEqual(['active', 'unschedulable']);
    expect(incoming.at(-1)).toBe('active:AssignedPodDelete');
  });
});

describe('assigned pod hooks', () => {
  test.each([
    { name: 'added → AssignedPod/Add', plugin: 'InterPodAffinity', call: 'add', moves: true },
    { name: 'added does not wake a plugin waiting for a delete', plugin: FIT, call: 'add', moves: false },
    { name: 'deleted → AssignedPod/Delete', plugin: FIT, call: 'delete', moves: true },
    { name: 'label change → UpdatePodLabel', plugin: 'InterPodAffinity', call: 'relabel', moves: true },
    { name: 'status-only change moves nothing', plugin: 'Everything', call: 'status', moves: false },
  ])('$name', async ({ plugin, call, moves }) => {
    const { q, clock } = newQueue();
    const p = makePod('p');
    q.add(p);
    await failWith(q, [plugin]);
    clock.advance(5000);
    const bound = makePod('bound', { labels: { app: 'x' } });
    if (call === 'add') q.assignedPodAdded(bound);
    if (call === 'delete') q.assignedPodDeleted(bound);
    if (call === 'relabel') q.assignedPodUpdated(bound, changed(bound, (b) => (b.metadata!.labels = { app: 'y' })));
    if (call === 'status') q.assignedPodUpdated(bound, changed(bound, (b) => (b.status = { phase: 'Running' })));
    expect(where(q, p)).toBe(moves ? 'active' : 'unschedulable');
  });
});

describe('moveRequestCycle', () => {
  test('a move request while the pod is in flight sends its failure to backoffQ, not unschedulablePods', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    const cycle = q.schedulingCycle();
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' }); // the node it needed, during its cycle
    qpi.unschedulablePlugins = new Set([FIT]);
    expect(q.addUnschedulableIfNotPresent(qpi, cycle)).toBe('backoff');
  });

  test('a move request before the pod was popped does not count', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
    q.add(p);
    const qpi = await popNow(q);
    qpi.unschedulablePlugins = new Set([FIT]);
    expect(q.addUnschedulableIfNotPresent(qpi, q.schedulingCycle())).toBe('unschedulable');
  });

  test('an event no plugin registered is not a move request', async () => {
    const { q } = newQueue({ pluginEvents: new Map([[FIT, [{ resource: 'Node', action: 'Add' }]]]) });
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    const cycle = q.schedulingCycle();
    q.moveAllToActiveOrBackoffQueue({ resource: 'Namespace', action: 'Update' });
    qpi.unschedulablePlugins = new Set([FIT]);
    expect(q.addUnschedulableIfNotPresent(qpi, cycle)).toBe('unschedulable');
  });

  test('a pod from an earlier cycle than the move request is covered too', async () => {
    const { q } = newQueue();
    const a = makePod('a', { priority: 2 });
    const b = makePod('b', { priority: 1 });
    q.add(a);
    q.add(b);
    const qa = await popNow(q);
    const cycleA = q.schedulingCycle();
    const qb = await popNow(q); // a is still binding, say
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
    qa.unschedulablePlugins = new Set([FIT]);
    qb.unschedulablePlugins = new Set([FIT]);
    expect(q.addUnschedulableIfNotPresent(qa, cycleA)).toBe('backoff');
    expect(q.addUnschedulableIfNotPresent(qb, q.schedulingCycle())).toBe('backoff');
  });

  test('activate() of an in-flight pod is a move request', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    const cycle = q.schedulingCycle();
    q.activate([p.uid]);
    qpi.unschedulablePlugins = new Set([FIT]);
    expect(q.addUnschedulableIfNotPresent(qpi, cycle)).toBe('backoff');
  });
});

describe('PreEnqueue gating', () => {
  test('a gated pod waits in the gated set, is not an attempt, and an update that clears its gates releases it', async () => {
    const { q, incoming } = newQueue();
    const p = makePod('p', { gates: ['example.com/quota'] });
    q.add(p);
    expect(where(q, p)).toBe('gated');
    expect(q.getPod(p.uid)!.queued.gatingPlugin).toBe('SchedulingGates');
    expect(q.pendingPods()).toEqual({ active: 0, backoff: 0, unschedulable: 0, gated: 1 });
    expect(incoming).toEqual([`gated:${QueueEvent.UnscheduledPodAdd}`]);

    const relabelled = changed(p, (x) => (x.metadata!.labels = { a: 'b' }));
    q.update(p, relabelled);
    expect(where(q, p)).toBe('gated'); // still gated: PreEnqueue ran again and said no

    const ungated = changed(relabelled, (x) => delete x.spec!.schedulingGates);
    q.update(relabelled, ungated);
    expect(where(q, p)).toBe('active');
    expect(q.getPod(p.uid)!.queued.gatingPlugin).toBeUndefined();
    const qpi = await popNow(q);
    expect(qpi.attempts).toBe(1);
    expect(qpi.podInfo).toBe(ungated);
    expect(incoming.at(-1)).toBe(`active:${QueueEvent.UnscheduledPodUpdate}`);
  });

  test('an event the gating plugin registered re-runs PreEnqueue; other events do not', () => {
    let quotaOpen = false;
    let calls = 0;
    const quota: PreEnqueuePlugin = {
      name: 'Quota',
      preEnqueue: () => {
        calls++;
        return quotaOpen ? null : Status.pending('over quota');
      },
    };
    const { q } = newQueue({
      preEnqueue: runPreEnqueuePlugins([schedulingGates, quota]),
      pluginEvents: new Map([['Quota', [{ resource: 'Namespace', action: 'Update' }]]]),
    });
    const p = makePod('p');
    q.add(p);
    expect(where(q, p)).toBe('gated');
    quotaOpen = true;
    calls = 0;
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
    expect(calls).toBe(0);
    expect(where(q, p)).toBe('gated');
    q.moveAllToActiveOrBackoffQueue({ resource: 'Namespace', action: 'Update' });
    expect(where(q, p)).toBe('active');
  });

  test('PreEnqueue runs before a pod leaves backoffQ for activeQ', async () => {
    let gate = false;
    const { q, clock } = newQueue({
      preEnqueue: runPreEnqueuePlugins([{ name: 'Late', preEnqueue: () => (gate ? Status.pending('no') : null) }]),
    });
    const p = makePod('p');
    q.add(p);
    q.requeueAfterError(await popNow(q));
    gate = true;
    q.flushBackoffCompleted();
    expect(where(q, p)).toBe('backoff');
    clock.advance(1000);
    expect(where(q, p)).toBe('gated');
  });

  test('a PreEnqueue that throws keeps the pod gated', () => {
    const warnings: string[] = [];
    const { q } = newQueue({
      preEnqueue: () => {
        throw new Error('boom');
      },
      logger: { warn: (_f, msg) => warnings.push(msg) },
    });
    const p = makePod('p');
    q.add(p);
    expect(where(q, p)).toBe('gated');
    expect(warnings).toEqual(['PreEnqueue threw']);
  });

  test('the 5 minute flush leaves gated pods alone', () => {
    const { q, clock } = newQueue();
    const p = makePod('p', { gates: ['g'] });
    q.add(p);
    clock.advance(10 * 60_000);
    expect(where(q, p)).toBe('gated');
  });
});

describe('unschedulable flush', () => {
  test('a pod unschedulable for longer than 5 minutes moves on the 30 s flush', async () => {
    const { q, clock, incoming } = newQueue();
    const p = makePod('p');
    q.add(p);
    clock.advance(5000); // the 30 s flush ticks are not aligned with the failure
    await failWith(q, [FIT]);
    clock.advance(5 * 60_000 - 5000);
    expect(where(q, p)).toBe('unschedulable'); // at 5:00 since failure: not yet past
    clock.advance(30_000);
    expect(where(q, p)).toBe('active');
    expect(incoming.at(-1)).toBe(`active:${QueueEvent.UnschedulableTimeout}`);
  });

  test('the duration is configurable', async () => {
    const { q, clock } = newQueue({ podMaxInUnschedulablePodsMs: 60_000 });
    const p = makePod('p');
    q.add(p);
    await failWith(q, [FIT]);
    clock.advance(60_000);
    expect(where(q, p)).toBe('unschedulable');
    clock.advance(30_000);
    expect(where(q, p)).toBe('active');
  });
});

describe('pop', () => {
  test('waits while activeQ is empty and resolves when a pod is added', async () => {
    const { q } = newQueue();
    let got: QueuedPodInfo | undefined;
    const pending = q.pop().then((v) => (got = v));
    await settle();
    expect(got).toBeUndefined();
    const p = makePod('p');
    q.add(p);
    await pending;
    expect(got?.podInfo).toBe(p);
  });

  test('a waiter woken by a batch gets the best pod of the batch', async () => {
    const { q } = newQueue();
    const pending = q.pop();
    q.add(makePod('low', { priority: 1 }));
    q.add(makePod('high', { priority: 9 }));
    expect((await pending)?.podInfo.name).toBe('high');
  });

  test('tryPop takes the best pod at once, as pop would, and undefined when there is none or the queue is closed', () => {
    const { q } = newQueue();
    expect(q.tryPop()).toBeUndefined();
    q.add(makePod('low', { priority: 1 }));
    q.add(makePod('high', { priority: 9 }));
    const qpi = q.tryPop();
    expect(qpi?.podInfo.name).toBe('high');
    expect(qpi?.attempts).toBe(1);
    expect(q.schedulingCycle()).toBe(1);
    expect(q.inFlightPods()).toBe(1);
    q.close();
    expect(q.tryPop()).toBeUndefined();
  });

  test('close() releases every waiter with undefined, and later pops return undefined', async () => {
    const { q } = newQueue();
    const waiters = [q.pop(), q.pop()];
    q.close();
    expect(await Promise.all(waiters)).toEqual([undefined, undefined]);
    q.add(makePod('p'));
    expect(await q.pop()).toBeUndefined();
  });

  test('pop increments the scheduling cycle and the attempts; in-flight pods are tracked until done', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    expect(q.schedulingCycle()).toBe(0);
    const qpi = await popNow(q);
    expect(q.schedulingCycle()).toBe(1);
    expect(qpi.attempts).toBe(1);
    expect(where(q, p)).toBe('inFlight');
    expect(q.inFlightPods()).toBe(1);
    q.done(p.uid);
    expect(q.inFlightPods()).toBe(0);
    expect(q.getPod(p.uid)).toBeUndefined();
  });

  test('handing a pod back ends its flight; done() afterwards changes nothing', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    await failWith(q, [FIT]);
    expect(q.inFlightPods()).toBe(0);
    q.done(p.uid);
    expect(where(q, p)).toBe('unschedulable');
  });
});

describe('delete', () => {
  const setups: Record<QueueName | 'inFlight', (h: Harness, p: PodInfo) => Promise<void>> = {
    active: ({ q }, p) => Promise.resolve(q.add(p)),
    backoff: async ({ q }, p) => {
      q.add(p);
      q.requeueAfterError(await popNow(q));
    },
    unschedulable: async ({ q }, p) => {
      q.add(p);
      await failWith(q, [FIT]);
    },
    gated: ({ q }, p) => Promise.resolve(q.add(changed(p, (x) => (x.spec!.schedulingGates = [{ name: 'g' }])))),
    inFlight: async ({ q }, p) => {
      q.add(p);
      await popNow(q);
    },
  };

  test.each(Object.keys(setups) as (QueueName | 'inFlight')[])('removes a pod from %s', async (location) => {
    await settle();
    const h = newQueue();
    const p = makePod('p', { nominatedNodeName: 'node-1' });
    await setups[location](h, p);
    expect(where(h.q, p)).toBe(location);
    h.q.delete(p);
    expect(h.q.pendingPods()).toEqual({ active: 0, backoff: 0, unschedulable: 0, gated: 0 });
    expect(h.q.nominator.nominatedPodsForNode('node-1')).toEqual([]);
    h.clock.advance(10 * 60_000); // no flush brings it back
    h.q.moveAllToActiveOrBackoffQueue(WILDCARD_EVENT);
    expect(h.q.pendingPods()).toEqual({ active: 0, backoff: 0, unschedulable: 0, gated: 0 });
    if (location !== 'inFlight') expect(h.q.getPod(p.uid)).toBeUndefined();
  });

  test('a pod deleted while in flight is not requeued when handed back', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    q.delete(p);
    qpi.unschedulablePlugins.add(FIT);
    expect(q.addUnschedulableIfNotPresent(qpi, q.schedulingCycle())).toBeUndefined();
    expect(q.getPod(p.uid)).toBeUndefined();
    expect(q.inFlightPods()).toBe(0);
  });
});

describe('update', () => {
  const selector = (p: Pod): void => {
    p.spec!.nodeSelector = { zone: 'b' };
  };
  const statusOnly = (p: Pod): void => {
    p.status = { conditions: [{ type: 'PodScheduled', status: 'False' }] };
    p.metadata!.resourceVersion = '42';
  };

  test('in activeQ: updated in place', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const p2 = changed(p, selector);
    q.update(p, p2);
    expect(q.pendingPods().active).toBe(1);
    expect((await popNow(q)).podInfo).toBe(p2);
  });

  test('in backoffQ: updated in place, backoff unchanged', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    q.requeueAfterError(await popNow(q));
    const before = q.getPod(p.uid)!.backoffExpiresAt;
    const p2 = changed(p, selector);
    q.update(p, p2);
    expect(q.getPod(p.uid)).toMatchObject({ location: 'backoff', backoffExpiresAt: before });
    expect(q.getPod(p.uid)!.queued.podInfo).toBe(p2);
  });

  test.each([
    { name: 'a spec change after its backoff → activeQ', fn: selector, wait: 2000, want: 'active' },
    { name: 'a spec change while backing off → backoffQ', fn: selector, wait: 100, want: 'backoff' },
    { name: 'a status-only change stays unschedulable', fn: statusOnly, wait: 2000, want: 'unschedulable' },
  ])('in unschedulablePods: $name', async ({ fn, wait, want }) => {
    const { q, clock } = newQueue();
    const p = makePod('p');
    q.add(p);
    await failWith(q, [FIT]);
    clock.advance(wait);
    const p2 = changed(p, fn);
    q.update(p, p2);
    expect(where(q, p)).toBe(want);
    expect(q.getPod(p.uid)!.queued.podInfo).toBe(p2);
  });

  test.each([
    { name: 'a spec change: requeued with the newest pod, to backoffQ', fn: selector, want: 'backoff' },
    { name: 'a status-only change: requeued with the newest pod, to unschedulablePods', fn: statusOnly, want: 'unschedulable' },
  ])('in flight: $name', async ({ fn, want }) => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    const cycle = q.schedulingCycle();
    const p2 = changed(p, fn);
    q.update(p, p2);
    expect(where(q, p)).toBe('inFlight'); // not re-added while being scheduled
    qpi.unschedulablePlugins.add(FIT);
    expect(q.addUnschedulableIfNotPresent(qpi, cycle)).toBe(want);
    expect(q.getPod(p.uid)!.queued.podInfo).toBe(p2);
    expect(q.getPod(p.uid)!.queued.attempts).toBe(1);
  });

  test('an unknown pod is added to activeQ', () => {
    const { q, incoming } = newQueue();
    const p = makePod('p');
    q.update(p, p);
    expect(where(q, p)).toBe('active');
    expect(incoming).toEqual([`active:${QueueEvent.UnscheduledPodUpdate}`]);
  });

  test('add() of a pod already queued is an update, not a second entry', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const p2 = changed(p, selector);
    q.add(p2);
    expect(q.pendingPods().active).toBe(1);
    expect(await drain(q)).toEqual(['p']);
  });

  test('addUnschedulableIfNotPresent refuses a pod the queue already holds', async () => {
    const { q } = newQueue();
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    q.add(p); // the informer re-delivers while in flight: kept as an update
    q.requeueAfterError(qpi);
    expect(q.addUnschedulableIfNotPresent(qpi, q.schedulingCycle())).toBeUndefined();
    expect(q.pendingPods().backoff).toBe(1);
  });
});

describe('activate', () => {
  test.each([
    { name: 'from unschedulablePods, skipping the backoff', setup: 'unschedulable', want: 'active' },
    { name: 'from backoffQ', setup: 'backoff', want: 'active' },
    { name: 'a gated pod stays gated', setup: 'gated', want: 'gated' },
  ])('$name', async ({ setup, want }) => {
    const { q, incoming } = newQueue();
    const p = makePod('p', setup === 'gated' ? { gates: ['g'] } : {});
    q.add(p);
    if (setup === 'unschedulable') await failWith(q, [FIT]);
    if (setup === 'backoff') q.requeueAfterError(await popNow(q));
    q.activate([p.uid, 'unknown-uid']);
    expect(where(q, p)).toBe(want);
    if (want === 'active') expect(incoming.at(-1)).toBe(`active:${QueueEvent.ForceActivate}`);
  });
});

describe('observation', () => {
  test('pendingPods counts each sub-queue; in-flight pods are not pending', async () => {
    const { q } = newQueue();
    q.add(makePod('u'));
    await failWith(q, [FIT]);
    q.add(makePod('b'));
    q.requeueAfterError(await popNow(q));
    q.add(makePod('f'));
    await popNow(q);
    q.add(makePod('a1'));
    q.add(makePod('a2'));
    q.add(makePod('g1', { gates: ['x'] }));
    q.add(makePod('g2', { gates: ['x'] }));
    q.add(makePod('g3', { gates: ['x'] }));
    expect(q.pendingPods()).toEqual({ active: 2, backoff: 1, unschedulable: 1, gated: 3 });
    expect(q.inFlightPods()).toBe(1);
    const listed = q.podsInQueue().map((s) => `${s.queued.podInfo.name}:${s.location}`);
    expect(listed.sort()).toEqual(['a1:active', 'a2:active', 'b:backoff', 'f:inFlight', 'g1:gated', 'g2:gated', 'g3:gated', 'u:unschedulable']);
  });

  test('onIncoming sees every entry into a sub-queue with its event', async () => {
    const { q, clock, incoming } = newQueue();
    q.add(makePod('p'));
    await failWith(q, [FIT]);
    clock.advance(5000);
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
    expect(incoming).toEqual([
      `active:${QueueEvent.UnscheduledPodAdd}`,
      `unschedulable:${QueueEvent.ScheduleAttemptFailure}`,
      'active:NodeAdd',
    ]);
  });
});

describe('nominated pods', () => {
  test('the queue keeps the nominator in step with adds, updates and deletes', () => {
    const { q } = newQueue();
    const p = makePod('p', { nominatedNodeName: 'node-1' });
    q.add(p);
    expect(q.nominator.nominatedPodsForNode('node-1')).toEqual([p]);
    const moved = changed(p, (x) => (x.status = { nominatedNodeName: 'node-2' }));
    q.update(p, moved);
    expect(q.nominator.nominatedPodsForNode('node-1')).toEqual([]);
    expect(q.nominator.nominatedPodsForNode('node-2')).toEqual([moved]);
    q.delete(moved);
    expect(q.nominator.nominatedPodsForNode('node-2')).toEqual([]);
  });
});

describe('timers', () => {
  test('close() cancels both flush timers', () => {
    const { q, clock } = newQueue();
    expect(clock.activeTimers()).toBe(2);
    q.close();
    expect(clock.activeTimers()).toBe(0);
    q.close(); // idempotent
  });

  test('with the real clock, the queue never keeps the process alive', () => {
    const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const q = new SchedulingQueue({ less: prioritySort, clock: realClock });
    try {
      expect(timeouts()).toBe(before);
    } finally {
      q.close();
    }
    expect(timeouts()).toBe(before);
  });
});

describe('options', () => {
  test.each([
    [{ podInitialBackoffMs: 0 }, 'options.podInitialBackoffMs must be a positive number'],
    [{ podMaxBackoffMs: -1 }, 'options.podMaxBackoffMs must be a positive number'],
    [{ podInitialBackoffMs: 5000, podMaxBackoffMs: 1000 }, 'options.podMaxBackoffMs must be greater than or equal to options.podInitialBackoffMs'],
    [{ podMaxInUnschedulablePodsMs: Number.NaN }, 'options.podMaxInUnschedulablePodsMs must be a positive number'],
    [{ backoffFlushIntervalMs: 0 }, 'options.backoffFlushIntervalMs must be a positive number'],
    [{ unschedulableFlushIntervalMs: Infinity }, 'options.unschedulableFlushIntervalMs must be a positive number'],
  ] as [Partial<SchedulingQueueOptions>, string][])('%o is rejected', (opts, message) => {
    expect(() => new SchedulingQueue({ less: prioritySort, clock: new FakeClock(), ...opts })).toThrow(new RangeError(message));
  });

  test('undefined options take the defaults', async () => {
    const { q, clock } = newQueue({ podInitialBackoffMs: undefined, podMaxBackoffMs: undefined });
    const p = makePod('p');
    q.add(p);
    const qpi = await popNow(q);
    const t = clock.now();
    q.requeueAfterError(qpi);
    expect(q.getPod(p.uid)!.backoffExpiresAt! - t).toBe(1000);
  });
});
