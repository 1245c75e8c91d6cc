// KubeClusterClient against the real control plane: informers (adds,
// updates, deletes in order; watches the server keeps ending; silent
// watches; throwing handlers), every write with its failure modes, and a
// clean shutdown.
import { CoreV1Api, PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ObjectMeta, Pod } from '../../src/api/types.ts';
import { ApiError, type InformerHandler } from '../../src/cluster/client.ts';
import { createKubeClusterClient, loadKubeConfig, type KubeClusterClient, type KubeLogger } from '../../src/cluster/kube/index.ts';
import { createNamespace, nodeObject, podObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const kubeconfigPath = process.env.BERTH_TEST_KUBECONFIG!;
const core = testKubeConfig().makeApiClient(CoreV1Api);
const policy = testKubeConfig().makeApiClient(PolicyV1Api);

/** Log lines kept for assertions and for the failure message. */
function memoryLogger(): KubeLogger & { lines: { level: string; msg: string; obj: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, msg, obj });
  return { lines, debug: () => {}, info: at('info'), warn: at('warn'), error: at('error') };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError, but the call succeeded');
}

/** An informer handler that records what it is told, and the state that follows from it. */
function recorder<T extends { metadata?: ObjectMeta }>() {
  const log: string[] = [];
  const state = new Map<string, T>();
  const count = (entry: string) => log.filter((l) => l === entry).length;
  const handler: InformerHandler<T> = {
    onAdd: (obj) => {
      log.push(`add ${obj.metadata?.name}`);
      state.set(obj.metadata!.name!, obj);
    },
    onUpdate: (_old, obj) => {
      log.push(`update ${obj.metadata?.name}`);
      state.set(obj.metadata!.name!, obj);
    },
    onDelete: (obj) => {
      log.push(`delete ${obj.metadata?.name}`);
      state.delete(obj.metadata!.name!);
    },
  };
  return { log, state, count, handler };
}

async function createPod(namespace: string, name: string): Promise<V1Pod> {
  return core.createNamespacedPod({ namespace, body: podObject({ name, namespace }) });
}

