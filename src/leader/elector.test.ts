// The elector on the in-memory cluster with a fake clock: replicas are
// LeaderElectors sharing one MemoryClusterClient, each through its own lease
// client that a test can take down (calls fail, or hang as a dead peer's).
import { ApiError, type Lease } from '../cluster/client.ts';
import { MemoryClusterClient } from '../cluster/memory.ts';
import { FakeClock } from '../queue/fake-clock.ts';
import type { Clock } from '../queue/clock.ts';
import { LeaderElector, LeaderElectorOptionsError, type LeaderElectorOptions } from './elector.ts';
import { FencedClusterClient, NotLeaderError } from './fenced-client.ts';
import type { LeaseClient } from './lease-lock.ts';

const LEASE = { namespace: 'kube-system', name: 'berth' };
const WALL_EPOCH = Date.parse('2026-01-01T00:00:00Z');
const TIMINGS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** Lets every promise continuation run (the memory client answers on microtasks). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

type Mode = 'up' | 'fail' | 'hang';

interface Replica {
  name: string;
  elector: LeaderElector;
  /** 'fail': every lease call answers 503; 'hang': none answers (a dead or partitioned replica). */
  mode: Mode;
  calls: { op: string; at: number }[];
  /** Fake-clock times of the callbacks. */
  started: number[];
  stopped: { at: number; lost: boolean }[];
  leaders: string[];
  done: Promise<void>;
}

let clock: FakeClock;
let mem: MemoryClusterClient;
let replicas: Replica[];

beforeEach(() => {
  clock = new FakeClock(0);
  mem = new MemoryClusterClient();
  replicas = [];
});

afterEach(async () => {
  for (const r of replicas) r.mode = 'up';
  await Promise.all(replicas.map((r) => r.elector.stop()));
});

function replica(name: string, overrides: Partial<LeaderElectorOptions> & { clock?: Clock } = {}): Replica {
  const r = { name, mode: 'up', calls: [], started: [], stopped: [], leaders: [] } as unknown as Replica;
  const guard = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    r.calls.push({ op, at: clock.now() });
    if (r.mode === 'fail') throw new ApiError(503, 'ServiceUnavailable', 'the apiserver is unavailable');
    if (r.mode === 'hang') return new Promise<T>(() => {});
    return fn();
  };
  const client: LeaseClient = {
    getLease: (ref) => guard('get', () => mem.getLease(ref)),
    createLease: (lease) => guard('create', () => mem.createLease(lease)),
    updateLease: (lease) => guard('update', () => mem.updateLease(lease)),
  };
  r.elector = new LeaderElector({
    client,
    lease: LEASE,
    identity: name,
    ...TIMINGS,
    clock,
    wallClock: () => new Date(WALL_EPOCH + clock.now()),
    random: () => 0.5,
    callbacks: {
      onStartedLeading: () => r.started.push(clock.now()),
      onStoppedLeading: (lost) => r.stopped.push({ at: clock.now(), lost }),
      onNewLeader: (id) => r.leaders.push(id),
    },
    ...overrides,
  });
  replicas.push(r);
  return r;
}

function start(...rs: Replica[]): void {
  for (const r of rs) r.done = r.elector.run();
}

/** Moves the fake clock forward in small steps, letting the electors answer at each. */
async function advance(ms: number, step = 100): Promise<void> {
  await flush();
  for (let moved = 0; moved < ms; moved += step) {
    clock.advance(Math.min(step, ms - moved));
    await flush();
  }
}

async function lease(): Promise<Lease> {
  return mem.getLease(LEASE);
}

const iso = (ms: number) => new Date(WALL_EPOCH + ms).toISOString().replace('Z', '000Z');

