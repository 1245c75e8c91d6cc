// End to end, SchedulingBasic-style: `berth run` as its own process against
// the harness's real kube-apiserver + etcd, N nodes (upstream scheduler_perf's
// node template: 4 cpu, 32Gi, 110 pods, zone and hostname labels) and M pods
// (100m cpu, 500Mi), measured from the first pod created to the last bound.
// A first measurement ahead of the full perf suite (issue 6).
//
//   npx node perf/e2e-basic.ts [--nodes 1000] [--pods 5000] [--json]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectionSettings, loadKubeConfig } from '../src/cluster/kube/kubeconfig.ts';
import { silentKubeLogger } from '../src/cluster/kube/logger.ts';
import { KubeTransport } from '../src/cluster/kube/transport.ts';
import { resolveKubeAssets } from '../test/harness/assets.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '5000' },
    json: { type: 'boolean', default: false },
  },
});
const NODES = Number(values.nodes);
const PODS = Number(values.pods);
const say = (m: string) => process.stderr.write(`${m}\n`);
const root = join(import.meta.dirname, '..');

async function pool(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

function procStats(pid: number): { cpuSeconds: number; peakRssMB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return { cpuSeconds: ticks / 100, peakRssMB: hwm ? Number(hwm[1]) / 1024 : 0 };
}

const assets = await resolveKubeAssets(['etcd', 'kubernetes'], say);
const cp = await startControlPlane({ assets });
say(`kube-apiserver ${cp.version} at ${cp.server}`);
const api = new KubeTransport({
  settings: connectionSettings(loadKubeConfig(cp.kubeconfigPath), silentKubeLogger),
  maxConnections: 32,
  http2: false,
  userAgent: 'berth-perf-setup',
  requestTimeoutMs: 120_000,
  logger: silentKubeLogger,
});
let berth: ReturnType<typeof spawn> | undefined;
try {
  const resources = { cpu: '4', memory: '32Gi', pods: '110' };
  await pool(NODES, 32, (i) =>
    api.call('POST', '/api/v1/nodes', {
      body: {
        metadata: {
          name: `node-${i}`,
          labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % 3}` },
        },
        status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True' }] },
      },
    }),
  );
  say(`created ${NODES} nodes`);
  await api.call('POST', '/api/v1/namespaces', { body: { metadata: { name: 'perf' } } });

  berth = spawn(
    process.execPath,
    [join(root, 'src/cli/main.ts'), 'run', '--kubeconfig', cp.kubeconfigPath, '--leader-elect=false', '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    berth!.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('"msg":"scheduling"')) resolve();
    });
    berth!.on('exit', (code) => reject(new Error(`berth exited early (${code})`)));
  });
  const before = procStats(berth.pid!);
  say('berth is scheduling; creating pods');

  const started = performance.now();
  await pool(PODS, 32, (i) =>
    api.call('POST', '/api/v1/namespaces/perf/pods', {
      body: {
        metadata: { name: `pod-${i}` },
        spec: {
          schedulerName: 'berth',
          containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }],
        },
      },
    }),
  );
  const created = performance.now();
  say(`created ${PODS} pods in ${((created - started) / 1000).toFixed(1)} s`);
  let bound = 0;
  let items: { spec?: { nodeName?: string } }[] = [];
  for (;;) {
    const list = await api.call<{ items: { spec?: { nodeName?: string } }[] }>('GET', '/api/v1/namespaces/perf/pods', { decode: true });
    items = list.items;
    bound = items.filter((p) => p.spec?.nodeName).length;
    if (bound === PODS) break;
    say(`  ${bound}/${PODS} bound after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const elapsed = (performance.now() - started) / 1000;
  const after = procStats(berth.pid!);
  const perNode = new Map<string, number>();
  for (const p of items) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
  // 100m/500Mi pods on 4 cpu/32Gi/110-pod nodes: at most 40 fit by cpu.
  const over = [...perNode.values()].filter((n) => n > 40).length;
  const result = {
    workload: 'SchedulingBasic',
    nodes: NODES,
    pods: PODS,
    scheduler: 'berth',
    podsPerSecond: Math.round(PODS / elapsed),
    seconds: Number(elapsed.toFixed(2)),
    cpuSeconds: Number((after.cpuSeconds - before.cpuSeconds).toFixed(2)),
    peakRssMB: Math.round(after.peakRssMB),
    nodesUsed: perNode.size,
    oversubscribedNodes: over,
  };
  say(`${PODS} pods on ${NODES} nodes: ${result.podsPerSecond} pods/s, ${result.cpuSeconds} CPU-s, peak RSS ${result.peakRssMB} MB, ${perNode.size} nodes used, ${over} oversubscribed`);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  berth?.kill('SIGTERM');
  await api.close();
  await cp.stop();
}