function ref(pod: V1Pod) {
  return { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! };
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('KubeClusterClient against kube-apiserver', () => {
  let namespace: string;
  let client: KubeClusterClient;
  const logger = memoryLogger();

  beforeAll(async () => {
    namespace = await createNamespace(core, 'kube-client');
    client = createKubeClusterClient({ kubeconfigPath, logger, identity: 'berth-kube-test' });
  });

  afterAll(async () => {
    await client.close();
  });

  describe('informers', () => {
    test('deliver the initial list, then adds, updates and deletes in the order they happened', async () => {
      const ns = await createNamespace(core, 'kube-inf');
      const before = await createPod(ns, 'before');
      const seen = recorder<Pod>();
      const informer = client.informer('pods', seen.handler, { fieldSelector: `metadata.namespace=${ns}` });
      try {
        await informer.start();
        expect(informer.hasSynced()).toBe(true);
        expect(seen.log).toEqual(['add before']);

        const a = await createPod(ns, 'a');
        await createPod(ns, 'b');
        await client.annotatePod(ref(a), { 'berth.dev/cpuset': '4-7' });
        await core.deleteNamespacedPod({ namespace: ns, name: 'b' });
        await client.deletePod(ref(before));
        await until('the delete of "before"', () => seen.count('delete before') === 1);
        // A pod delete is two events: deletionTimestamp set (an update), then the delete.
        expect(seen.log).toEqual(['add before', 'add a', 'add b', 'update a', 'update b', 'delete b', 'update before', 'delete before']);
        expect(seen.state.get('a')?.metadata?.annotations).toEqual({ 'berth.dev/cpuset': '4-7' });
        expect(informer.get(`${ns}/a`)?.metadata?.annotations).toEqual({ 'berth.dev/cpuset': '4-7' });
        expect(informer.stats.relists).toBe(0);
        // The apiserver tracks field managers on every write; the informer drops them (memory).
        expect((await core.readNamespacedPod({ namespace: ns, name: 'a' })).metadata?.managedFields?.length).toBeGreaterThan(0);
        expect(seen.state.get('a')?.metadata).not.toHaveProperty('managedFields');
        expect(informer.get(`${ns}/a`)?.metadata).not.toHaveProperty('managedFields');
      } finally {
        informer.stop();
      }
    });

    test('follow cluster-scoped kinds with a label selector: nodes, namespaces, priority classes', async () => {
      const label = uniqueName('set');
      const nodes = recorder();
      const namespaces = recorder();
      const classes = recorder<{ metadata?: ObjectMeta; value: number }>();
      const informers = [
        client.informer('nodes', nodes.handler, { labelSelector: `berth-test=${label}` }),
        client.informer('namespaces', namespaces.handler, { labelSelector: `berth-test=${label}` }),
        client.informer('priorityclasses', classes.handler, { labelSelector: `berth-test=${label}` }),
      ];
      try {
        await Promise.all(informers.map((i) => i.start()));
        const name = uniqueName('kube-node');
        await core.createNode({ body: nodeObject({ name, labels: { 'berth-test': label } }) });
        await core.createNode({ body: nodeObject({ name: uniqueName('other-node') }) });
        await core.createNamespace({ body: { metadata: { name: uniqueName('kube-ns'), labels: { 'berth-test': label } } } });
        const pcName = uniqueName('kube-pc');
        const { SchedulingV1Api } = await import('@kubernetes/client-node');
        await testKubeConfig()
          .makeApiClient(SchedulingV1Api)
          .createPriorityClass({ body: { metadata: { name: pcName, labels: { 'berth-test': label } }, value: 1000 } });
        await until('the three adds', () => nodes.log.length === 1 && namespaces.log.length === 1 && classes.log.length === 1);
        expect(nodes.log).toEqual([`add ${name}`]);
        expect(classes.state.get(pcName)?.value).toBe(1000);
      } finally {
        for (const i of informers) i.stop();
      }
    });

    test('a watch the server keeps ending (timeoutSeconds=1) loses no event while pods come and go', async () => {
      const ns = await createNamespace(core, 'kube-churn');
      const churn = createKubeClusterClient({ kubeconfigPath, identity: 'berth-churn', informers: { watchTimeoutSeconds: 1 } });
      const seen = recorder<Pod>();
      const informer = churn.informer('pods', seen.handler, { fieldSelector: `metadata.namespace=${ns}` });
      try {
        await informer.start();
        const created: string[] = [];
        const deleted: string[] = [];
        const started = Date.now();
        for (let round = 0; Date.now() - started < 7_000; round++) {
          const names = Array.from({ length: 12 }, (_, i) => `p-${round}-${i}`);
          await inBatches(names, 6, (name) => createPod(ns, name));
          created.push(...names);
          const victims = created.filter((n) => !deleted.includes(n)).slice(0, 6);
          await inBatches(victims, 6, (name) => core.deleteNamespacedPod({ namespace: ns, name }));
          deleted.push(...victims);
          await new Promise((r) => setTimeout(r, 150));
        }
        const truth = async () => {
          const list = await core.listNamespacedPod({ namespace: ns });
          return new Map(list.items.map((p) => [p.metadata!.name!, p.metadata!.resourceVersion!]));
        };
        const expected = await truth();
        await until(
          'the informer to catch up',
          () =>
            seen.state.size === expected.size &&
            [...expected].every(([name, rv]) => seen.state.get(name)?.metadata?.resourceVersion === rv),
        );
        for (const name of created) expect([name, seen.count(`add ${name}`)]).toEqual([name, 1]);
        for (const name of deleted) expect([name, seen.count(`delete ${name}`)]).toEqual([name, 1]);
        expect(seen.state.size).toBe(created.length - deleted.length);
        // Many watches, each resumed from the last resourceVersion: never a relist.
        expect(informer.stats.watches).toBeGreaterThanOrEqual(5);
        expect(informer.stats.watchEnds).toBeGreaterThanOrEqual(4);
        expect(informer.stats.relists).toBe(0);
        expect(informer.stats.expired).toBe(0);
      } finally {
        informer.stop();
        await churn.close();
      }
    }, 60_000);

    test('a watch silent past its deadline is aborted and restarted, and still delivers', async () => {
      const ns = await createNamespace(core, 'kube-quiet');
      const quiet = createKubeClusterClient({
        kubeconfigPath,
        identity: 'berth-quiet',
        informers: { silenceTimeoutMs: 700, watchTimeoutSeconds: 120 },
      });
      const seen = recorder<Pod>();
      const informer = quiet.informer('pods', seen.handler, { fieldSelector: `metadata.namespace=${ns}` });
      try {
        await informer.start();
        await until('two silent watches', () => informer.stats.silentWatches >= 2, 10_000);
        await createPod(ns, 'late');
        await until('the pod created after the restarts', () => seen.count('add late') === 1);
        expect(informer.stats.watchErrors).toBe(0);
      } finally {
        informer.stop();
        await quiet.close();
      }
    }, 30_000);

    test('a handler that throws is logged and counted; the informer carries on', async () => {
      const ns = await createNamespace(core, 'kube-throw');
      const log = memoryLogger();
      const faulty = createKubeClusterClient({ kubeconfigPath, identity: 'berth-faulty', logger: log });
      const added: string[] = [];
      const informer = faulty.informer(
        'pods',
        {
          onAdd: (pod) => {
            if (pod.metadata?.name === 'bad') throw new Error('handler bug');
            added.push(pod.metadata!.name!);
          },
          onUpdate: () => {},
          onDelete: () => {},
        },
        { fieldSelector: `metadata.namespace=${ns}` },
      );
      try {
        await informer.start();
        await createPod(ns, 'bad');
        await createPod(ns, 'good');
        await until('the pod after the bad one', () => added.includes('good'));
        expect(informer.stats.handlerErrors).toBe(1);
        const line = log.lines.find((l) => l.msg === 'informer handler threw');
        expect(line).toMatchObject({ level: 'error', obj: { key: `${ns}/bad`, err: 'handler bug', event: 'add' } });
      } finally {
        informer.stop();
        await faulty.close();
      }
    });
  });

  describe('bind', () => {
    let nodeName: string;
    beforeAll(async () => {
      nodeName = uniqueName('kube-bind-node');
      await core.createNode({ body: nodeObject({ name: nodeName }) });
    });

    test('binds a pod by UID', async () => {
      const pod = await createPod(namespace, uniqueName('bind'));
      await client.bind(ref(pod), nodeName);
      expect((await core.readNamespacedPod({ namespace, name: pod.metadata!.name! })).spec?.nodeName).toBe(nodeName);
    });

    test('409 Conflict for another incarnation (wrong UID), and nothing changes', async () => {
      const pod = await createPod(namespace, uniqueName('bind'));
      const err = await apiError(client.bind({ ...ref(pod), uid: '00000000-0000-0000-0000-000000000000' }, nodeName));
      expect([err.status, err.reason, err.isConflict]).toEqual([409, 'Conflict', true]);
      expect(err.message).toContain('Precondition failed: UID in precondition');
      expect((await core.readNamespacedPod({ namespace, name: pod.metadata!.name! })).spec?.nodeName).toBeUndefined();
    });

    test('409 Conflict when the pod is already bound', async () => {
      const pod = await createPod(namespace, uniqueName('bind'));
      await client.bind(ref(pod), nodeName);
      const err = await apiError(client.bind(ref(pod), nodeName));
      expect([err.status, err.reason]).toEqual([409, 'Conflict']);
      expect(err.message).toContain('already assigned');
    });

    test('404 NotFound when the pod is gone', async () => {
      const err = await apiError(client.bind({ namespace, name: uniqueName('ghost'), uid: 'u' }, nodeName));
      expect([err.status, err.reason, err.isNotFound]).toEqual([404, 'NotFound', true]);
    });
  });

  test('recordEvent writes events.k8s.io Events that core/v1 lists with the caller texts', async () => {
    const pod = await createPod(namespace, uniqueName('ev'));
    const name = pod.metadata!.name!;
    const note = `Successfully assigned ${namespace}/${name} to node-1`;
    client.recordEvent({ regarding: { kind: 'Pod', ...ref(pod) }, type: 'Normal', reason: 'Scheduled', action: 'Binding', note });
    client.recordEvent({
      regarding: { kind: 'Pod', ...ref(pod) },
      type: 'Warning',
      reason: 'FailedScheduling',
      action: 'Scheduling',
      note: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    });
    let events: Awaited<ReturnType<typeof core.listNamespacedEvent>>['items'] = [];
    await until('two events', async () => {
      events = (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items;
      return events.length === 2;
    });
    const scheduled = events.find((e) => e.reason === 'Scheduled')!;
    expect(scheduled).toMatchObject({
      type: 'Normal',
      message: note,
      action: 'Binding',
      reportingComponent: 'berth',
      reportingInstance: 'berth-kube-test',
      involvedObject: { kind: 'Pod', name, namespace, uid: pod.metadata!.uid },
    });
    expect(scheduled.eventTime).toBeDefined();
    expect(events.find((e) => e.reason === 'FailedScheduling')?.message).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu\./);
    expect(client.stats().events).toMatchObject({ dropped: 0, failed: 0 });
  });

  test('recordEvent never throws: a failed write is dropped and counted', async () => {
    const before = client.stats().events.failed;
    // An invalid event (reason too long for validation) is refused by the apiserver.
    client.recordEvent({ regarding: { kind: 'Pod', namespace, name: 'x' }, type: 'Normal', reason: 'R'.repeat(200), action: 'A', note: 'n' });
    await until('the failure to be counted', () => client.stats().events.failed === before + 1);
  });

  test('updatePodStatus sets PodScheduled=False/Unschedulable and the nominated node, readable back', async () => {
    const pod = await createPod(namespace, uniqueName('status'));
    await client.updatePodStatus(
      ref(pod),
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
      'node-7',
    );
    let read = await core.readNamespacedPod({ namespace, name: pod.metadata!.name! });
    const condition = read.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(condition).toMatchObject({ status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' });
    expect(condition?.lastTransitionTime).toBeInstanceOf(Date);
    expect(read.status?.nominatedNodeName).toBe('node-7');

    await client.updatePodStatus(ref(pod), { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'again' }, '');
    read = await core.readNamespacedPod({ namespace, name: pod.metadata!.name! });
    expect(read.status?.conditions?.filter((c) => c.type === 'PodScheduled')).toHaveLength(1);
    expect(read.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe('again');
    expect(read.status?.nominatedNodeName).toBeUndefined();
  });

  test('annotatePod merges annotations (null removes one) and refuses another incarnation', async () => {
    const pod = await createPod(namespace, uniqueName('annot'));
    await client.annotatePod(ref(pod), { 'berth.dev/cpuset': '4-7', 'berth.dev/swap': '2Gi' });
    await client.annotatePod(ref(pod), { 'berth.dev/swap': null, 'berth.dev/numa-node': '0' });
    const read = await core.readNamespacedPod({ namespace, name: pod.metadata!.name! });
    expect(read.metadata?.annotations).toEqual({ 'berth.dev/cpuset': '4-7', 'berth.dev/numa-node': '0' });
    const err = await apiError(client.annotatePod({ ...ref(pod), uid: '00000000-0000-0000-0000-000000000000' }, { a: 'b' }));
    expect([err.status, err.reason]).toEqual([422, 'Invalid']);
  });

  test('deletePod with a stale UID is a 409 and deletes nothing; with the right UID it deletes', async () => {
    const pod = await createPod(namespace, uniqueName('del'));
    const err = await apiError(client.deletePod({ ...ref(pod), uid: '00000000-0000-0000-0000-000000000000' }));
    expect([err.status, err.reason]).toEqual([409, 'Conflict']);
    expect(err.message).toContain('does not match the UID in record');
    await client.deletePod(ref(pod));
    const gone = await apiError(client.deletePod(ref(pod)));
    expect(gone.status).toBe(404);
  });

  test('evictPod goes through the Eviction API: 429 while a PodDisruptionBudget forbids it, else the pod goes', async () => {
    const app = uniqueName('app');
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: app }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } },
    });
    const body = podObject({ name: uniqueName('evict'), namespace });
    body.metadata!.labels = { app };
    const pod = await core.createNamespacedPod({ namespace, body });
    // A pending pod ignores budgets; a running one is subject to them.
    await core.replaceNamespacedPodStatus({ namespace, name: pod.metadata!.name!, body: { ...pod, status: { phase: 'Running' } } });
    const err = await apiError(client.evictPod(ref(pod)));
    expect([err.status, err.reason]).toEqual([429, 'TooManyRequests']);

    const free = await createPod(namespace, uniqueName('evict'));
    await client.evictPod(ref(free));
    await until('the evicted pod to go', async () => {
      try {
        await core.readNamespacedPod({ namespace, name: free.metadata!.name! });
        return false;
      } catch {
        return true;
      }
    });
  });

  test('in-cluster configuration: a rotated service-account token is picked up (a 401 forces the re-read)', async () => {
    const harness = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { token: string } }[];
    };
    const server = new URL(harness.clusters[0]!.cluster.server);
    const root = mkdtempSync(join(tmpdir(), 'berth-incluster-'));
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'ca.crt'), Buffer.from(harness.clusters[0]!.cluster['certificate-authority-data'], 'base64'));
    writeFileSync(join(sa, 'token'), 'expired-token');
    const saved = { ...process.env };
    process.env.KUBERNETES_SERVICE_HOST = server.hostname;
    process.env.KUBERNETES_SERVICE_PORT = server.port;
    let kubeConfig;
    try {
      kubeConfig = loadKubeConfig(undefined, { HOME: root, KUBERNETES_SERVICE_HOST: server.hostname }, root);
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.KUBERNETES_SERVICE_HOST;
      process.env.KUBERNETES_SERVICE_PORT = saved.KUBERNETES_SERVICE_PORT;
      if (saved.KUBERNETES_SERVICE_HOST === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.KUBERNETES_SERVICE_PORT === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
    const inCluster = createKubeClusterClient({ kubeConfig, identity: 'berth-in-cluster' });
    try {
      const ghost = { namespace, name: uniqueName('ghost'), uid: 'u' };
      const refused = await apiError(inCluster.bind(ghost, 'n'));
      expect([refused.status, refused.reason]).toEqual([401, 'Unauthorized']);
      // The kubelet's rotation: a new file swapped in atomically.
      writeFileSync(join(sa, '..token.new'), harness.users[0]!.user.token);
      renameSync(join(sa, '..token.new'), join(sa, 'token'));
      const answered = await apiError(inCluster.bind(ghost, 'n'));
      expect([answered.status, answered.reason]).toEqual([404, 'NotFound']);
    } finally {
      await inCluster.close();
    }
  });

  test('close() stops informers and connections: a process using the client exits on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-kube-exit-'));
    const script = join(dir, 'exit.ts');
    const index = resolve('src/cluster/kube/index.ts');
    writeFileSync(
      script,
      `import { createKubeClusterClient } from ${JSON.stringify(index)};
const client = createKubeClusterClient({ kubeconfigPath: process.env.BERTH_TEST_KUBECONFIG, identity: 'berth-exit' });
const handler = { onAdd() {}, onUpdate() {}, onDelete() {} };
const pods = client.informer('pods', handler, { fieldSelector: 'metadata.namespace=${namespace}' });
const nodes = client.informer('nodes', handler);
await Promise.all([pods.start(), nodes.start()]);
client.recordEvent({ regarding: { kind: 'Node', name: 'nowhere' }, type: 'Normal', reason: 'Exit', action: 'Test', note: 'n' });
await client.bind({ namespace: '${namespace}', name: 'ghost', uid: 'u' }, 'n').catch(() => {});
pods.stop();
await client.close();
console.log(JSON.stringify(client.stats()));
`,
    );
    const child = spawn(process.execPath, [script], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exit = await new Promise<number | string>((done) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done('still running 15 s after close(): something keeps the event loop alive');
      }, 15_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        done(code ?? -1);
      });
    });
    expect([exit, out]).toEqual([0, expect.stringContaining('"sent":1')]);
  }, 30_000);
});
