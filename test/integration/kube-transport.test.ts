// The transport under KubeClusterClient, seen from the wire: a TCP proxy on
// loopback sits between the client and the apiserver (TLS passes through it
// untouched) and counts the connections the client opens; pausing the proxy
// cuts the client off, long enough for etcd to be compacted under a watch.
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectMeta } from '../../src/api/types.ts';
import { createKubeClusterClient, type KubeClusterClient } from '../../src/cluster/kube/index.ts';
import { createNamespace, nodeObject, podObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const core = testKubeConfig().makeApiClient(CoreV1Api);

/** A loopback TCP proxy that counts the connections it accepts; pause() cuts every connection and refuses new ones. */
class TcpProxy {
  accepted = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #paused = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: URL): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.#accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  #accept(client: Socket, target: URL): void {
    if (this.#paused) {
      client.destroy();
      return;
    }
    this.accepted += 1;
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.#sockets.delete(a);
        b.destroy();
      });
    }
  }

  pause(): void {
    this.#paused = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  resume(): void {
    this.#paused = false;
  }

  async close(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A copy of the test kubeconfig whose server is the proxy. */
function kubeconfigThrough(proxy: TcpProxy): { path: string; target: URL } {
  const config = JSON.parse(readFileSync(process.env.BERTH_TEST_KUBECONFIG!, 'utf8')) as {
    clusters: { cluster: { server: string } }[];
  };
  const cluster = config.clusters[0]!.cluster;
  const target = new URL(cluster.server);
  cluster.server = `https://127.0.0.1:${proxy.port}`;
  const path = join(mkdtempSync(join(tmpdir(), 'berth-proxy-')), 'kubeconfig');
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return { path, target };
}

function apiserverUrl(): URL {
  const config = JSON.parse(readFileSync(process.env.BERTH_TEST_KUBECONFIG!, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  return new URL(config.clusters[0]!.cluster.server);
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Compacts etcd up to its current revision, through its v3 HTTP gateway. */
async function compactEtcd(): Promise<number> {
  const endpoint = process.env.BERTH_TEST_ETCD_ENDPOINT;
  if (!endpoint) throw new Error('BERTH_TEST_ETCD_ENDPOINT is not set (harness global setup)');
  const post = async (path: string, body: object) => {
    const response = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { header: { revision: string } };
  };
  const revision = Number((await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 })).header.revision);
  await post('/v3/kv/compaction', { revision, physical: true });
  return revision;
}

describe('KubeClusterClient transport', () => {
  let proxy: TcpProxy;

  beforeEach(async () => {
    proxy = await TcpProxy.start(apiserverUrl());
  });
  afterEach(async () => {
    await proxy.close();
  });

  test.each([
    { protocol: 'HTTP/1.1', http2: false },
    { protocol: 'HTTP/2', http2: true },
  ])('300 concurrent binds, events and status patches over $protocol use at most the pool size of connections', async ({ http2 }) => {
    const maxConnections = 8;
    const namespace = await createNamespace(core, 'kube-conn');
    const nodeName = uniqueName('kube-conn-node');
    await core.createNode({ body: nodeObject({ name: nodeName }) });
    const pods = [];
    for (let i = 0; i < 100; i += 20) {
      pods.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, j) => core.createNamespacedPod({ namespace, body: podObject({ name: `p-${i + j}`, namespace }) })),
        )),
      );
    }
    const refs = pods.map((p) => ({ namespace, name: p.metadata!.name!, uid: p.metadata!.uid! }));

    const { path } = kubeconfigThrough(proxy);
    const client = createKubeClusterClient({ kubeconfigPath: path, maxConnections, http2, identity: 'berth-conn', events: { concurrency: 8 } });
    const bound = new Set<string>();
    const informer = client.informer(
      'pods',
      {
        onAdd: () => {},
        onUpdate: (_old, pod) => {
          if (pod.spec?.nodeName) bound.add(pod.metadata!.name!);
        },
        onDelete: () => {},
      },
      { fieldSelector: `metadata.namespace=${namespace}` },
    );
    try {
      await informer.start();
      // Events are fire-and-forget: queued here, written by the client's own senders.
      for (const ref of refs) {
        client.recordEvent({
          regarding: { kind: 'Pod', ...ref },
          type: 'Normal',
          reason: 'Scheduled',
          action: 'Binding',
          note: `Successfully assigned ${ref.namespace}/${ref.name} to ${nodeName}`,
        });
      }
      await Promise.all([
        ...refs.map((ref) => client.bind(ref, nodeName)),
        ...refs.map((ref) =>
          client.updatePodStatus(ref, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'before the bind' }),
        ),
      ]);
      await until('every event written', () => client.stats().events.sent === 100);
      await until('every bind seen by the informer', () => bound.size === 100);
      const stats = client.stats();
      expect(stats.events).toMatchObject({ sent: 100, dropped: 0, failed: 0 });
      expect(stats.transport.requests).toBeGreaterThanOrEqual(301);
      // The pool, plus the watch's connection. (HTTP/2 multiplexes, but a burst
      // that arrives before the first connection has negotiated h2 still
      // spreads over a few connections.)
      expect(proxy.accepted).toBeLessThanOrEqual(maxConnections + 1);
      expect(proxy.accepted).toBe(stats.transport.connectionsOpened);
      expect(proxy.accepted * 20).toBeLessThan(stats.transport.requests);
    } finally {
      informer.stop();
      await client.close();
    }
  }, 60_000);

  test('a watch resumed after etcd compacted its resourceVersion relists (410 Expired) and delivers the difference', async () => {
    // Events are the resource the apiserver keeps no watch cache for, so a
    // watch from a compacted resourceVersion reaches etcd and gets 410.
    const namespace = await createNamespace(core, 'kube-relist');
    const event = (name: string, message: string): CoreV1Event => ({
      metadata: { name, namespace },
      involvedObject: { kind: 'Pod', name: 'p', namespace },
      reason: 'Test',
      message,
      type: 'Normal',
      source: { component: 'berth-test' },
    });
    const { path } = kubeconfigThrough(proxy);
    const client: KubeClusterClient = createKubeClusterClient({
      kubeconfigPath: path,
      identity: 'berth-relist',
      informers: { backoff: { initialMs: 50, maxMs: 200 } },
    });
    const log: string[] = [];
    const state = new Map<string, { metadata?: ObjectMeta; note?: string }>();
    const informer = client.informerFor<{ metadata?: ObjectMeta; note?: string }>(
      { path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, name: 'events' },
      {
        onAdd: (e) => (log.push(`add ${e.metadata?.name}`), state.set(e.metadata!.name!, e)),
        onUpdate: (_o, e) => (log.push(`update ${e.metadata?.name} ${e.note}`), state.set(e.metadata!.name!, e)),
        onDelete: (e) => (log.push(`delete ${e.metadata?.name}`), state.delete(e.metadata!.name!)),
      },
    );
    try {
      await core.createNamespacedEvent({ namespace, body: event('gone', 'one') });
      await informer.start();
      await core.createNamespacedEvent({ namespace, body: event('changed', 'two') });
      await core.createNamespacedEvent({ namespace, body: event('kept', 'three') });
      await until('the watch to deliver both', () => log.length === 3);
      expect(log).toEqual(['add gone', 'add changed', 'add kept']);
      const watchesBefore = informer.stats.watches;

      proxy.pause();
      await until('the watch to fail', () => informer.stats.watchErrors >= 1);
      await core.deleteNamespacedEvent({ namespace, name: 'gone' });
      await core.replaceNamespacedEvent({ namespace, name: 'changed', body: { ...event('changed', 'two, edited') } });
      await core.createNamespacedEvent({ namespace, body: event('new', 'four') });
      await compactEtcd();
      proxy.resume();

      await until('the relist', () => informer.stats.relists === 1);
      expect(informer.stats.expired).toBe(1);
      expect(informer.stats.watches).toBeGreaterThan(watchesBefore);
      expect(log.slice(3)).toEqual(['delete gone', 'update changed two, edited', 'add new']);
      expect([...state.keys()].sort()).toEqual(['changed', 'kept', 'new']);

      // And it watches again from the relist: later changes still arrive.
      await core.deleteNamespacedEvent({ namespace, name: 'kept' });
      await until('the delete after the relist', () => log.includes('delete kept'));
    } finally {
      informer.stop();
      await client.close();
    }
  }, 60_000);
});