describe('acquire', () => {
  test('the first replica creates the Lease and leads', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.started).toEqual([0]);
    expect(a.leaders).toEqual(['a']);
    const got = await lease();
    expect(got.spec).toEqual({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: iso(0), renewTime: iso(0), leaseTransitions: 0 });
    expect(got.metadata).toMatchObject({ name: 'berth', namespace: 'kube-system' });
  });

  test('a replica whose Lease exists, released, takes it and counts a transition', async () => {
    await mem.createLease({ metadata: { ...LEASE }, spec: { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 4 } });
    const a = replica('a');
    start(a);
    await advance(0);
    expect(a.elector.isLeader()).toBe(true);
    expect((await lease()).spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 5, acquireTime: iso(0) });
  });

  test('a standby does not take a lease that is being renewed, and retries with jitter', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    const b = replica('b');
    start(b);
    await advance(60_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.state).toBe('acquiring');
    expect(b.elector.leader()).toBe('a');
    expect(b.leaders).toEqual(['a']);
    // retryPeriod x (1 + 0.5 x 1.2) = 3.2 s between tries; a standby only reads.
    const gets = b.calls.filter((c) => c.op === 'get').map((c) => c.at);
    expect(gets.slice(0, 4)).toEqual([0, 3200, 6400, 9600]);
    expect(b.calls.every((c) => c.op === 'get')).toBe(true);
  });

  test('two replicas starting together on no Lease: one creates it, the other gets AlreadyExists and stands by', async () => {
    const a = replica('a');
    const b = replica('b');
    start(a, b);
    await advance(10_000);
    expect([a.elector.isLeader(), b.elector.isLeader()]).toEqual([true, false]);
    expect(b.calls.slice(0, 2).map((c) => c.op)).toEqual(['get', 'create']);
    expect((await lease()).spec.leaseTransitions).toBe(0);
  });
});

describe('renew', () => {
  test('the leader renews every retry period with one optimistic update, keeping acquireTime and transitions', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    const rv0 = (await lease()).metadata.resourceVersion;
    await advance(2_000);
    let got = await lease();
    expect(got.spec).toEqual({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: iso(0), renewTime: iso(2_000), leaseTransitions: 0 });
    expect(got.metadata.resourceVersion).not.toBe(rv0);
    await advance(8_000);
    got = await lease();
    expect(got.spec.renewTime).toBe(iso(10_000));
    // get + create, then one update per renewal: no reads while all goes well.
    expect(a.calls.map((c) => `${c.op}@${c.at}`)).toEqual(['get@0', 'create@0', 'update@2000', 'update@4000', 'update@6000', 'update@8000', 'update@10000']);
    expect(a.stopped).toEqual([]);
  });

  test('a conflict on the optimistic renewal falls back to a read, and the leader renews', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    // Someone writes the Lease (same holder): the leader's copy is stale.
    const current = await lease();
    await mem.updateLease({ ...current, metadata: { ...current.metadata, labels: { edited: 'yes' } } });
    await advance(2_000);
    expect(a.calls.slice(2).map((c) => c.op)).toEqual(['update', 'get', 'update']);
    expect(a.elector.isLeader()).toBe(true);
    const got = await lease();
    expect(got.spec.renewTime).toBe(iso(2_000));
    expect(got.metadata.labels).toEqual({ edited: 'yes' });
  });

  test('two candidates updating the same expired Lease: the second update conflicts, one leads, one transition', async () => {
    // A dead holder's Lease: both candidates read it, wait out its duration, and try at the same moment.
    await mem.createLease({ metadata: { ...LEASE }, spec: { holderIdentity: 'dead', leaseDurationSeconds: 15, leaseTransitions: 2 } });
    const a = replica('a');
    const b = replica('b');
    start(a, b);
    await advance(30_000);
    const leaders = [a, b].filter((r) => r.elector.isLeader());
    expect(leaders).toHaveLength(1);
    const other = leaders[0] === a ? b : a;
    const updates = [a, b].map((r) => r.calls.filter((c) => c.op === 'update')[0]!.at);
    expect(updates[0]).toBe(updates[1]); // they did race
    expect((await lease()).spec).toMatchObject({ holderIdentity: leaders[0]!.name, leaseTransitions: 3 });
    expect(other.elector.leader()).toBe(leaders[0]!.name);
    expect(other.started).toEqual([]);
  });
});

