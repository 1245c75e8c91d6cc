// The scheduler end to end on the in-memory cluster: informers, queue, cache,
// plugins, binding, Events and conditions, with failures injected.
import { Writable } from 'node:stream';
import type { Node, Pod } from '../api/types.ts';
import { ApiError } from '../cluster/client.ts';
import { MemoryClusterClient } from '../cluster/memory.ts';
import { resolveConfig } from '../config/scheduler-config.ts';
import type { Handle } from '../framework/interfaces.ts';
import { createLogger, silentLogger } from '../logging/logger.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { makeNode, makePod } from '../testing/builders.ts';
import { Scheduler } from './scheduler.ts';

const config = resolveConfig({ podInitialBackoffSeconds: 1, podMaxBackoffSeconds: 1 }, inTreeRegistry, defaultPlugins, 'berth');

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(nodes: Node[]) {
  const cluster = new MemoryClusterClient();
  for (const n of nodes) cluster.create('nodes', n);
  const scheduler = new Scheduler({ client: cluster, config, registry: inTreeRegistry, logger: silentLogger(), seed: 7 });
  return { cluster, scheduler };
}

const boundTo = (cluster: MemoryClusterClient, name: string) => cluster.get('pods', 'default', name)?.spec?.nodeName;

describe('Scheduler on the in-memory cluster', () => {
  let running: Scheduler | undefined;
  afterEach(async () => {
    await running?.stop(100);
    running = undefined;
  });

  test('binds pods where they fit and writes the Scheduled Event', async () => {
    const { cluster, scheduler } = setup([makeNode('small').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj(), makeNode('big').capacity({ cpu: '8', memory: '16Gi', pods: '10' }).obj()]);
    running = scheduler;
    await scheduler.start();
    cluster.create('pods', makePod('p').req({ cpu: '2', memory: '1Gi' }).obj());
    await until('bound', () => boundTo(cluster, 'p'));
    expect(boundTo(cluster, 'p')).toBe('big');
    expect(cluster.events).toContainEqual(
      expect.objectContaining({ type: 'Normal', reason: 'Scheduled', action: 'Binding', note: 'Successfully assigned default/p to big' }),
    );
  });

  test('an idle scheduler brings its snapshot up to date: the first pod after a quiet spell does not pay for it', async () => {
    const node = (name: string) => makeNode(name).capacity({ cpu: '4', memory: '8Gi', pods: '10' }).obj();
    const { cluster, scheduler } = setup([node('a'), node('b')]);
    running = scheduler;
    await scheduler.start();
    // Started with nothing to schedule: the synced nodes are in the table already.
    expect(scheduler.table.size).toBe(2);
    expect(scheduler.table.indexOf('a')).toBeGreaterThanOrEqual(0);
    // A node added while idle is picked up when the loop next goes idle (after the pod below).
    cluster.create('nodes', node('c'));
    cluster.create('pods', makePod('p').obj());
    await until('bound', () => boundTo(cluster, 'p'));
    await until('c in the table', () => scheduler.table.indexOf('c') >= 0);
    expect(scheduler.table.size).toBe(3);
  });

  test('a snapshot update that throws fails the cycle as a scheduler error: the pod is retried and bound, the loop goes on', async () => {
    const node = makeNode('a').capacity({ cpu: '4', memory: '8Gi', pods: '10' }).obj();
    const { cluster, scheduler } = setup([node]);
    running = scheduler;
    await scheduler.start();
    const cache = (scheduler as unknown as { cache: { updateSnapshot: (t: unknown) => number } }).cache;
    const real = cache.updateSnapshot.bind(cache);
    let failures = 2;
    cache.updateSnapshot = (t) => {
      if (failures > 0) {
        failures--;
        throw new Error('snapshot exploded');
      }
      return real(t);
    };
    cluster.create('pods', makePod('p').obj());
    await until('bound', () => boundTo(cluster, 'p'));
    expect(failures).toBe(0);
    expect(cluster.events).toContainEqual(expect.objectContaining({ reason: 'FailedScheduling', note: expect.stringContaining('snapshot exploded') as unknown }));
  });

  test('a pod that fits nowhere gets the upstream message, PodScheduled=False, and binds once a node fits', async () => {
    const { cluster, scheduler } = setup([
      makeNode('n1').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj(),
      makeNode('n2').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).taint('k', 'v', 'NoSchedule').obj(),
    ]);
    running = scheduler;
    await scheduler.start();
    cluster.create('pods', makePod('p').req({ cpu: '2' }).obj());
    const condition = await until('condition', () =>
      cluster.get('pods', 'default', 'p')?.status?.conditions?.find((c) => c.type === 'PodScheduled'),
    );
    const message = '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).';
    expect(condition).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    expect(cluster.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'FailedScheduling', note: message }));
    cluster.create('nodes', makeNode('n3').capacity({ cpu: '4', memory: '4Gi', pods: '10' }).obj());
    await until('bound after node add', () => boundTo(cluster, 'p'));
    expect(boundTo(cluster, 'p')).toBe('n3');
  });

  test('pods of other schedulers are left alone; pods bound by others count against their node', async () => {
    const { cluster, scheduler } = setup([makeNode('n1').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj()]);
    running = scheduler;
    cluster.create('pods', makePod('theirs').schedulerName('other').req({ cpu: '800m' }).node('n1').obj());
    await scheduler.start();
    cluster.create('pods', makePod('other-sched').schedulerName('other').req({ cpu: '10m' }).obj());
    cluster.create('pods', makePod('mine').req({ cpu: '500m' }).obj());
    await until('mine rejected', () => cluster.events.find((e) => e.regarding.name === 'mine'));
    expect(boundTo(cluster, 'mine')).toBeUndefined();
    expect(cluster.events.find((e) => e.regarding.name === 'other-sched')).toBeUndefined();
    expect(boundTo(cluster, 'other-sched')).toBeUndefined();
  });

  test('a failed bind is unreserved and retried; the pod ends up bound once', async () => {
    const { cluster, scheduler } = setup([makeNode('n1').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj()]);
    running = scheduler;
    let failures = 1;
    cluster.beforeBind = () => {
      if (failures-- > 0) throw new ApiError(500, 'InternalError', 'etcd is having a bad day');
    };
    await scheduler.start();
    cluster.create('pods', makePod('p').req({ cpu: '600m' }).obj());
    await until('bound after retry', () => boundTo(cluster, 'p'), 5_000);
    expect(cluster.bindCalls).toBe(2);
    expect(scheduler.stats.bindFailures).toBe(1);
    scheduler.cache.updateSnapshot(scheduler.table);
    expect(scheduler.table.view(scheduler.table.indexOf('n1')).requested(0)).toBe(600);
  });

  test('a pod deleted while its bind is in flight is not requeued and leaks no reservation', async () => {
    const { cluster, scheduler } = setup([makeNode('n1').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj()]);
    running = scheduler;
    cluster.beforeBind = async (ref) => {
      cluster.remove('pods', ref.namespace, ref.name);
      await new Promise((r) => setTimeout(r, 5));
    };
    await scheduler.start();
    cluster.create('pods', makePod('p').req({ cpu: '600m' }).obj());
    await until('bind attempted', () => cluster.bindCalls === 1);
    await scheduler.drainBinds();
    await new Promise((r) => setTimeout(r, 50));
    expect(cluster.bindCalls).toBe(1);
    expect(scheduler.stats.errors).toBe(0);
    scheduler.cache.updateSnapshot(scheduler.table);
    expect(scheduler.table.view(scheduler.table.indexOf('n1')).requested(0)).toBe(0);
    expect(cluster.events.filter((e) => e.reason === 'FailedScheduling')).toEqual([]);
  });

  test('a pod with a malformed quantity is reported unschedulable, and the scheduler goes on', async () => {
    const { cluster, scheduler } = setup([makeNode('n1').capacity({ cpu: '4', memory: '4Gi', pods: '10' }).obj()]);
    running = scheduler;
    await scheduler.start();
    const bad: Pod = makePod('bad').req({ cpu: 'a lot' }).obj();
    cluster.create('pods', bad);
    cluster.create('pods', makePod('good').req({ cpu: '1' }).obj());
    await until('good bound', () => boundTo(cluster, 'good'));
    const event = await until('bad reported', () => cluster.events.find((e) => e.regarding.name === 'bad'));
    expect(event.reason).toBe('FailedScheduling');
    expect(event.note).toContain('spec.containers[0].resources.requests.cpu');
    expect(boundTo(cluster, 'bad')).toBeUndefined();
  });

  test('a node whose allocatable cannot be read gets a Warning Event and offers nothing; scheduling goes on', async () => {
    const bad = makeNode('bad').capacity({ cpu: '64', memory: '64Gi', pods: '10' }).obj();
    bad.status!.allocatable!.cpu = 'plenty';
    const { cluster, scheduler } = setup([bad, makeNode('good').capacity({ cpu: '2', memory: '2Gi', pods: '10' }).obj()]);
    running = scheduler;
    await scheduler.start();
    cluster.create('pods', makePod('p').req({ cpu: '1' }).obj());
    await until('bound', () => boundTo(cluster, 'p'));
    expect(boundTo(cluster, 'p')).toBe('good');
    expect(scheduler.stats.invalidNodes).toBe(1);
    expect(cluster.events).toContainEqual(
      expect.objectContaining({
        regarding: expect.objectContaining({ kind: 'Node', name: 'bad' }) as unknown,
        type: 'Warning',
        reason: 'InvalidNodeResources',
        note: expect.stringContaining('status.allocatable.cpu') as unknown,
      }),
    );
  });

  test('a pod whose claim is bound to a local volume lands on that volume\'s node; a missing claim is reported', async () => {
    const { cluster, scheduler } = setup([
      makeNode('n1').capacity({ cpu: '4', memory: '4Gi', pods: '10' }).obj(),
      makeNode('n2').capacity({ cpu: '4', memory: '4Gi', pods: '10' }).obj(),
    ]);
    running = scheduler;
    cluster.create('persistentvolumes', {
      metadata: { name: 'local-pv' },
      spec: {
        capacity: { storage: '10Gi' },
        claimRef: { namespace: 'default', name: 'data' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }] } },
      },
    });
    cluster.create('persistentvolumeclaims', {
      metadata: { name: 'data', namespace: 'default', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
      spec: { volumeName: 'local-pv' },
      status: { phase: 'Bound' },
    });
    await scheduler.start();
    const withClaim = (name: string, claimName: string): Pod => {
      const pod = makePod(name).req({ cpu: '100m' }).obj();
      pod.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
      return pod;
    };
    for (let i = 0; i < 3; i++) cluster.create('pods', withClaim(`db-${i}`, 'data'));
    cluster.create('pods', withClaim('orphan', 'nope'));
    for (let i = 0; i < 3; i++) await until(`db-${i} bound`, () => boundTo(cluster, `db-${i}`));
    for (let i = 0; i < 3; i++) expect(boundTo(cluster, `db-${i}`)).toBe('n2');
    const event = await until('orphan reported', () => cluster.events.find((e) => e.regarding.name === 'orphan'));
    expect(event.note).toBe('0/2 nodes are available: persistentvolumeclaim "nope" not found.');
  });

  test('gated pods wait until their gates are removed', async () => {
    const { cluster, scheduler } = setup([makeNode('n1').capacity({ cpu: '4', memory: '4Gi', pods: '10' }).obj()]);
    running = scheduler;
    await scheduler.start();
    cluster.create('pods', makePod('g').req({ cpu: '1' }).schedulingGates('example.com/wait').obj());
    await new Promise((r) => setTimeout(r, 50));
    expect(boundTo(cluster, 'g')).toBeUndefined();
    expect(cluster.bindCalls).toBe(0);
    const pod = cluster.get('pods', 'default', 'g')!;
    pod.spec!.schedulingGates = [];
    cluster.update('pods', pod);
    await until('bound after ungating', () => boundTo(cluster, 'g'));
  });

  test('higher priority pods are scheduled first', async () => {
    const { cluster, scheduler } = setup([makeNode('n1').capacity({ cpu: '1', memory: '4Gi', pods: '10' }).obj()]);
    running = scheduler;
    cluster.create('pods', makePod('low').priority(1).req({ cpu: '1' }).obj());
    cluster.create('pods', makePod('high').priority(1000).req({ cpu: '1' }).obj());
    await scheduler.start();
    await until('one bound', () => boundTo(cluster, 'high') ?? boundTo(cluster, 'low'));
    await scheduler.drainBinds();
    expect(boundTo(cluster, 'high')).toBe('n1');
    expect(boundTo(cluster, 'low')).toBeUndefined();
  });
});

