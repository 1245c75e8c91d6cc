// The foundation under every later test: the control plane the harness
// started, reached through @kubernetes/client-node, accepts nodes and pods,
// streams them on a watch, and binds a pod exactly once through the
// pods/binding subresource.
import { ApiException, CoreV1Api, VersionApi, Watch, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { createNamespace, nodeObject, podObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);

interface Seen {
  type: string;
  object: V1Node | V1Pod;
}

/** Collects watch events until stopped; waitFor resolves when one matches. */
async function watchCollect(path: string, query: Record<string, string>) {
  const seen: Seen[] = [];
  const waiters: { match: (s: Seen) => boolean; resolve: (s: Seen) => void }[] = [];
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, object: V1Node | V1Pod) => {
      const event = { type, object };
      seen.push(event);
      for (const w of [...waiters]) {
        if (w.match(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    },
    () => {},
  );
  return {
    seen,
    waitFor(match: (s: Seen) => boolean, timeoutMs = 10_000): Promise<Seen> {
      const hit = seen.find(match);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching watch event on ${path} in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ match, resolve: (s) => (clearTimeout(timer), resolve(s)) });
      });
    },
    stop: () => controller.abort(),
  };
}

async function expectApiError(promise: Promise<unknown>, code: number): Promise<ApiException<unknown>> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(code);
    return err as ApiException<unknown>;
  }
  throw new Error(`expected the API to answer ${code}, but the call succeeded`);
}

describe('the test control plane', () => {
  let namespace: string;

  beforeAll(async () => {
    namespace = await createNamespace(core, 'cluster');
  });

  test('serves the Kubernetes version the harness built', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.36.3');
    expect(version.gitVersion).toBe(process.env.BERTH_TEST_KUBE_VERSION);
  });

  test('stores a node with its allocatable resources and labels', async () => {
    const name = uniqueName('node');
    await core.createNode({
      body: nodeObject({ name, cpu: '8', memory: '16Gi', pods: '50', labels: { 'topology.kubernetes.io/zone': 'z1' } }),
    });
    const node = await core.readNode({ name });
    expect(node.status?.allocatable).toEqual({ cpu: '8', memory: '16Gi', pods: '50' });
    expect(node.metadata?.labels).toMatchObject({ 'topology.kubernetes.io/zone': 'z1', 'kubernetes.io/hostname': name });
    // Admission did not taint it: no controller-manager runs to lift a not-ready taint.
    expect(node.spec?.taints ?? []).toEqual([]);
  });

  test('a watch sees the node and the pod, and binding assigns the pod exactly once', async () => {
    const nodeName = uniqueName('node');
    const otherNode = uniqueName('node');
    const podName = uniqueName('pod');
    const nodes = await watchCollect('/api/v1/nodes', {});
    const pods = await watchCollect(`/api/v1/namespaces/${namespace}/pods`, {});
    try {
      await core.createNode({ body: nodeObject({ name: nodeName }) });
      await core.createNode({ body: nodeObject({ name: otherNode }) });
      const created = await core.createNamespacedPod({ namespace, body: podObject({ name: podName, namespace }) });
      expect(created.spec?.schedulerName).toBe('berth');
      expect(created.spec?.nodeName).toBeUndefined();
      const uid = created.metadata!.uid!;

      await nodes.waitFor((e) => e.type === 'ADDED' && e.object.metadata?.name === nodeName);
      const added = await pods.waitFor((e) => e.type === 'ADDED' && e.object.metadata?.name === podName);
      expect((added.object as V1Pod).spec?.schedulerName).toBe('berth');

      const binding = (target: string, podUid: string) => ({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: podName, namespace, uid: podUid },
        target: { apiVersion: 'v1', kind: 'Node', name: target },
      });

      // A binding for another incarnation of the pod (wrong UID) is refused.
      await expectApiError(
        core.createNamespacedPodBinding({ name: podName, namespace, body: binding(nodeName, '00000000-0000-0000-0000-000000000000') }),
        409,
      );
      expect((await core.readNamespacedPod({ name: podName, namespace })).spec?.nodeName).toBeUndefined();

      await core.createNamespacedPodBinding({ name: podName, namespace, body: binding(nodeName, uid) });
      const bound = await core.readNamespacedPod({ name: podName, namespace });
      expect(bound.spec?.nodeName).toBe(nodeName);
      const modified = await pods.waitFor(
        (e) => e.type === 'MODIFIED' && e.object.metadata?.name === podName && (e.object as V1Pod).spec?.nodeName === nodeName,
      );
      expect(modified.object.metadata?.uid).toBe(uid);

      // A second bind, even to another node, conflicts and changes nothing.
      const conflict = await expectApiError(
        core.createNamespacedPodBinding({ name: podName, namespace, body: binding(otherNode, uid) }),
        409,
      );
      expect(String(conflict.body)).toContain('already assigned');
      expect((await core.readNamespacedPod({ name: podName, namespace })).spec?.nodeName).toBe(nodeName);
    } finally {
      nodes.stop();
      pods.stop();
    }
  });

  test('binding a pod that does not exist is a 404', async () => {
    const name = uniqueName('ghost');
    await expectApiError(
      core.createNamespacedPodBinding({
        name,
        namespace,
        body: { metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: 'nowhere' } },
      }),
      404,
    );
  });
});