describe('lose', () => {
  test('a leader that cannot renew stops at the renew deadline, once, and writes nothing after', async () => {
    const a = replica('a');
    start(a);
    await advance(4_000); // renewed at 2 s and 4 s
    a.mode = 'fail';
    await advance(20_000);
    expect(a.stopped).toEqual([{ at: 14_000, lost: true }]);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.state).toBe('stopped');
    await a.done;
    // Tries at 6, 8, 10, 12 s (each a failed optimistic update, then a failed read), none after the loss.
    expect(Math.max(...a.calls.map((c) => c.at))).toBeLessThan(14_000);
    expect(a.calls.filter((c) => c.at > 4_000).length).toBeGreaterThanOrEqual(8);
  });

  test('a renewal that hangs is abandoned at the deadline: the loss does not wait for the call', async () => {
    const a = replica('a');
    start(a);
    await advance(2_000);
    a.mode = 'hang';
    await advance(15_000);
    expect(a.stopped).toEqual([{ at: 12_000, lost: true }]);
    await a.done;
  });

  test('a leader that finds another holder stops at once, not at its deadline', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    const current = await lease();
    await mem.updateLease({ ...current, spec: { ...current.spec, holderIdentity: 'usurper' } });
    await advance(2_000);
    expect(a.stopped).toEqual([{ at: 2_000, lost: true }]);
    expect(a.leaders).toEqual(['a', 'usurper']);
  });

  test('checkLeadership declares the loss synchronously when the deadline passed unnoticed (a paused process)', async () => {
    let skew = 0;
    const pausable: Clock = { now: () => clock.now() + skew, every: (ms, fn) => clock.every(ms, fn) };
    const a = replica('a', { clock: pausable });
    start(a);
    await advance(0);
    expect(a.elector.checkLeadership()).toBe(true);
    skew = 9_999;
    expect(a.elector.checkLeadership()).toBe(true);
    skew = 10_000; // the process wakes up 10 s later; no timer has fired yet
    expect(a.elector.checkLeadership()).toBe(false);
    expect(a.stopped).toEqual([{ at: 0, lost: true }]);
    expect(a.elector.checkLeadership()).toBe(false);
    expect(a.stopped).toHaveLength(1);
  });
});

describe('takeover', () => {
  test('after the leader dies, the standby takes over once it has seen no renewal for the lease duration; the old leader gave up first', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    const b = replica('b');
    start(b);
    await advance(10_000);
    // a renews at 10 s, b last saw a change at its read at 9.6 s (tries at 0, 3.2, 6.4, 9.6, 12.8 s ...).
    a.mode = 'hang';
    await advance(30_000);
    expect(b.started).toHaveLength(1);
    const takeover = b.started[0]!;
    // b reads at 12.8 s and sees the 10 s renewal: expiry 27.8 s; its next try after that is 28.8 s.
    expect(takeover).toBe(28_800);
    expect(takeover - 10_000).toBeGreaterThanOrEqual(TIMINGS.leaseDurationMs);
    expect(takeover - 10_000).toBeLessThanOrEqual(TIMINGS.leaseDurationMs + 2 * TIMINGS.retryPeriodMs * 2.2);
    // Safety: the old leader stopped (renew deadline from its last renewal at 10 s) before b started.
    expect(a.stopped).toEqual([{ at: 20_000, lost: true }]);
    expect((await lease()).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, acquireTime: iso(28_800) });
    expect(b.leaders).toEqual(['a', 'b']);
  });
});

