// Berth against the real kube-apiserver: the scheduler runs in this process
// with the real ClusterClient adapter; every claim is checked from the API.
// Each test file runs its own scheduler name, so the pods of other files are
// never its business; nodes are shared, so every test makes its own nodes
// distinguishable by a label unique to the test.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { parseQuantity, milliValue, value } from '../../src/api/quantity.ts';
import type { Node, Pod } from '../../src/api/types.ts';
import { createKubeClusterClient } from '../../src/cluster/kube/index.ts';
import type { ClusterClient } from '../../src/cluster/client.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { inTreeRegistry } from '../../src/plugins/registry.ts';
import { loadSchedulerConfig } from '../../src/cli/run.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createNamespace, testKubeConfig, uniqueName } from '../harness/kube.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const schedulerName = uniqueName('berth');
let client: ClusterClient;
let scheduler: Scheduler;
let namespace: string;

function node(name: string, cpu: string, memory: string, labels: Record<string, string> = {}, extra: Partial<Node['spec']> = {}): Node {
  const resources = { cpu, memory, pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: { ...extra },
    status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, cpu: string, memory: string, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      schedulerName,
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory } } }],
      ...spec,
    },
  };
}

async function createNodes(nodes: Node[]): Promise<void> {
  for (const n of nodes) await core.createNode({ body: n as never });
}

async function createPods(pods: Pod[], concurrency = 16): Promise<void> {
  const queue = [...pods];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) await core.createNamespacedPod({ namespace, body: p as never });
    }),
  );
}

async function listPods(): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace })).items;
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

async function podEvents(name: string) {
  const events = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return events.items;
}

function podScheduledCondition(p: V1Pod) {
  return p.status?.conditions?.find((c) => c.type === 'PodScheduled');
}

beforeAll(async () => {
  namespace = await createNamespace(core, 'sched');
  client = createKubeClusterClient({ kubeconfigPath: process.env.BERTH_TEST_KUBECONFIG!, logger: silentLogger(), identity: 'berth-test' });
  scheduler = new Scheduler({
    client,
    config: loadSchedulerConfig(undefined, schedulerName),
    registry: inTreeRegistry,
    logger: silentLogger(),
    seed: 42,
  });
  await scheduler.start();
});

afterAll(async () => {
  await scheduler?.stop(2_000);
  await client?.close();
});

