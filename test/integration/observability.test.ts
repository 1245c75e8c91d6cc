// `berth run` as Prometheus and the kubelet see it: the CLI in a child
// process against the harness's kube-apiserver, with --secure-port on a free
// port. Its way to the apiserver goes through a gate in this file (a TCP
// relay that holds every connection until opened), so that "not ready
// before the caches sync" is observed, not raced:
//
//   gate shut    /readyz 503, /healthz 200 (alive, nothing synced)
//   gate open    /readyz 200 once the informers have listed
//   N pods       all bound; /metrics agrees: N scheduled attempts, N per-pod
//                observations, nothing pending, this replica leads
//   2nd berth    on the same --secure-port: exits 1 at once, naming the port
//   SIGTERM      exit 0, soon
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleValue, sumOf } from '../../src/metrics/exposition.ts';
import { METRIC } from '../../src/metrics/metrics.ts';
import { freePort, getSecure, killAll, scrape, spawnBerth, waitFor, type BerthProcess } from '../harness/berth-process.ts';
import { createNamespace, nodeObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const schedulerName = uniqueName('berth-obs');
const nodeName = uniqueName('berth-obs-node');
// This test's node: its pods select it by label; a taint only they tolerate keeps other files' pods off it.
const LABEL = 'berth-test/observability';
const labelValue = uniqueName('n');
const N = 8;

let namespace: string;
let dir: string;
let gate: Server;
let gateOpen = false;
const held: Socket[] = [];
const relayed = new Set<Socket>();
let port: number;
let berth: BerthProcess;

const get = (path: string) => getSecure(port, path);
/** Polls until `check` answers; a check that throws (the port not open yet) is tried again; fails at once if berth exits. */
const until = <T>(what: string, check: () => Promise<T | undefined>) => waitFor(what, check, { watch: [berth], retryOnError: true });

/** A TCP relay to the apiserver that holds connections while shut. */
function relay(socket: Socket, target: URL): void {
  const upstream = connect(Number(target.port), target.hostname);
  relayed.add(socket).add(upstream);
  socket.pipe(upstream).pipe(socket);
  const drop = () => {
    socket.destroy();
    upstream.destroy();
    relayed.delete(socket);
    relayed.delete(upstream);
  };
  socket.on('error', drop).on('close', drop);
  upstream.on('error', drop).on('close', drop);
}

beforeAll(async () => {
  namespace = await createNamespace(core, 'berth-obs');
  const node = nodeObject({ name: nodeName, cpu: '16', labels: { [LABEL]: labelValue } });
  node.spec = { taints: [{ key: LABEL, value: labelValue, effect: 'NoSchedule' }] };
  await core.createNode({ body: node });

  const apiserver = new URL(kc.getCurrentCluster()!.server);
  gate = createServer((socket) => {
    if (gateOpen) relay(socket, apiserver);
    else held.push(socket);
  });
  await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
  const gated = new KubeConfig();
  gated.loadFromString(kc.exportConfig());
  const cluster = gated.getCurrentCluster()!;
  gated.clusters = gated.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${(gate.address() as AddressInfo).port}` } : c));
  dir = mkdtempSync(join(tmpdir(), 'berth-obs-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, gated.exportConfig());

  port = await freePort();
  berth = spawnBerth([
    'run',
    '--kubeconfig',
    kubeconfig,
    '--leader-elect=false',
    '--secure-port',
    String(port),
    '--bind-address',
    '127.0.0.1',
    '--scheduler-name',
    schedulerName,
  ]);
}, 60_000);

afterAll(async () => {
  await killAll();
  for (const s of [...held, ...relayed]) s.destroy();
  await new Promise((r) => gate?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
  await core.deleteNode({ name: nodeName }).catch(() => {});
  await core.deleteNamespace({ name: namespace }).catch(() => {});
});

function pod(name: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      schedulerName,
      nodeSelector: { [LABEL]: labelValue },
      tolerations: [{ key: LABEL, operator: 'Equal', value: labelValue, effect: 'NoSchedule' }],
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
    },
  };
}

describe('berth run: health, readiness, metrics, shutdown', () => {
  test('/readyz is 503 while the caches cannot sync, /healthz 200; /readyz 200 once they do', async () => {
    const first = await until('the secure port', () => get('/readyz'));
    expect(first).toEqual({ status: 503, body: '[+]ping ok\n[-]sched-handler-sync failed: reason withheld\nreadyz check failed\n' });
    // Berth is trying: its requests wait at the gate.
    await until('a connection at the gate', () => Promise.resolve(held.length > 0 ? true : undefined));
    expect((await get('/readyz')).status).toBe(503);
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect((await get('/livez')).status).toBe(200);

    gateOpen = true;
    const apiserver = new URL(kc.getCurrentCluster()!.server);
    for (const socket of held.splice(0)) relay(socket, apiserver);
    const ready = await until('/readyz 200', async () => {
      const res = await get('/readyz');
      return res.status === 200 ? res : undefined;
    });
    expect(ready.body).toBe('ok');
    expect((await get('/healthz')).status).toBe(200);
  }, 60_000);

  test(`after ${N} pods are bound, /metrics reports the listed metrics with values that agree`, async () => {
    for (let i = 0; i < N; i++) await core.createNamespacedPod({ namespace, body: pod(`p${i}`) });
    await until(`${N} pods bound`, async () => {
      const pods = await core.listNamespacedPod({ namespace });
      return pods.items.filter((p) => p.spec?.nodeName === nodeName).length === N ? true : undefined;
    });
    // The attempt is recorded right after the bind call returns: poll briefly.
    const m = await until('the metrics to count every bind', async () => {
      const e = await scrape(port);
      return sampleValue(e, METRIC.scheduleAttempts, { result: 'scheduled', profile: schedulerName }) === N ? e : undefined;
    });

    // Every listed name, with upstream's type.
    const types: Record<string, string> = {
      [METRIC.scheduleAttempts]: 'counter',
      [METRIC.schedulingAttemptDuration]: 'histogram',
      [METRIC.pendingPods]: 'gauge',
      [METRIC.extensionPointDuration]: 'histogram',
      [METRIC.pluginExecutionDuration]: 'histogram',
      [METRIC.queueIncomingPods]: 'counter',
      [METRIC.podSchedulingAttempts]: 'histogram',
      [METRIC.podSchedulingSLIDuration]: 'histogram',
      [METRIC.unschedulablePods]: 'gauge',
      [METRIC.preemptionAttempts]: 'counter',
      [METRIC.preemptionVictims]: 'histogram',
      [METRIC.leaderElectionMasterStatus]: 'gauge',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(types)) expect([name, m.types.get(name)]).toEqual([name, type]);

    expect(sampleValue(m, METRIC.scheduleAttempts, { result: 'unschedulable', profile: schedulerName })).toBeUndefined();
    expect(sampleValue(m, METRIC.scheduleAttempts, { result: 'error', profile: schedulerName })).toBeUndefined();
    expect(sampleValue(m, `${METRIC.schedulingAttemptDuration}_count`, { result: 'scheduled', profile: schedulerName })).toBe(N);
    expect(sampleValue(m, `${METRIC.podSchedulingAttempts}_count`)).toBe(N);
    expect(sampleValue(m, `${METRIC.podSchedulingAttempts}_sum`)).toBe(N);
    expect(sumOf(m, `${METRIC.podSchedulingSLIDuration}_count`)).toBe(N);
    expect(sampleValue(m, `${METRIC.podSchedulingSLIDuration}_count`, { attempts: '1' })).toBe(N);
    for (const queue of ['active', 'backoff', 'unschedulable', 'gated']) expect([queue, sampleValue(m, METRIC.pendingPods, { queue })]).toEqual([queue, 0]);
    expect(sampleValue(m, METRIC.queueIncomingPods, { queue: 'active', event: 'UnschedulablePodAdd' })).toBe(N);
    for (const point of ['PreEnqueue', 'PreFilter', 'Reserve', 'Permit', 'PreBind', 'Bind', 'PostBind']) {
      expect([point, sampleValue(m, `${METRIC.extensionPointDuration}_count`, { extension_point: point, status: 'Success', profile: schedulerName })]).toEqual([point, N]);
    }
    expect(sampleValue(m, METRIC.preemptionAttempts)).toBe(0);
    expect(sampleValue(m, `${METRIC.preemptionVictims}_count`)).toBe(0);
    // --leader-elect=false: this replica leads.
    expect(sampleValue(m, METRIC.leaderElectionMasterStatus, { name: 'berth' })).toBe(1);
  }, 60_000);

  test('a second berth on the same --secure-port exits 1 at once, naming the port; the first serves on', async () => {
    // Replicas on one host need a --secure-port each, as upstream's do.
    const second = spawnBerth(
      ['run', '--kubeconfig', process.env.BERTH_TEST_KUBECONFIG!, '--leader-elect=false', '--secure-port', String(port), '--bind-address', '127.0.0.1', '--scheduler-name', uniqueName('berth-obs-second')],
      'second',
    );
    expect(await second.exitWithin(10_000, 'still running 10 s later')).toEqual({ code: 1, signal: null });
    expect(second.logged('cannot serve on the secure port')).toMatchObject({ address: '127.0.0.1', port, code: 'EADDRINUSE' });
    expect(second.stdout).not.toContain('stack');
    // It stopped there: it never listed the cluster, let alone scheduled.
    expect(second.messages()).not.toContain('caches synced');
    expect(second.messages()).not.toContain('scheduling');
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
  }, 30_000);

  test('SIGTERM: exit 0 soon, the server closed, JSON logs saying so', async () => {
    const signalled = Date.now();
    berth.kill('SIGTERM');
    expect(await berth.exitWithin(10_000, 'still running 10 s after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    await expect(get('/healthz')).rejects.toThrow(/ECONNREFUSED/);

    expect(berth.stderr).toBe('');
    const messages = berth.messages();
    expect(messages).toEqual(expect.arrayContaining(['serving securely', 'caches synced', 'scheduling', 'shutting down']));
    expect(messages.indexOf('serving securely')).toBeLessThan(messages.indexOf('caches synced'));
    const token = kc.getCurrentUser()?.token;
    expect(token).toBeTruthy();
    expect(berth.stdout).not.toContain(token);
  }, 30_000);
});
