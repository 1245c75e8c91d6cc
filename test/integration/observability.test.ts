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
//   SIGTERM      exit 0, soon
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExposition, sampleValue, sumOf, type Exposition } from '../../src/metrics/exposition.ts';
import { METRIC } from '../../src/metrics/metrics.ts';
import { createNamespace, nodeObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
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
let child: ChildProcessWithoutNullStreams | undefined;
let stdout = '';
let stderr = '';
let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

function output(): string {
  return `--- berth stdout ---\n${stdout}\n--- berth stderr ---\n${stderr}`;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check().catch(() => undefined);
    if (result !== undefined) return result;
    if (exited) throw new Error(`berth exited (${JSON.stringify(exited)}) while waiting for ${what}\n${output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET on Berth's secure port. Its certificate is self-signed: this client does not verify it. */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function scrape(): Promise<Exposition> {
  const res = await get('/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(res.body);
}

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

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
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
  const spawned = spawn(
    process.execPath,
    [
      join(root, 'src', 'cli', 'main.ts'),
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
    ],
    { cwd: root, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child = spawned;
  spawned.stdin.end();
  spawned.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  spawned.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  exit = new Promise((done) =>
    spawned.on('close', (code, signal) => {
      exited = { code, signal };
      done(exited);
    }),
  );
}, 60_000);

afterAll(async () => {
  if (child && !exited) {
    child.kill('SIGKILL');
    await exit;
  }
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
    const first = await waitFor('the secure port', () => get('/readyz'));
    expect(first).toEqual({ status: 503, body: '[+]ping ok\n[-]sched-handler-sync failed: reason withheld\nreadyz check failed\n' });
    // Berth is trying: its requests wait at the gate.
    await waitFor('a connection at the gate', () => Promise.resolve(held.length > 0 ? true : undefined));
    expect((await get('/readyz')).status).toBe(503);
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect((await get('/livez')).status).toBe(200);

    gateOpen = true;
    const apiserver = new URL(kc.getCurrentCluster()!.server);
    for (const socket of held.splice(0)) relay(socket, apiserver);
    const ready = await waitFor('/readyz 200', async () => {
      const res = await get('/readyz');
      return res.status === 200 ? res : undefined;
    });
    expect(ready.body).toBe('ok');
    expect((await get('/healthz')).status).toBe(200);
  }, 60_000);

  test(`after ${N} pods are bound, /metrics reports the listed metrics with values that agree`, async () => {
    for (let i = 0; i < N; i++) await core.createNamespacedPod({ namespace, body: pod(`p${i}`) });
    await waitFor(`${N} pods bound`, async () => {
      const pods = await core.listNamespacedPod({ namespace });
      return pods.items.filter((p) => p.spec?.nodeName === nodeName).length === N ? true : undefined;
    });
    // The attempt is recorded right after the bind call returns: poll briefly.
    const m = await waitFor('the metrics to count every bind', async () => {
      const e = await scrape();
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

  test('SIGTERM: exit 0 soon, the server closed, JSON logs saying so', async () => {
    const signalled = Date.now();
    child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([exit, new Promise<'still running 10 s after SIGTERM'>((r) => (timer = setTimeout(() => r('still running 10 s after SIGTERM'), 10_000)))]);
    clearTimeout(timer);
    expect(result).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    await expect(get('/healthz')).rejects.toThrow(/ECONNREFUSED/);

    expect(stderr).toBe('');
    const messages = stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual(expect.arrayContaining(['serving securely', 'caches synced', 'scheduling', 'shutting down']));
    expect(messages.indexOf('serving securely')).toBeLessThan(messages.indexOf('caches synced'));
    const token = kc.getCurrentUser()?.token;
    expect(token).toBeTruthy();
    expect(stdout).not.toContain(token);
  }, 30_000);
});
