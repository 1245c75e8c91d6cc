// Leader election against the real apiserver: `berth run` replicas as child
// processes (src/cli/main.ts under this process's Node 24), electing on a
// Lease in this file's namespace, with short timings so that takeovers are
// quick. Every claim is checked from the API: the Lease, the pods' nodeName,
// and the Scheduled Events (their reportingInstance is the replica's
// identity, the same hostname_uuid it writes into the Lease); and, in the
// first test, from each replica's /metrics (leader_election_master_status).
//
// The pods select a node made for this file (a label, and a taint only they
// tolerate), so other files' schedulers and pods never meet them.
import { CoordinationV1Api, CoreV1Api, type CoreV1Event, type V1Lease, type V1Pod } from '@kubernetes/client-node';
import { ApiError, type Lease } from '../../src/cluster/client.ts';
import { createKubeClusterClient, type KubeClusterClient } from '../../src/cluster/kube/index.ts';
import { sampleValue } from '../../src/metrics/exposition.ts';
import { METRIC } from '../../src/metrics/metrics.ts';
import { BerthProcess, freePorts, killAll, scrape, sleep, waitFor } from '../harness/berth-process.ts';
import { createNamespace, nodeObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const coordination = kc.makeApiClient(CoordinationV1Api);
const schedulerName = uniqueName('berth-le');
const nodeName = uniqueName('berth-le-node');
const LABEL = 'berth-test/leader-election';
const labelValue = uniqueName('n');

let namespace: string;

// --- berth run replicas ------------------------------------------------------

interface Timings {
  lease: string;
  renew: string;
  retry: string;
}
/** Short enough for three takeovers in one test; a standby tries every 1 to 2.2 s. */
const FAST: Timings = { lease: '4s', renew: '3s', retry: '1s' };

/** A `berth run` replica electing on the Lease leaseName; afterEach and afterAll kill what still runs, whatever failed. */
class Replica extends BerthProcess {
  /** Its --secure-port on 127.0.0.1; 0: none. */
  readonly securePort: number;

  constructor(name: string, leaseName: string, timings: Timings, securePort = 0) {
    super(
      [
        'run',
        '--kubeconfig',
        process.env.BERTH_TEST_KUBECONFIG!,
        '--scheduler-name',
        schedulerName,
        '--leader-elect-resource-namespace',
        namespace,
        '--leader-elect-resource-name',
        leaseName,
        '--leader-elect-lease-duration',
        timings.lease,
        '--leader-elect-renew-deadline',
        timings.renew,
        '--leader-elect-retry-period',
        timings.retry,
        '--log-level',
        'info',
        // Replicas share this host: each needs a secure port of its own, or none.
        '--secure-port',
        String(securePort),
        '--bind-address',
        '127.0.0.1',
      ],
      name,
    );
    this.securePort = securePort;
  }

  /** hostname_uuid, from its first election log line. */
  get identity(): string {
    const line = this.logged('attempting to acquire leader lease');
    if (!line) throw new Error(`${this.name} has not started campaigning\n${this.output()}`);
    return line.identity as string;
  }

  /** Ready to take over: campaigning, with its caches synced. */
  async standingBy(): Promise<void> {
    await waitFor(`${this.name} campaigning with synced caches`, () => (this.logged('attempting to acquire leader lease') && this.logged('caches synced') ? true : undefined), {
      watch: [this],
    });
  }
}

// --- the API side ------------------------------------------------------------

async function readLease(name: string): Promise<V1Lease | undefined> {
  try {
    return await coordination.readNamespacedLease({ namespace, name });
  } catch {
    return undefined;
  }
}

async function holder(leaseName: string): Promise<string> {
  return (await readLease(leaseName))?.spec?.holderIdentity ?? '';
}

/** The replica holding the Lease, once one does. */
async function leaderOf(leaseName: string, candidates: Replica[]): Promise<Replica> {
  return waitFor(
    'a leader',
    async () => {
      const id = await holder(leaseName);
      return candidates.find((r) => r.logged('attempting to acquire leader lease') && r.identity === id);
    },
    { watch: candidates },
  );
}

function pod(name: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { batch: name.replace(/-\d+$/, '') } },
    spec: {
      schedulerName,
      nodeSelector: { [LABEL]: labelValue },
      tolerations: [{ key: LABEL, operator: 'Equal', value: labelValue, effect: 'NoSchedule' }],
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    },
  };
}

