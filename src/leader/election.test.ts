// Two Scheduler replicas on one in-memory cluster, each under its own
// SchedulerElection (the elector on a fake clock, the schedulers on the real
// one): only the leader binds; a leader that loses the Lease is told to exit
// and, even while its scheduling loop runs on, binds nothing more; the
// standby takes over and binds the rest.
import { ApiError, type ClusterClient } from '../cluster/client.ts';
import { MemoryClusterClient } from '../cluster/memory.ts';
import { resolveConfig } from '../config/scheduler-config.ts';
import { silentLogger } from '../logging/logger.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { FakeClock } from '../queue/fake-clock.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { makeNode, makePod } from '../testing/builders.ts';
import { SchedulerElection } from './election.ts';
import { NotLeaderError } from './fenced-client.ts';

const config = resolveConfig({}, inTreeRegistry, defaultPlugins, 'berth');
const election = { lease: { namespace: 'kube-system', name: 'berth' }, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const LEASE_CALLS = new Set<PropertyKey>(['getLease', 'createLease', 'updateLease']);

interface Replica {
  name: string;
  election: SchedulerElection;
  scheduler: Scheduler;
  exits: number[];
  leading: boolean[];
  /** true: this replica's Lease calls fail, as when it is cut off from the apiserver. */
  cutOff: { value: boolean };
}

let clock: FakeClock;
let cluster: MemoryClusterClient;
let replicas: Replica[];

/** The cluster as one replica sees it: its Lease calls fail while cut off. */
function view(cutOff: { value: boolean }): ClusterClient {
  return new Proxy(cluster, {
    get(target, prop) {
      if (cutOff.value && LEASE_CALLS.has(prop)) return () => Promise.reject(new ApiError(0, 'ECONNREFUSED', 'connection refused'));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function replica(name: string): Promise<Replica> {
  const r = { name, exits: [], leading: [], cutOff: { value: false } } as unknown as Replica;
  r.election = new SchedulerElection({
    client: view(r.cutOff),
    config: election,
    identity: name,
    logger: silentLogger(),
    clock,
    exit: (code) => r.exits.push(code),
    onLeadingChange: (leading) => r.leading.push(leading),
  });
  r.scheduler = new Scheduler({ client: r.election.client, config, registry: inTreeRegistry, logger: silentLogger(), seed: 1 });
  await r.scheduler.startInformers();
  r.election.campaign(() => r.scheduler.startScheduling());
  replicas.push(r);
  return r;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function advance(ms: number): Promise<void> {
  await flush();
  for (let moved = 0; moved < ms; moved += 100) {
    clock.advance(Math.min(100, ms - moved));
    await flush();
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const bound = (names: string[]) => names.every((n) => cluster.get('pods', 'default', n)?.spec?.nodeName);
const scheduledEvents = () => cluster.events.filter((e) => e.reason === 'Scheduled');

beforeEach(() => {
  clock = new FakeClock(0);
  cluster = new MemoryClusterClient();
  cluster.create('nodes', makeNode('n1').capacity({ cpu: '100', memory: '100Gi', pods: '500' }).obj());
  replicas = [];
});

afterEach(async () => {
  for (const r of replicas) r.cutOff.value = false;
  await Promise.all(replicas.map(async (r) => {
    await r.scheduler.stop(100);
    await r.election.stop();
  }));
});

describe('SchedulerElection', () => {
  test('only the leader binds; the standby, informers synced, schedules nothing', async () => {
    const a = await replica('a');
    await advance(0);
    const b = await replica('b');
    await advance(2_000);
    expect([a.election.isLeader(), b.election.isLeader()]).toEqual([true, false]);
    expect([a.leading, b.leading]).toEqual([[true], []]);

    const names = Array.from({ length: 20 }, (_, i) => `p${i}`);
    for (const n of names) cluster.create('pods', makePod(n).req({ cpu: '100m' }).obj());
    await until('all bound', () => bound(names));
    await a.scheduler.drainBinds();
    expect(cluster.bindCalls).toBe(20);
    expect(a.scheduler.stats.scheduled).toBe(20);
    expect(b.scheduler.stats.scheduled).toBe(0);
    // The standby's cache is warm: it holds the bound pods too.
    expect(b.scheduler.hasSynced()).toBe(true);
    await until('the standby sees the binds', () => b.scheduler.cache.podCount === 20);
    expect(scheduledEvents()).toHaveLength(20);
  });

  test('a leader cut off from the Lease is told to exit at its deadline and, if it ran on, would bind nothing; the standby binds the rest', async () => {
    const a = await replica('a');
    await advance(0);
    const b = await replica('b');
    await advance(2_000); // a renewed at 2 s
    const early = ['e0', 'e1', 'e2'];
    for (const n of early) cluster.create('pods', makePod(n).obj());
    await until('early pods bound', () => bound(early));
    await a.scheduler.drainBinds();

    a.cutOff.value = true;
    await advance(9_900);
    expect(a.exits).toEqual([]);
    await advance(100); // 12 s: 10 s since the renewal sent at 2 s
    expect(a.exits).toEqual([1]);
    expect(a.leading).toEqual([true, false]);
    expect(a.election.isLeader()).toBe(false);
    await expect(a.election.client.bind({ namespace: 'default', name: 'e0', uid: 'x' }, 'n1')).rejects.toBeInstanceOf(NotLeaderError);

    // a's process did not exit here (the test's exit does nothing): its loop pops new pods, and every bind is refused.
    const late = ['l0', 'l1', 'l2', 'l3'];
    for (const n of late) cluster.create('pods', makePod(n).obj());
    await new Promise((r) => setTimeout(r, 50));
    expect(late.filter((n) => cluster.get('pods', 'default', n)?.spec?.nodeName)).toEqual([]);
    expect(cluster.bindCalls).toBe(3);

    // b saw the 2 s renewal at a read by 6.4 s (it tries every 2 to 4.4 s), so the lease runs out
    // for it by 21.4 s, and it takes over at its next try, by 25.8 s.
    await advance(14_000);
    expect(b.election.isLeader()).toBe(true);
    await until('late pods bound by b', () => bound(late));
    await b.scheduler.drainBinds();
    expect(b.scheduler.stats.scheduled).toBe(4);
    const events = scheduledEvents();
    expect(events).toHaveLength(7);
    expect(new Set(events.map((e) => e.regarding.name)).size).toBe(7);
    expect((await cluster.getLease(election.lease)).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  test('stop() after scheduling stopped releases the Lease; the standby takes over at its next try', async () => {
    const a = await replica('a');
    await advance(0);
    const b = await replica('b');
    await advance(2_000);
    await a.scheduler.stop(100);
    const stopping = a.election.stop();
    await advance(0);
    await stopping;
    expect(a.exits).toEqual([]);
    expect(a.leading).toEqual([true, false]);
    expect((await cluster.getLease(election.lease)).spec.holderIdentity).toBe('');
    await advance(4_500); // one jittered retry period (at most 4.4 s)
    expect(b.election.isLeader()).toBe(true);
  });
});
