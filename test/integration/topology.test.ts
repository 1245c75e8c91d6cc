// Topology spread, inter-pod affinity and local volumes against the real
// kube-apiserver. Nodes of other test files share the cluster, so every pod
// here selects the nodes of its own test by a label unique to the test.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { Node, Pod } from '../../src/api/types.ts';
import type { ClusterClient } from '../../src/cluster/client.ts';
import { createKubeClusterClient } from '../../src/cluster/kube/index.ts';
import { loadSchedulerConfig } from '../../src/cli/run.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { inTreeRegistry } from '../../src/plugins/registry.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createNamespace, testKubeConfig, uniqueName } from '../harness/kube.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const schedulerName = uniqueName('berth-topo');
let client: ClusterClient;
let scheduler: Scheduler;
let namespace: string;

function node(name: string, labels: Record<string, string>): Node {
  const resources = { cpu: '8', memory: '32Gi', pods: '110' };
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, labels: Record<string, string>, spec: Pod['spec'] = {}): Pod {
  return {
    metadata: { name, namespace, labels },
    spec: {
      schedulerName,
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
      ...spec,
    },
  };
}

async function create(pods: Pod[]): Promise<void> {
  for (const p of pods) await core.createNamespacedPod({ namespace, body: p as never });
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function podsWithPrefix(prefix: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace })).items.filter((p) => p.metadata?.name?.startsWith(prefix));
}

const scheduledCondition = (p: V1Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');

beforeAll(async () => {
  namespace = await createNamespace(core, 'topo');
  client = createKubeClusterClient({ kubeconfigPath: process.env.BERTH_TEST_KUBECONFIG!, logger: silentLogger(), identity: 'berth-topo' });
  scheduler = new Scheduler({
    client,
    config: loadSchedulerConfig(undefined, schedulerName),
    registry: inTreeRegistry,
    logger: silentLogger(),
    seed: 11,
  });
  await scheduler.start();
});

afterAll(async () => {
  await scheduler?.stop(2_000);
  await client?.close();
});

describe('topology spread, inter-pod affinity and local volumes', () => {
  test('30 pods with maxSkew 1 across zones and hosts on 30 nodes in 3 zones end with skew ≤ 1', async () => {
    const group = uniqueName('spread');
    for (let i = 0; i < 30; i++) {
      await core.createNode({ body: node(`${group}-${i}`, { 'berth-test/group': group, 'topology.kubernetes.io/zone': `${group}-z${i % 3}` }) as never });
    }
    const selector = { matchLabels: { app: group } };
    const spec: Pod['spec'] = {
      nodeSelector: { 'berth-test/group': group },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
      ],
    };
    await create(Array.from({ length: 30 }, (_, i) => pod(`spread-${i}`, { app: group }, spec)));
    const pods = await waitFor('30 spread pods bound', async () => {
      const items = await podsWithPrefix('spread-');
      return items.length === 30 && items.every((p) => p.spec?.nodeName) ? items : undefined;
    });
    const perZone = new Map<string, number>();
    const perHost = new Map<string, number>();
    for (const p of pods) {
      const index = Number(p.spec!.nodeName!.slice(group.length + 1));
      const zone = `z${index % 3}`;
      perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
      perHost.set(p.spec!.nodeName!, (perHost.get(p.spec!.nodeName!) ?? 0) + 1);
    }
    const zoneCounts = [...perZone.values()];
    expect(perZone.size).toBe(3);
    expect(Math.max(...zoneCounts) - Math.min(...zoneCounts)).toBeLessThanOrEqual(1);
    // 30 pods on 30 hosts with maxSkew 1: every host gets exactly one.
    expect(perHost.size).toBe(30);
  }, 60_000);

  test('required anti-affinity on hostname: never two on a node, the extra ones pending with the upstream reason', async () => {
    const group = uniqueName('anti');
    for (let i = 0; i < 4; i++) await core.createNode({ body: node(`${group}-${i}`, { 'berth-test/group': group }) as never });
    const spec: Pod['spec'] = {
      nodeSelector: { 'berth-test/group': group },
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: group } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    };
    await create(Array.from({ length: 6 }, (_, i) => pod(`anti-${i}`, { app: group }, spec)));
    const pods = await waitFor('4 bound, 2 reported', async () => {
      const items = await podsWithPrefix('anti-');
      const bound = items.filter((p) => p.spec?.nodeName);
      const pending = items.filter((p) => !p.spec?.nodeName && scheduledCondition(p)?.status === 'False');
      return bound.length === 4 && pending.length === 2 ? items : undefined;
    });
    const nodes = pods.map((p) => p.spec?.nodeName).filter(Boolean);
    expect(new Set(nodes).size).toBe(4);
    for (const p of pods.filter((x) => !x.spec?.nodeName)) {
      expect(scheduledCondition(p)!.message).toMatch(/^0\/\d+ nodes are available: .*4 node\(s\) didn't match pod anti-affinity rules/);
    }
  }, 40_000);

  test('required affinity: pods land beside their peer', async () => {
    const group = uniqueName('aff');
    for (let i = 0; i < 5; i++) await core.createNode({ body: node(`${group}-${i}`, { 'berth-test/group': group }) as never });
    await create([pod('aff-db', { app: `${group}-db` }, { nodeSelector: { 'berth-test/group': group } })]);
    const db = await waitFor('db bound', async () => {
      const p = await core.readNamespacedPod({ name: 'aff-db', namespace });
      return p.spec?.nodeName ? p : undefined;
    });
    const spec: Pod['spec'] = {
      nodeSelector: { 'berth-test/group': group },
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: `${group}-db` } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    };
    await create(Array.from({ length: 4 }, (_, i) => pod(`aff-web-${i}`, { app: `${group}-web` }, spec)));
    const web = await waitFor('web pods bound', async () => {
      const items = await podsWithPrefix('aff-web-');
      return items.length === 4 && items.every((p) => p.spec?.nodeName) ? items : undefined;
    });
    for (const p of web) expect(p.spec!.nodeName).toBe(db.spec!.nodeName);
  }, 40_000);

  test('a pod with a claim bound to a local volume lands on the volume\'s node', async () => {
    const group = uniqueName('pv');
    for (let i = 0; i < 3; i++) await core.createNode({ body: node(`${group}-${i}`, { 'berth-test/group': group }) as never });
    const target = `${group}-2`;
    await core.createPersistentVolume({
      body: {
        metadata: { name: `${group}-local` },
        spec: {
          capacity: { storage: '10Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'local',
          local: { path: '/mnt/disks/ssd1' },
          claimRef: { namespace, name: 'data' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [target] }] }] } },
        },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'data', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', volumeName: `${group}-local`, resources: { requests: { storage: '10Gi' } } },
      },
    });
    await create([
      pod('pv-user', { app: group }, {
        nodeSelector: { 'berth-test/group': group },
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      }),
      pod('pv-orphan', { app: group }, {
        nodeSelector: { 'berth-test/group': group },
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'missing' } }],
      }),
    ]);
    const bound = await waitFor('pv-user bound', async () => {
      const p = await core.readNamespacedPod({ name: 'pv-user', namespace });
      return p.spec?.nodeName ? p : undefined;
    });
    expect(bound.spec!.nodeName).toBe(target);
    const orphan = await waitFor('pv-orphan reported', async () => {
      const p = await core.readNamespacedPod({ name: 'pv-orphan', namespace });
      return scheduledCondition(p)?.status === 'False' ? p : undefined;
    });
    expect(scheduledCondition(orphan)!.message).toMatch(/^0\/\d+ nodes are available: persistentvolumeclaim "missing" not found\.$/);
  }, 40_000);
});
