// berth dev (npm start): try Berth with no cluster of your own. It starts the
// test harness's kube-apiserver + etcd on loopback (building them once if
// needed), registers demo nodes of mixed sizes in two zones, runs Berth
// against them, submits the demo workload, prints where every pod went and
// why the pending ones wait, then keeps running for your own pods until
// Ctrl-C, which stops everything.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Node, Pod } from '../api/types.ts';
import { createKubeClusterClient } from '../cluster/kube/index.ts';
import { createLogger } from '../logging/logger.ts';
import { inTreeRegistry } from '../plugins/registry.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { loadSchedulerConfig } from './run.ts';
import type { LevelWithSilent } from 'pino';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface HarnessModule {
  resolveKubeAssets(components: string[], log: (m: string) => void): Promise<unknown>;
}
interface ControlPlaneModule {
  startControlPlane(options: { assets: unknown; log?: (m: string) => void }): Promise<{
    server: string;
    kubeconfigPath: string;
    version: string;
    logDir: string;
    stop(): Promise<void>;
  }>;
}

function demoNode(name: string, zone: string, cpu: string, memory: string, extra: Partial<Node> = {}, labels: Record<string, string> = {}): Node {
  const resources: Record<string, string> = { cpu, memory, pods: '110', ...((extra.status?.allocatable as Record<string, string>) ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, ...labels } },
    spec: extra.spec ?? {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'berth dev demo node' }],
    },
  };
}

export const demoNodes: Node[] = [
  demoNode('small-a1', 'zone-a', '2', '4Gi'),
  demoNode('medium-a2', 'zone-a', '4', '16Gi'),
  demoNode('large-a3', 'zone-a', '8', '32Gi'),
  demoNode('small-b1', 'zone-b', '2', '4Gi'),
  demoNode('gpu-b2', 'zone-b', '8', '64Gi', { status: { allocatable: { 'nvidia.com/gpu': '2' } } }, { accelerator: 'gpu' }),
  demoNode('batch-b3', 'zone-b', '16', '64Gi', { spec: { taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] } }, { pool: 'batch' }),
];

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export async function devCommand(options: { logLevel: LevelWithSilent; workload?: string | undefined }): Promise<number> {
  const say = (m: string) => process.stdout.write(`${m}\n`);
  let harness: HarnessModule;
  let controlPlaneModule: ControlPlaneModule;
  try {
    // The harness lives with the tests; `berth dev` needs a source checkout.
    harness = (await import(join(root, 'test', 'harness', 'assets.ts'))) as HarnessModule;
    controlPlaneModule = (await import(join(root, 'test', 'harness', 'control-plane.ts'))) as ControlPlaneModule;
  } catch (err) {
    process.stderr.write(
      `berth dev runs from a source checkout (npm ci && npm start): the local control plane is part of the test harness.\n` +
        `(${(err as Error).message})\nTo run against a cluster, use: berth run --kubeconfig <path>\n`,
    );
    return 2;
  }

  say('berth dev: starting a local kube-apiserver and etcd (the first run builds them, ~5-15 minutes)...');
  const assets = await harness.resolveKubeAssets(['etcd', 'kubernetes'], (m) => say(`  ${m}`));
  const cp = await controlPlaneModule.startControlPlane({ assets });
  say(`  kube-apiserver ${cp.version} ready at ${cp.server}`);

  // Imported here, not at the top: main.ts imports this module for every command, and client-node costs ~87 MB of RSS.
  const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const logger = createLogger({ level: options.logLevel });
  const client = createKubeClusterClient({ kubeconfigPath: cp.kubeconfigPath, logger, identity: 'berth-dev' });
  const scheduler = new Scheduler({ client, config: loadSchedulerConfig(undefined, 'berth'), registry: inTreeRegistry, logger });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nberth dev: stopping the scheduler and the control plane...');
    await scheduler.stop(5_000).catch(() => {});
    await client.close().catch(() => {});
    await cp.stop();
    say('berth dev: stopped; nothing left running.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    for (const node of demoNodes) await core.createNode({ body: node as never });
    say(`  registered ${demoNodes.length} demo nodes in zone-a and zone-b`);
    await scheduler.start();
    say('  Berth is scheduling pods with schedulerName: berth');

    const workloadPath = options.workload ?? join(root, 'examples', 'demo-workload.yaml');
    const pods = parseAllDocuments(readFileSync(workloadPath, 'utf8'))
      .map((d) => d.toJS() as Pod | null)
      .filter((p): p is Pod => p?.kind === 'Pod');
    const namespaces = new Set(pods.map((p) => p.metadata?.namespace ?? 'default'));
    for (const ns of namespaces) await core.createNamespace({ body: { metadata: { name: ns } } }).catch(() => {});
    for (const pod of pods) await core.createNamespacedPod({ namespace: pod.metadata?.namespace ?? 'default', body: pod as never });
    say(`  submitted ${pods.length} pods from ${workloadPath}\n`);

    // Wait until placements settle: every pod bound or reported unschedulable, or 20 s.
    const deadline = Date.now() + 20_000;
    let listed: Pod[] = [];
    for (;;) {
      listed = [];
      for (const ns of namespaces) listed.push(...((await core.listNamespacedPod({ namespace: ns })).items as unknown as Pod[]));
      const settled = listed.filter(
        (p) =>
          p.spec?.nodeName ||
          p.spec?.schedulerName !== 'berth' ||
          (p.spec?.schedulingGates?.length ?? 0) > 0 ||
          p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'),
      ).length;
      process.stdout.write(`\r  placed or explained ${settled}/${listed.length} pods`);
      if (settled === listed.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    say('\n');
    say(`${pad('POD', 16)}${pad('NODE', 12)}${pad('ZONE', 8)}WHY`);
    const zoneOf = new Map(demoNodes.map((n) => [n.metadata!.name!, n.metadata!.labels!['topology.kubernetes.io/zone']!]));
    for (const pod of listed.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))) {
      const name = pod.metadata!.name!;
      const node = pod.spec?.nodeName;
      let why = '';
      if (node) why = 'bound';
      else if (pod.spec?.schedulerName !== 'berth') why = `pending: names schedulerName "${pod.spec?.schedulerName}", not Berth's`;
      else if (pod.spec?.schedulingGates?.length) {
        why = `pending: waiting for scheduling gates [${pod.spec.schedulingGates.map((g) => g.name).join(', ')}]`;
      } else {
        const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
        why = `pending: ${c?.message ?? 'not yet attempted'}`;
      }
      say(`${pad(name, 16)}${pad(node ?? '-', 12)}${pad(node ? (zoneOf.get(node) ?? '') : '-', 8)}${why}`);
    }
    say(
      `\nBerth keeps running against this cluster. Try your own pods (spec.schedulerName: berth):\n` +
        `  export KUBECONFIG=${cp.kubeconfigPath}\n` +
        `  kubectl get pods -A -o wide\n` +
        `Control-plane logs: ${cp.logDir}\nPress Ctrl-C to stop everything.`,
    );
    setInterval(() => {}, 1 << 30);
    await new Promise(() => {});
    return 0;
  } catch (err) {
    process.stderr.write(`berth dev: ${(err as Error).message}\n`);
    await shutdown(1);
    return 1;
  }
}