/** Streams still producing: afterEach stops them, whatever failed. */
const streams = new Set<{ stop(): Promise<string[]> }>();

/** Creates a pod every intervalMs until stopped; returns the names created. */
function podStream(prefix: string, intervalMs: number): { created: string[]; stop(): Promise<string[]> } {
  const created: string[] = [];
  let stopped = false;
  const run = (async () => {
    for (let i = 0; !stopped; i++) {
      const name = `${prefix}-${i}`;
      const started = Date.now();
      await core.createNamespacedPod({ namespace, body: pod(name) }).then(
        () => created.push(name),
        () => {}, // not created: not counted
      );
      await sleep(Math.max(0, intervalMs - (Date.now() - started)));
    }
  })();
  const stream = {
    created,
    async stop() {
      stopped = true;
      streams.delete(stream);
      await run;
      return created;
    },
  };
  streams.add(stream);
  return stream;
}

async function podsOf(batch: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: `batch=${batch}` })).items;
}

async function waitAllBound(batch: string, names: string[], timeoutMs = 60_000): Promise<V1Pod[]> {
  return waitFor(`${names.length} pods of ${batch} bound`, async () => {
    const pods = await podsOf(batch);
    return pods.length === names.length && pods.every((p) => p.spec?.nodeName) ? pods : undefined;
  }, { timeoutMs });
}

async function scheduledEvents(): Promise<CoreV1Event[]> {
  return (await core.listNamespacedEvent({ namespace, fieldSelector: 'reason=Scheduled' })).items;
}

/** Scheduled events per pod name. */
function byPod(events: CoreV1Event[]): Map<string, CoreV1Event[]> {
  const map = new Map<string, CoreV1Event[]>();
  for (const e of events) {
    const name = e.involvedObject.name!;
    map.set(name, [...(map.get(name) ?? []), e]);
  }
  return map;
}

/** Milliseconds of a (Micro)Time as client-node hands it over: a Date or an RFC 3339 string. */
const millis = (t: unknown) => new Date(t as string | Date).getTime();
const eventTime = (e: CoreV1Event) => millis(e.eventTime);
const acquiredAt = async (leaseName: string) => millis((await readLease(leaseName))!.spec!.acquireTime);

// --- setup -------------------------------------------------------------------

beforeAll(async () => {
  namespace = await createNamespace(core, 'berth-le');
  const node = nodeObject({ name: nodeName, cpu: '1000', memory: '4000Gi', pods: '5000', labels: { [LABEL]: labelValue } });
  node.spec = { taints: [{ key: LABEL, value: labelValue, effect: 'NoSchedule' }] };
  await core.createNode({ body: node });
}, 60_000);

afterEach(async () => {
  await Promise.all([...streams].map((s) => s.stop()));
  await killAll();
}, 30_000);

afterAll(async () => {
  await killAll();
  await core.deleteNode({ name: nodeName }).catch(() => {});
  await core.deleteNamespace({ name: namespace }).catch(() => {});
}, 30_000);

// --- tests -------------------------------------------------------------------

describe("KubeClusterClient's Lease API", () => {
  let client: KubeClusterClient;
  beforeAll(() => {
    client = createKubeClusterClient({ kubeConfig: kc });
  });
  afterAll(() => client.close());

  test('get 404, create, update with the resourceVersion read; a stale one is 409 Conflict; other fields are kept', async () => {
    const ref = { namespace, name: uniqueName('lease-api') };
    await expect(client.getLease(ref)).rejects.toMatchObject({ status: 404, reason: 'NotFound' });
    const created = await client.createLease({
      metadata: { ...ref, labels: { app: 'berth' } },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.123456Z', renewTime: '2026-01-01T00:00:00.123456Z', leaseTransitions: 0 },
    });
    expect(created.spec).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.123456Z',
      renewTime: '2026-01-01T00:00:00.123456Z',
      leaseTransitions: 0,
    });
    await expect(client.createLease({ metadata: { ...ref }, spec: {} })).rejects.toMatchObject({ status: 409, reason: 'AlreadyExists' });

    const read = await client.getLease(ref);
    const updated = await client.updateLease({ ...read, spec: { ...read.spec, renewTime: '2026-01-01T00:00:02.000000Z' } });
    expect(updated.spec.renewTime).toBe('2026-01-01T00:00:02.000000Z');
    expect(updated.metadata.labels).toEqual({ app: 'berth' });
    expect(updated.metadata.resourceVersion).not.toBe(read.metadata.resourceVersion);

    const stale: Lease = { ...read, spec: { ...read.spec, holderIdentity: 'b' } };
    const conflict = await client.updateLease(stale).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict).toMatchObject({ status: 409, reason: 'Conflict' });
    expect((await client.getLease(ref)).spec.holderIdentity).toBe('a');
  });
});

