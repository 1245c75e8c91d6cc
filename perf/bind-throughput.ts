// Binds per second, and CPU per bind, through Berth's KubeClusterClient and
// through @kubernetes/client-node's generated CoreV1Api, against the test
// harness's real kube-apiserver + etcd on loopback.
//
//   npx node perf/bind-throughput.ts [--pods 2000] [--concurrency 64] [--rounds 2]
//
// (`npx node`: the project's Node 24, which runs .ts directly.) Each round
// binds a fresh set of pods with every client, in turn, so that both see an
// apiserver and etcd in the same state; CPU is this process's user+system
// time over the bind phase only (pods are created before it is measured).
// The apiserver runs on the same cores, so CPU spent here is throughput lost
// there.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createConnection, createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClusterClient } from '../src/cluster/kube/index.ts';
import { connectionSettings, loadKubeConfig } from '../src/cluster/kube/kubeconfig.ts';
import { silentKubeLogger } from '../src/cluster/kube/logger.ts';
import { KubeTransport } from '../src/cluster/kube/transport.ts';
import { resolveKubeAssets } from '../test/harness/assets.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '2' },
  },
});
const PODS = Number(values.pods);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

const say = (m: string) => process.stderr.write(`${m}\n`);

async function pool(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

interface Result {
  client: string;
  round: number;
  bindsPerSecond: number;
  cpuMsPerBind: number;
  wallSeconds: number;
  connections?: number;
}

const assets = await resolveKubeAssets(['etcd', 'kubernetes'], say);
const cp = await startControlPlane({ assets });
say(`kube-apiserver ${cp.version} at ${cp.server}`);
try {
  // Setup traffic goes through a transport of its own, not measured.
  const setup = new KubeTransport({
    settings: connectionSettings(loadKubeConfig(cp.kubeconfigPath), silentKubeLogger),
    maxConnections: 16,
    http2: false,
    userAgent: 'berth-perf-setup',
    requestTimeoutMs: 60_000,
    logger: silentKubeLogger,
  });
  const namespace = 'perf';
  await setup.call('POST', '/api/v1/namespaces', { body: { metadata: { name: namespace } } });
  const nodeName = 'perf-node';
  const resources = { cpu: '1000', memory: '4000Gi', pods: '100000' };
  await setup.call('POST', '/api/v1/nodes', {
    body: { metadata: { name: nodeName }, status: { capacity: resources, allocatable: resources } },
  });

  async function createPods(prefix: string): Promise<{ name: string; uid: string }[]> {
    const pods = new Array<{ name: string; uid: string }>(PODS);
    await pool(PODS, 32, async (i) => {
      const name = `${prefix}-${i}`;
      const created = await setup.call<{ metadata: { uid: string } }>('POST', `/api/v1/namespaces/${namespace}/pods`, {
        body: {
          metadata: { name },
          spec: { schedulerName: 'berth', containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
        },
        decode: true,
      });
      pods[i] = { name, uid: created.metadata.uid };
    });
    return pods;
  }

  async function measure(client: string, round: number, bind: (pod: { name: string; uid: string }) => Promise<unknown>) {
    const pods = await createPods(`${client}-${round}`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(PODS, CONCURRENCY, (i) => bind(pods[i]!));
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const result: Result = {
      client,
      round,
      bindsPerSecond: Math.round(PODS / wall),
      cpuMsPerBind: Number(((cpu.user + cpu.system) / 1000 / PODS).toFixed(3)),
      wallSeconds: Number(wall.toFixed(2)),
    };
    say(JSON.stringify(result));
    return result;
  }

  const berth = createKubeClusterClient({ kubeconfigPath: cp.kubeconfigPath, identity: 'berth-perf', http2: false });
  const berthH2 = createKubeClusterClient({ kubeconfigPath: cp.kubeconfigPath, identity: 'berth-perf', http2: true });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const coreApi = kc.makeApiClient(CoreV1Api);

  const results: Result[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const before = berth.stats().transport.connectionsOpened;
    const r = await measure('berth-http1', round, (pod) => berth.bind({ namespace, ...pod }, nodeName));
    r.connections = berth.stats().transport.connectionsOpened - before;
    results.push(r);
    const beforeH2 = berthH2.stats().transport.connectionsOpened;
    const r2 = await measure('berth-http2', round, (pod) => berthH2.bind({ namespace, ...pod }, nodeName));
    r2.connections = berthH2.stats().transport.connectionsOpened - beforeH2;
    results.push(r2);
    results.push(
      await measure('client-node', round, (pod) =>
        coreApi.createNamespacedPodBinding({
          namespace,
          name: pod.name,
          body: { metadata: { name: pod.name, namespace, uid: pod.uid }, target: { kind: 'Node', name: nodeName } },
        }),
      ),
    );
  }

  // How many TCP connections each client opens for 200 calls: through a
  // counting proxy (run apart from the timings above: the proxy costs CPU here).
  async function connectionsFor(label: string, call: (kubeconfigPath: string) => { one: () => Promise<unknown>; close: () => Promise<void> }) {
    let accepted = 0;
    const sockets = new Set<Socket>();
    const target = new URL(cp.server);
    const server = createServer((socket) => {
      accepted += 1;
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      for (const s of [socket, upstream]) sockets.add(s);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const config = JSON.parse(readFileSync(cp.kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    config.clusters[0]!.cluster.server = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const path = join(mkdtempSync(join(tmpdir(), 'berth-perf-')), 'kubeconfig');
    writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
    const { one, close } = call(path);
    await pool(200, CONCURRENCY, () => one());
    await close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    say(`${label}: ${accepted} TCP connections for 200 calls at concurrency ${CONCURRENCY}`);
    return accepted;
  }
  const missing = { namespace, name: 'no-such-pod', uid: 'u' };
  const berthConnections = await connectionsFor('berth (HTTP/1.1)', (path) => {
    const c = createKubeClusterClient({ kubeconfigPath: path, identity: 'berth-perf', http2: false });
    return { one: () => c.bind(missing, nodeName).catch(() => {}), close: () => c.close() };
  });
  const clientNodeConnections = await connectionsFor('client-node', (path) => {
    const k = new KubeConfig();
    k.loadFromFile(path);
    const api = k.makeApiClient(CoreV1Api);
    const one = () =>
      api
        .createNamespacedPodBinding({
          namespace,
          name: missing.name,
          body: { metadata: { name: missing.name, namespace }, target: { kind: 'Node', name: nodeName } },
        })
        .catch(() => {});
    return { one, close: async () => {} };
  });

  await berth.close();
  await berthH2.close();
  await setup.close();
  process.stdout.write(
    `${JSON.stringify(
      {
        apiserver: cp.version,
        pods: PODS,
        concurrency: CONCURRENCY,
        results,
        connectionsFor200Calls: { berthHttp1: berthConnections, clientNode: clientNodeConnections },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await cp.stop();
}