describe("the plugins' Handle", () => {
  let running: Scheduler | undefined;
  afterEach(async () => {
    await running?.stop(100);
    running = undefined;
  });

  test('loggerFor gives each plugin one child logger carrying {plugin}; DefaultBinder logs a failed bind through it', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    let handle: Handle | undefined;
    const registry = new Map([
      ...inTreeRegistry,
      ['Spy', { name: 'Spy', factory: (_args: unknown, h: Handle) => ((handle = h), { name: 'Spy', permit: () => ({ status: null }) }) }],
    ]);
    const withSpy = resolveConfig({ podInitialBackoffSeconds: 1, podMaxBackoffSeconds: 1, profiles: [{ schedulerName: 'berth', plugins: { permit: { enabled: [{ name: 'Spy' }] } } }] }, registry, defaultPlugins, 'berth');
    const cluster = new MemoryClusterClient();
    cluster.create('nodes', makeNode('n1').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj());
    const scheduler = new Scheduler({ client: cluster, config: withSpy, registry, logger: createLogger({ level: 'info', destination }), seed: 7 });
    running = scheduler;

    // Made once per plugin: every call hands back the same child.
    expect(handle!.loggerFor('Spy')).toBe(handle!.loggerFor('Spy'));
    expect(handle!.loggerFor('Spy')).not.toBe(handle!.loggerFor('DefaultBinder'));
    handle!.loggerFor('Spy').info({ detail: 1 }, 'spying');
    expect(lines.find((l) => l.msg === 'spying')).toMatchObject({ name: 'berth', plugin: 'Spy', detail: 1 });

    let failures = 1;
    cluster.beforeBind = () => {
      if (failures-- > 0) throw new ApiError(500, 'InternalError', 'etcd is having a bad day');
    };
    await scheduler.start();
    cluster.create('pods', makePod('p').obj());
    await until('bound after retry', () => boundTo(cluster, 'p'), 5_000);
    const failed = lines.filter((l) => l.msg === 'bind failed');
    expect(failed).toEqual([expect.objectContaining({ plugin: 'DefaultBinder', pod: 'default/p', node: 'n1', err: expect.objectContaining({ status: 500, reason: 'InternalError' }) as unknown })]);
  }, 10_000);
});