describe('berth run with leader election', () => {
  test("two replicas: one leads and binds every pod; the standby, warm, binds none; each one's /metrics says which it is", async () => {
    const leaseName = uniqueName('only-leader');
    // On one host, each replica on a secure port of its own.
    const [portA, portB] = await freePorts(2);
    const a = new Replica('a', leaseName, FAST, portA);
    const b = new Replica('b', leaseName, FAST, portB);
    await Promise.all([a.standingBy(), b.standingBy()]);
    const leader = await leaderOf(leaseName, [a, b]);
    const standby = leader === a ? b : a;
    await waitFor('the leader scheduling', () => leader.logged('scheduling'), { timeoutMs: 10_000, watch: [a, b] });
    // The gauge is set as the lease is won, before scheduling starts; the standby's says 0 from the start.
    const status = async (r: Replica) => sampleValue(await scrape(r.securePort), METRIC.leaderElectionMasterStatus, { name: leaseName });
    expect([await status(leader), await status(standby)]).toEqual([1, 0]);

    const names = Array.from({ length: 30 }, (_, i) => `only-leader-${i}`);
    for (const name of names) await core.createNamespacedPod({ namespace, body: pod(name) });
    const pods = await waitAllBound('only-leader', names);
    expect(pods.every((p) => p.spec!.nodeName === nodeName)).toBe(true);

    const events = await waitFor('a Scheduled event per pod', async () => {
      const all = (await scheduledEvents()).filter((e) => e.involvedObject.name!.startsWith('only-leader-'));
      return all.length >= names.length ? all : undefined;
    });
    expect(events).toHaveLength(names.length);
    expect(new Set(events.map((e) => e.reportingInstance))).toEqual(new Set([leader.identity]));
    expect(new Set(events.map((e) => e.involvedObject.name))).toEqual(new Set(names));

    // The standby synced its caches (it holds the same pods) but never scheduled.
    expect(standby.logged('caches synced')).toBeDefined();
    expect(standby.logged('scheduling')).toBeUndefined();
    expect(standby.logged('successfully acquired lease')).toBeUndefined();
    expect(await holder(leaseName)).toBe(leader.identity);

    // The metrics agree: the leader scheduled every pod; the standby attempted none, and still does not lead.
    const [ml, ms] = [await scrape(leader.securePort), await scrape(standby.securePort)];
    const attempts = { result: 'scheduled', profile: schedulerName };
    expect([sampleValue(ml, METRIC.scheduleAttempts, attempts), sampleValue(ms, METRIC.scheduleAttempts, attempts)]).toEqual([names.length, undefined]);
    expect([sampleValue(ml, METRIC.leaderElectionMasterStatus, { name: leaseName }), sampleValue(ms, METRIC.leaderElectionMasterStatus, { name: leaseName })]).toEqual([1, 0]);
    expect([a.exited, b.exited]).toEqual([undefined, undefined]);
  }, 90_000);

  test('kill -9 the leader under a steady stream of pods, 3 times: the standby takes over within the lease duration plus a little; every pod is bound exactly once', async () => {
    const leaseName = uniqueName('kill');
    let live = [new Replica('r0', leaseName, FAST), new Replica('r1', leaseName, FAST)];
    await Promise.all(live.map((r) => r.standingBy()));
    let leader = await leaderOf(leaseName, live);
    await waitFor('the leader scheduling', () => leader.logged('scheduling'), { timeoutMs: 10_000, watch: live });

    const takeovers: { killed: string; by: string; detectedMs: number; acquiredMs: number }[] = [];
    /** identity -> when it acquired the Lease (its acquireTime), and when it was killed. */
    const tenure = new Map<string, { from: number; to: number }>();
    tenure.set(leader.identity, { from: await acquiredAt(leaseName), to: Number.POSITIVE_INFINITY });
    const stream = podStream('kill', 100); // 10 pods/s
    let n = 2;
    try {
      for (let round = 0; round < 3; round++) {
        await sleep(2_500); // the leader binds the stream for a while
        const standby = live.find((r) => r !== leader)!;
        const killedAt = Date.now();
        leader.kill('SIGKILL');
        tenure.get(leader.identity)!.to = killedAt;
        const next = await waitFor('the standby to take over', async () => ((await holder(leaseName)) === standby.identity ? standby : undefined), { timeoutMs: 20_000, watch: [standby] });
        const detectedMs = Date.now() - killedAt;
        const acquireTime = await acquiredAt(leaseName);
        takeovers.push({ killed: leader.name, by: next.name, detectedMs, acquiredMs: acquireTime - killedAt });
        tenure.set(next.identity, { from: acquireTime, to: Number.POSITIVE_INFINITY });
        expect(await leader.exit).toEqual({ code: null, signal: 'SIGKILL' });
        await waitFor('the new leader scheduling', () => next.logged('scheduling'), { timeoutMs: 5_000, watch: [next] });
        // A fresh standby, as Kubernetes would restart the killed pod.
        const fresh = new Replica(`r${n++}`, leaseName, FAST);
        live = [next, fresh];
        leader = next;
        await fresh.standingBy();
      }
    } finally {
      await stream.stop();
    }
    const names = stream.created;
    process.stderr.write(`[leader-election] ${names.length} pods; takeovers after kill -9 (lease ${FAST.lease}, renew ${FAST.renew}, retry ${FAST.retry}): ${JSON.stringify(takeovers)}\n`);

    // Within the lease duration plus a little: the standby notices a renewal up to one try late
    // (1 to 2.2 s) and takes over at its first try after the lease ran out (another 2.2 s at most).
    for (const t of takeovers) expect(t.acquiredMs).toBeLessThan(4_000 + 2 * 2_200 + 1_000);
    expect((await readLease(leaseName))!.spec!.leaseTransitions).toBe(3);

    // Every pod bound, onto the one node that fits; none left pending.
    const pods = await waitAllBound('kill', names);
    expect(pods.filter((p) => p.spec!.nodeName !== nodeName).map((p) => p.metadata!.name)).toEqual([]);

    // Exactly once: no pod has two Scheduled events; each was written by the leader of the time.
    await sleep(2_000); // the live leader's last events
    const events = byPod((await scheduledEvents()).filter((e) => e.involvedObject.name!.startsWith('kill-')));
    const twice = [...events].filter(([, es]) => es.length > 1).map(([name]) => name);
    expect(twice).toEqual([]);
    for (const [name, [e]] of events) {
      const t = tenure.get(e!.reportingInstance!);
      expect([name, t !== undefined]).toEqual([name, true]);
      // Written during its tenure (the events' times and acquireTime come from this machine's clock;
      // a kill takes a moment to land after the test notes its time).
      expect(eventTime(e!)).toBeGreaterThanOrEqual(t!.from - 5);
      expect(eventTime(e!)).toBeLessThanOrEqual(t!.to + 50);
    }
    // A pod bound in the last moment before a kill -9 may lose its Event with the process: a few at most.
    const missing = names.filter((name) => !events.has(name));
    process.stderr.write(`[leader-election] pods bound without a Scheduled event (lost with a killed leader): ${missing.length}\n`);
    expect(missing.length).toBeLessThanOrEqual(3 * 3);
  }, 180_000);

  test('SIGTERM the leader: it releases the Lease and the standby takes over in well under the lease duration', async () => {
    const leaseName = uniqueName('term');
    const slow: Timings = { lease: '15s', renew: '10s', retry: '1s' };
    const a = new Replica('a', leaseName, slow);
    const b = new Replica('b', leaseName, slow);
    await Promise.all([a.standingBy(), b.standingBy()]);
    const leader = await leaderOf(leaseName, [a, b]);
    const standby = leader === a ? b : a;
    await waitFor('the leader scheduling', () => leader.logged('scheduling'), { timeoutMs: 10_000, watch: [a, b] });

    const stream = podStream('term', 100);
    let takeoverMs: number;
    try {
      await sleep(2_000);
      const signalled = Date.now();
      leader.kill('SIGTERM');
      await waitFor('the standby to take over', async () => ((await holder(leaseName)) === standby.identity ? true : undefined), { timeoutMs: 15_000, watch: [standby] });
      takeoverMs = Date.now() - signalled;
      expect(await leader.exit).toEqual({ code: 0, signal: null });
      await sleep(1_000);
    } finally {
      await stream.stop();
    }
    process.stderr.write(`[leader-election] takeover after SIGTERM (lease ${slow.lease}, retry ${slow.retry}): ${takeoverMs} ms\n`);
    // The release lets the standby in at its next try (at most 2.2 retry periods), not after 15 s.
    expect(takeoverMs).toBeLessThan(5_000);
    expect(leader.logged('released lease')).toBeDefined();
    expect(leader.logged('shutting down')).toBeDefined();
    expect((await readLease(leaseName))!.spec).toMatchObject({ holderIdentity: standby.identity, leaseTransitions: 1, leaseDurationSeconds: 15 });

    const pods = await waitAllBound('term', stream.created);
    expect(pods.every((p) => p.spec!.nodeName === nodeName)).toBe(true);
    await sleep(1_000);
    const events = byPod((await scheduledEvents()).filter((e) => e.involvedObject.name!.startsWith('term-')));
    // A graceful leader finishes its binds and writes their events before it lets go: none lost, none twice.
    expect(stream.created.filter((name) => events.get(name)?.length !== 1)).toEqual([]);
    expect(new Set([...events.values()].map(([e]) => e!.reportingInstance))).toEqual(new Set([leader.identity, standby.identity]));
  }, 90_000);

  test('a leader paused past its deadline (SIGSTOP) binds nothing when it wakes, and exits 1', async () => {
    const leaseName = uniqueName('pause');
    const a = new Replica('a', leaseName, FAST);
    const b = new Replica('b', leaseName, FAST);
    await Promise.all([a.standingBy(), b.standingBy()]);
    const leader = await leaderOf(leaseName, [a, b]);
    const standby = leader === a ? b : a;
    await waitFor('the leader scheduling', () => leader.logged('scheduling'), { timeoutMs: 10_000, watch: [a, b] });

    const stream = podStream('pause', 100);
    let pausedAt: number;
    try {
      await sleep(1_500);
      pausedAt = Date.now();
      leader.kill('SIGSTOP');
      await waitFor('the standby to take over', async () => ((await holder(leaseName)) === standby.identity ? true : undefined), { timeoutMs: 20_000, watch: [standby] });
      await sleep(1_000); // pods arrive for the paused leader's watch too
      leader.kill('SIGCONT');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((r) => (timer = setTimeout(() => r('still running 5 s after SIGCONT'), 5_000)));
      const exit = await Promise.race([leader.exit, late]);
      clearTimeout(timer);
      expect(exit).toEqual({ code: 1, signal: null });
    } finally {
      await stream.stop();
    }
    expect(leader.logged('leader election lost; exiting')).toBeDefined();
    const pods = await waitAllBound('pause', stream.created);
    expect(pods.every((p) => p.spec!.nodeName === nodeName)).toBe(true);
    await sleep(1_000);
    const events = (await scheduledEvents()).filter((e) => e.involvedObject.name!.startsWith('pause-'));
    // Nothing from the old leader after its pause began (a bind already on the wire may land, not a new one).
    const late = events.filter((e) => e.reportingInstance === leader.identity && eventTime(e) > pausedAt + 50);
    expect(late.map((e) => e.involvedObject.name)).toEqual([]);
    const twice = [...byPod(events)].filter(([, es]) => es.length > 1).map(([name]) => name);
    expect(twice).toEqual([]);
  }, 90_000);
});