describe('berth schedules on a real cluster', () => {
  test('500 pods of mixed requests on 50 nodes of mixed sizes: all bound, no node oversubscribed', async () => {
    const group = uniqueName('mixed');
    const sizes = [
      ['2', '4Gi'],
      ['4', '16Gi'],
      ['8', '32Gi'],
    ] as const;
    const nodes = Array.from({ length: 50 }, (_, i) => node(`${group}-${i}`, sizes[i % 3]![0], sizes[i % 3]![1], { 'berth-test/group': group }));
    await createNodes(nodes);
    const cpus = ['100m', '200m', '300m', '500m'];
    const mems = ['128Mi', '256Mi', '512Mi', '1Gi'];
    const pods = Array.from({ length: 500 }, (_, i) =>
      pod(`mixed-${i}`, cpus[(i * 7) % 4]!, mems[(i * 3) % 4]!, { nodeSelector: { 'berth-test/group': group } }),
    );
    await createPods(pods);

    const bound = await waitFor(
      'all 500 pods bound',
      async () => {
        const items = (await listPods()).filter((p) => p.metadata?.name?.startsWith('mixed-'));
        return items.length === 500 && items.every((p) => p.spec?.nodeName) ? items : undefined;
      },
      90_000,
    );

    // From the API, not from Berth's memory: requests per node never exceed allocatable.
    const used = new Map<string, { cpu: number; memory: number; pods: number }>();
    for (const p of bound) {
      const u = used.get(p.spec!.nodeName!) ?? { cpu: 0, memory: 0, pods: 0 };
      const req = p.spec!.containers[0]!.resources!.requests!;
      u.cpu += milliValue(parseQuantity(req.cpu!));
      u.memory += value(parseQuantity(req.memory!));
      u.pods++;
      used.set(p.spec!.nodeName!, u);
    }
    const byName = new Map(nodes.map((n) => [n.metadata!.name!, n]));
    for (const [nodeName, u] of used) {
      const n = byName.get(nodeName);
      expect(n).toBeDefined();
      expect(u.cpu).toBeLessThanOrEqual(milliValue(parseQuantity(n!.status!.allocatable!.cpu!)));
      expect(u.memory).toBeLessThanOrEqual(value(parseQuantity(n!.status!.allocatable!.memory!)));
    }
    // Spread, not piled: LeastAllocated uses most nodes.
    expect(used.size).toBeGreaterThan(40);
    const scheduled = await waitFor('Scheduled event', async () => {
      const events = await podEvents('mixed-0');
      return events.length > 0 ? events : undefined;
    });
    expect(scheduled.map((e) => [e.reason, e.message])).toContainEqual(['Scheduled', `Successfully assigned ${namespace}/mixed-0 to ${bound.find((p) => p.metadata!.name === 'mixed-0')!.spec!.nodeName}`]);
  }, 120_000);

  test('a pod that fits nowhere gets FailedScheduling and PodScheduled=False, then binds when a node that fits arrives', async () => {
    await createPods([pod('huge', '900', '1Gi')]);
    const pending = await waitFor('PodScheduled=False', async () => {
      const p = (await core.readNamespacedPod({ name: 'huge', namespace }));
      return podScheduledCondition(p)?.status === 'False' ? p : undefined;
    }, 10_000);
    const condition = podScheduledCondition(pending)!;
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toMatch(/^0\/(\d+) nodes are available: \1 Insufficient cpu\.$/);
    // Events are written off the hot path: they may trail the condition a little.
    const failed = await waitFor('FailedScheduling event', async () => {
      const events = (await podEvents('huge')).filter((e) => e.reason === 'FailedScheduling');
      return events.length > 0 ? events : undefined;
    }, 10_000);
    expect(failed[0]!.type).toBe('Warning');
    expect(failed[0]!.message).toBe(condition.message);

    const bigName = uniqueName('big');
    const added = Date.now();
    await createNodes([node(bigName, '1000', '64Gi')]);
    const bound = await waitFor('huge bound', async () => {
      const p = await core.readNamespacedPod({ name: 'huge', namespace });
      return p.spec?.nodeName ? p : undefined;
    }, 15_000);
    expect(bound.spec!.nodeName).toBe(bigName);
    expect(Date.now() - added).toBeLessThan(10_000);
  }, 40_000);

  test('pods for another scheduler are never touched; pods bound by someone else count', async () => {
    const group = uniqueName('other');
    const nodeName = `${group}-n`;
    await createNodes([node(nodeName, '1', '4Gi', { 'berth-test/group': group })]);
    // Someone else's pod, bound by hand, takes 800m of the node's 1 cpu.
    await core.createNamespacedPod({ namespace, body: pod('theirs', '800m', '128Mi', { schedulerName: 'someone-else', nodeName }) as never });
    await core.createNamespacedPod({ namespace, body: pod('not-mine', '100m', '128Mi', { schedulerName: 'someone-else' }) as never });
    await createPods([pod('mine', '500m', '128Mi', { nodeSelector: { 'berth-test/group': group } })]);
    const mine = await waitFor('mine reported', async () => {
      const p = await core.readNamespacedPod({ name: 'mine', namespace });
      return podScheduledCondition(p)?.status === 'False' ? p : undefined;
    }, 10_000);
    expect(podScheduledCondition(mine)!.message).toContain('1 Insufficient cpu');
    expect(mine.spec?.nodeName).toBeUndefined();
    const notMine = await core.readNamespacedPod({ name: 'not-mine', namespace });
    expect(notMine.spec?.nodeName).toBeUndefined();
    expect(notMine.status?.conditions ?? []).toEqual([]);
    expect(await podEvents('not-mine')).toEqual([]);
  }, 30_000);

  test('taints, tolerations, node affinity and host ports are honoured', async () => {
    const group = uniqueName('rules');
    const taintKey = `berth-test/${group}`;
    await createNodes([
      node(`${group}-tainted`, '4', '8Gi', { 'berth-test/group': group }, { taints: [{ key: taintKey, value: 'x', effect: 'NoSchedule' }] }),
      node(`${group}-a`, '4', '8Gi', { 'berth-test/group': group, tier: 'a' }),
      node(`${group}-b`, '4', '8Gi', { 'berth-test/group': group, tier: 'b' }),
    ]);
    const inGroup = { nodeSelector: { 'berth-test/group': group } };
    const toleration = [{ key: taintKey, operator: 'Equal', value: 'x', effect: 'NoSchedule' }];
    const tierB = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['b'] }] }] },
      },
    };
    const withPort = (name: string): Pod => {
      const p = pod(name, '100m', '64Mi', inGroup);
      p.spec!.containers![0]!.ports = [{ containerPort: 9000, hostPort: 9000 }];
      return p;
    };
    await createPods([
      ...Array.from({ length: 4 }, (_, i) => pod(`plain-${i}`, '100m', '64Mi', inGroup)),
      pod('tolerant', '100m', '64Mi', { ...inGroup, tolerations: toleration, nodeSelector: { ...inGroup.nodeSelector, 'kubernetes.io/hostname': `${group}-tainted` } }),
      pod('affine', '100m', '64Mi', { ...inGroup, affinity: tierB }),
      withPort('port-1'),
      withPort('port-2'),
      withPort('port-3'),
    ]);
    const pods = await waitFor('rules pods placed', async () => {
      const items = await listPods();
      const get = (n: string) => items.find((p) => p.metadata?.name === n);
      const names = ['plain-0', 'plain-1', 'plain-2', 'plain-3', 'tolerant', 'affine', 'port-1', 'port-2', 'port-3'];
      const placed = names.map(get);
      const portPending = placed.slice(6).filter((p) => !p?.spec?.nodeName && podScheduledCondition(p!)?.status === 'False');
      return placed.slice(0, 6).every((p) => p?.spec?.nodeName) && placed.slice(6).filter((p) => p?.spec?.nodeName).length === 2 && portPending.length === 1
        ? placed
        : undefined;
    }, 20_000);
    const nodeOf = (i: number) => pods[i]!.spec?.nodeName;
    for (let i = 0; i < 4; i++) expect(nodeOf(i)).not.toBe(`${group}-tainted`);
    expect(nodeOf(4)).toBe(`${group}-tainted`);
    expect(nodeOf(5)).toBe(`${group}-b`);
    const portNodes = pods.slice(6).map((p) => p!.spec?.nodeName).filter(Boolean);
    expect(new Set(portNodes).size).toBe(2);
    expect(portNodes).not.toContain(`${group}-tainted`);
    const stuck = pods.slice(6).find((p) => !p!.spec?.nodeName)!;
    expect(podScheduledCondition(stuck)!.message).toContain("2 node(s) didn't have free ports for the requested pod ports");
    expect(podScheduledCondition(stuck)!.message).toContain('1 node(s) had untolerated taint(s)');
  }, 40_000);

  test('pods deleted while queued or binding leave no error storm and no leaked reservation', async () => {
    const group = uniqueName('churn');
    const nodeName = `${group}-n`;
    await createNodes([node(nodeName, '4', '8Gi', { 'berth-test/group': group })]);
    const errorsBefore = scheduler.stats.errors;
    const pods = Array.from({ length: 40 }, (_, i) => pod(`churn-${i}`, '100m', '64Mi', { nodeSelector: { 'berth-test/group': group } }));
    pods.push(pod('churn-never', '50', '64Mi', { nodeSelector: { 'berth-test/group': group } }));
    await createPods(pods, 8);
    // Delete them at once: some are queued, some mid-bind, some bound.
    await Promise.all(pods.map((p) => core.deleteNamespacedPod({ name: p.metadata!.name!, namespace, gracePeriodSeconds: 0 }).catch(() => {})));
    await waitFor('churn pods gone', async () => ((await listPods()).some((p) => p.metadata?.name?.startsWith('churn-')) ? undefined : true));
    // The cache agrees with the API: nothing left counted on the node.
    await waitFor('reservations released', () => {
      scheduler.cache.updateSnapshot(scheduler.table);
      const row = scheduler.table.indexOf(nodeName);
      const view = scheduler.table.view(row);
      return Promise.resolve(view.requested(0) === 0 && view.podCount() === 0 ? true : undefined);
    }, 10_000);
    expect(scheduler.stats.errors).toBe(errorsBefore);
    const storm = (await core.listNamespacedEvent({ namespace })).items.filter(
      (e) => e.involvedObject.name?.startsWith('churn-') && e.reason === 'FailedScheduling',
    );
    expect(storm.length).toBeLessThanOrEqual(3);
  }, 40_000);
});