describe('release on stop', () => {
  test('a leader stopping clears holderIdentity; the standby takes over at its next try, long before expiry', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    const b = replica('b');
    start(b);
    await advance(5_000);
    const stopping = a.elector.stop();
    await advance(0);
    await stopping;
    expect(a.stopped).toEqual([{ at: 5_000, lost: false }]);
    expect((await lease()).spec).toEqual({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: iso(5_000),
      renewTime: iso(5_000),
      leaseTransitions: 0,
    });
    await advance(5_000);
    expect(b.started).toEqual([6_400]); // b's next try
    expect((await lease()).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, leaseDurationSeconds: 15 });
  });

  test('a standby stopping leaves the Lease alone', async () => {
    const a = replica('a');
    start(a);
    await advance(0);
    const b = replica('b');
    start(b);
    await advance(1_000);
    const before = await lease();
    await b.elector.stop();
    await b.done;
    expect(b.elector.state).toBe('stopped');
    expect(b.stopped).toEqual([]);
    expect((await lease()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  test('releaseOnStop: false keeps the holder until the lease expires', async () => {
    const a = replica('a', { releaseOnStop: false });
    start(a);
    await advance(0);
    await a.elector.stop();
    expect((await lease()).spec.holderIdentity).toBe('a');
    expect(a.stopped).toEqual([{ at: 0, lost: false }]);
  });

  test('stop() before run() never touches the Lease', async () => {
    const a = replica('a');
    await a.elector.stop();
    await a.elector.run();
    expect(a.calls).toEqual([]);
    expect(a.elector.state).toBe('stopped');
  });
});

describe('options', () => {
  const client = new MemoryClusterClient();
  const base: LeaderElectorOptions = {
    client,
    lease: LEASE,
    identity: 'a',
    ...TIMINGS,
    callbacks: { onStartedLeading() {}, onStoppedLeading() {} },
  };
  test.each([
    [{ retryPeriodMs: 0 }, 'options.retryPeriodMs must be greater than zero'],
    [{ leaseDurationMs: 1500 }, 'options.leaseDurationMs must be a whole number of seconds, at least 1000'],
    [{ leaseDurationMs: 10_000 }, 'options.leaseDurationMs must be greater than options.renewDeadlineMs'],
    [{ renewDeadlineMs: 2_400 }, 'options.renewDeadlineMs must be greater than options.retryPeriodMs x 1.2'],
    [{ identity: '' }, 'options.identity must not be empty'],
  ])('%j: %s', (override, message) => {
    expect(() => new LeaderElector({ ...base, ...override })).toThrow(new LeaderElectorOptionsError(message));
  });
});

describe('FencedClusterClient', () => {
  test('writes go through only while the replica leads; reads and Lease calls always', async () => {
    let leads = false;
    const fenced = new FencedClusterClient(mem, () => leads);
    mem.create('pods', { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: {} });
    const ref = { namespace: 'ns', name: 'p', uid: 'u1' };
    await expect(fenced.bind(ref, 'n1')).rejects.toThrow(new NotLeaderError('bind'));
    await expect(fenced.bind(ref, 'n1')).rejects.toBeInstanceOf(ApiError);
    await expect(fenced.updatePodStatus(ref, { type: 'PodScheduled', status: 'False' })).rejects.toBeInstanceOf(NotLeaderError);
    await expect(fenced.annotatePod(ref, { a: 'b' })).rejects.toBeInstanceOf(NotLeaderError);
    await expect(fenced.deletePod(ref)).rejects.toBeInstanceOf(NotLeaderError);
    await expect(fenced.evictPod(ref)).rejects.toBeInstanceOf(NotLeaderError);
    fenced.recordEvent({ regarding: { kind: 'Pod', name: 'p', namespace: 'ns' }, type: 'Normal', reason: 'Scheduled', action: 'Binding', note: 'x' });
    expect(mem.events).toEqual([]);
    expect(mem.bindCalls).toBe(0);
    await fenced.createLease({ metadata: { ...LEASE }, spec: {} });
    expect((await fenced.getLease(LEASE)).metadata.name).toBe('berth');

    leads = true;
    await fenced.bind(ref, 'n1');
    expect(mem.get('pods', 'ns', 'p')?.spec?.nodeName).toBe('n1');
    fenced.recordEvent({ regarding: { kind: 'Pod', name: 'p', namespace: 'ns' }, type: 'Normal', reason: 'Scheduled', action: 'Binding', note: 'x' });
    expect(mem.events).toHaveLength(1);
  });
});
