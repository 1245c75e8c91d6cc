// The metrics: upstream's names, types, labels and buckets; the fast
// histogram against prom-client's own; and the scheduler instrumented on the
// in-memory cluster, where after N pods the metrics must say N.
import { Histogram, Registry, register as globalRegistry } from 'prom-client';
import { MemoryClusterClient } from '../cluster/memory.ts';
import { resolveConfig } from '../config/scheduler-config.ts';
import { CycleState } from '../framework/cycle-state.ts';
import { Code, Status } from '../framework/status.ts';
import { silentLogger } from '../logging/logger.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { makeNode, makePod } from '../testing/builders.ts';
import { parseExposition, sampleValue, sumOf, type Exposition } from './exposition.ts';
import { FastHistogram } from './fast-histogram.ts';
import { attemptsLabel, METRIC, SchedulerMetrics } from './metrics.ts';

/** Go's prometheus.ExponentialBuckets, as upstream calls it. */
function goExponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++, start *= factor) out.push(start);
  return out;
}

async function scrape(metrics: SchedulerMetrics): Promise<Exposition> {
  return parseExposition(await metrics.text());
}

describe('metric names, types, labels and buckets are upstream kube-scheduler\'s', () => {
  // pkg/scheduler/metrics/metrics.go, and component-base's leader election gauge.
  const table: { name: string; type: string; labels: string[]; buckets?: number[] }[] = [
    { name: 'scheduler_schedule_attempts_total', type: 'counter', labels: ['result', 'profile'] },
    { name: 'scheduler_scheduling_attempt_duration_seconds', type: 'histogram', labels: ['result', 'profile'], buckets: goExponentialBuckets(0.001, 2, 15) },
    { name: 'scheduler_pending_pods', type: 'gauge', labels: ['queue'] },
    {
      name: 'scheduler_framework_extension_point_duration_seconds',
      type: 'histogram',
      labels: ['extension_point', 'status', 'profile'],
      buckets: goExponentialBuckets(0.0001, 2, 12),
    },
    {
      name: 'scheduler_plugin_execution_duration_seconds',
      type: 'histogram',
      labels: ['plugin', 'extension_point', 'status'],
      buckets: goExponentialBuckets(0.00001, 1.5, 20),
    },
    { name: 'scheduler_queue_incoming_pods_total', type: 'counter', labels: ['queue', 'event'] },
    { name: 'scheduler_pod_scheduling_attempts', type: 'histogram', labels: [], buckets: goExponentialBuckets(1, 2, 5) },
    { name: 'scheduler_pod_scheduling_sli_duration_seconds', type: 'histogram', labels: ['attempts'], buckets: goExponentialBuckets(0.01, 2, 20) },
    { name: 'scheduler_unschedulable_pods', type: 'gauge', labels: ['plugin', 'profile'] },
    { name: 'scheduler_preemption_attempts_total', type: 'counter', labels: [] },
    { name: 'scheduler_preemption_victims', type: 'histogram', labels: [], buckets: goExponentialBuckets(1, 2, 7) },
    { name: 'leader_election_master_status', type: 'gauge', labels: ['name'] },
    // Opportunistic batching (KEP-5598), upstream's names and labels.
    { name: 'scheduler_batch_attempts_total', type: 'counter', labels: ['profile', 'result'] },
    { name: 'scheduler_batch_cache_flushed_total', type: 'counter', labels: ['profile', 'reason'] },
    { name: 'scheduler_batch_rescore_attempts_total', type: 'counter', labels: ['profile'] },
  ];

  test('every metric the issue lists is in the table, and METRIC names them', () => {
    expect(Object.values(METRIC).sort()).toEqual(table.map((t) => t.name).sort());
  });

  test.each(table)('$name', async ({ name, type, labels, buckets }) => {
    const metrics = new SchedulerMetrics({ processMetrics: false });
    const label = Object.fromEntries(labels.map((l) => [l, 'x']));
    // One observation, so that every metric has a series to look at.
    const metric = metrics.registry.getSingleMetric(name) as unknown as {
      inc?: (l: object) => void;
      set?: (l: object, v: number) => void;
      observe?: (l: object, v: number) => void;
      series?: (l: object) => number;
    };
    if (metric instanceof FastHistogram) metric.observe(metric.series(label), 0.5);
    else if (type === 'counter') metric.inc!(label);
    else if (type === 'gauge') metric.set!(label, 1);
    else metric.observe!(label, 0.5);

    const text = await metrics.registry.getSingleMetricAsString(name);
    const parsed = parseExposition(text);
    expect(parsed.types.get(name)).toBe(type);
    const own = parsed.samples.filter((s) => (type === 'histogram' ? s.name === `${name}_count` : s.name === name));
    expect(own.length).toBeGreaterThan(0);
    for (const s of own) expect(Object.keys(s.labels).sort()).toEqual([...labels].sort());
    if (buckets) {
      const les = parsed.samples.filter((s) => s.name === `${name}_bucket` && Object.entries(label).every(([k, v]) => s.labels[k] === v)).map((s) => s.labels.le);
      expect(les).toEqual([...buckets.map((b) => String(b)), '+Inf']);
    }
  });

  test('attempts label: a number, capped at "15+" as upstream', () => {
    expect([1, 2, 14, 15, 99].map(attemptsLabel)).toEqual(['1', '2', '14', '15+', '15+']);
  });

  test('each SchedulerMetrics has its own registry; the global one stays empty', async () => {
    const a = new SchedulerMetrics();
    const b = new SchedulerMetrics();
    a.setLeader(true);
    expect(sampleValue(await scrape(a), 'leader_election_master_status', { name: 'berth' })).toBe(1);
    expect(sampleValue(await scrape(b), 'leader_election_master_status', { name: 'berth' })).toBe(0);
    expect(await globalRegistry.metrics()).toBe('\n');
  });

  test('Node.js process metrics are exported, and can be left out', async () => {
    const names = (await scrape(new SchedulerMetrics())).types;
    for (const n of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(names.has(n)).toBe(true);
    }
    expect((await scrape(new SchedulerMetrics({ processMetrics: false }))).types.has('process_cpu_user_seconds_total')).toBe(false);
  });

  test('setLeader names the lease', async () => {
    const metrics = new SchedulerMetrics({ leaseName: 'berth-east', processMetrics: false });
    metrics.setLeader(true);
    expect(sampleValue(await scrape(metrics), 'leader_election_master_status', { name: 'berth-east' })).toBe(1);
    metrics.setLeader(false);
    expect(sampleValue(await scrape(metrics), 'leader_election_master_status', { name: 'berth-east' })).toBe(0);
  });

  test('a sample percent outside [0, 100] is refused', () => {
    expect(() => new SchedulerMetrics({ pluginSamplePercent: 101 })).toThrow('options.pluginSamplePercent must be in [0, 100]');
  });
});

describe('FastHistogram', () => {
  test('renders what prom-client\'s Histogram renders for the same observations', async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const slow = new Registry();
    const fast = new Registry();
    const h = new Histogram({ name: 'h', help: 'h', labelNames: ['a', 'b'], buckets, registers: [slow] });
    const f = new FastHistogram({ name: 'h', help: 'h', labelNames: ['a', 'b'], buckets, registry: fast });
    const values = [0, 0.001, 0.0011, 0.05, 0.1, 0.5, 1, 7, 1e-9];
    for (const [i, v] of values.entries()) {
      const labels = { a: i % 2 ? 'odd' : 'even', b: 'x"y\\z' };
      h.observe(labels, v);
      f.observe(f.series(labels), v);
    }
    const sort = (e: Exposition) =>
      e.samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`).sort();
    expect(sort(parseExposition(await fast.metrics()))).toEqual(sort(parseExposition(await slow.metrics())));
  });

  test('a series made but never observed is not exported', async () => {
    const registry = new Registry();
    const f = new FastHistogram({ name: 'h', help: 'h', labelNames: ['a'], buckets: [1], registry });
    f.series({ a: 'never' });
    expect(parseExposition(await registry.metrics()).samples).toEqual([]);
  });

  test('buckets must ascend', () => {
    expect(() => new FastHistogram({ name: 'h', help: 'h', labelNames: [], buckets: [1, 1], registry: new Registry() })).toThrow('h: buckets must be ascending');
  });
});

describe('plugin duration sampling', () => {
  test.each([
    { percent: 10, draw: 0.05, sampled: true },
    { percent: 10, draw: 0.1, sampled: false },
    { percent: 0, draw: 0, sampled: false },
    { percent: 100, draw: 0.999, sampled: true },
  ])('$percent% with a draw of $draw: sampled $sampled', ({ percent, draw, sampled }) => {
    const recorder = new SchedulerMetrics({ processMetrics: false, pluginSamplePercent: percent, random: () => draw }).frameworkRecorder('p');
    const state = new CycleState();
    recorder.startCycle(state);
    expect(recorder.isSampled(state)).toBe(sampled);
    expect(recorder.isSampled(new CycleState())).toBe(false);
    expect(recorder.sampleOnce()).toBe(sampled);
  });
});

// --- the scheduler, instrumented ---------------------------------------------

const config = resolveConfig({ podInitialBackoffSeconds: 1, podMaxBackoffSeconds: 1 }, inTreeRegistry, defaultPlugins, 'berth');

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the scheduler on the in-memory cluster, instrumented', () => {
  const N = 12;
  const NODES = 3;
  let scheduler: Scheduler | undefined;
  afterEach(async () => {
    await scheduler?.stop(100);
    scheduler = undefined;
  });

  function setup(samplePercent: number) {
    const cluster = new MemoryClusterClient();
    for (let i = 0; i < NODES; i++) cluster.create('nodes', makeNode(`n${i}`).capacity({ cpu: '8', memory: '16Gi', pods: '110' }).obj());
    const metrics = new SchedulerMetrics({ processMetrics: false, pluginSamplePercent: samplePercent });
    // Every pod gets a full cycle (no batching: src/scheduler/batch.ts), so per-node counts are exact.
    const unbatched = { ...config, batching: { enabled: false, maxAgeMs: 0 } };
    scheduler = new Scheduler({ client: cluster, config: unbatched, registry: inTreeRegistry, logger: silentLogger(), seed: 7, metrics });
    return { cluster, metrics, scheduler };
  }

  const bound = (cluster: MemoryClusterClient) => cluster.list('pods').filter((p) => p.spec?.nodeName).length;

  test('with batching on: attempts by result, rescored nodes, and Score run only by full cycles', async () => {
    const cluster = new MemoryClusterClient();
    for (let i = 0; i < NODES; i++) cluster.create('nodes', makeNode(`n${i}`).capacity({ cpu: '8', memory: '16Gi', pods: '110' }).obj());
    const metrics = new SchedulerMetrics({ processMetrics: false });
    scheduler = new Scheduler({ client: cluster, config, registry: inTreeRegistry, logger: silentLogger(), seed: 7, metrics });
    await scheduler.start();
    for (let i = 0; i < N; i++) cluster.create('pods', makePod(`p${i}`).req({ cpu: '100m', memory: '128Mi' }).obj());
    await until('all bound', () => bound(cluster) === N);
    await scheduler.drainBinds();
    const m = await scrape(metrics);
    const stats = scheduler.batchStats!;
    expect(stats.used).toBeGreaterThan(0);
    expect(sampleValue(m, METRIC.batchAttempts, { profile: 'berth', result: 'hint_used' })).toBe(stats.used);
    expect(sampleValue(m, METRIC.batchAttempts, { profile: 'berth', result: 'no_hint' })).toBe(N - stats.used);
    expect(sampleValue(m, METRIC.batchRescoreAttempts, { profile: 'berth' })).toBe(stats.rechecked);
    const flushed = Object.values(stats.flushed).reduce((a, b) => a + b, 0);
    let exported = 0;
    for (const reason of Object.keys(stats.flushed)) exported += sampleValue(m, METRIC.batchCacheFlushed, { profile: 'berth', reason }) ?? 0;
    expect(exported).toBe(flushed);
    expect(sampleValue(m, `${METRIC.extensionPointDuration}_count`, { extension_point: 'Score', status: 'Success', profile: 'berth' })).toBe(N - stats.used);
    expect(sampleValue(m, `${METRIC.extensionPointDuration}_count`, { extension_point: 'PreFilter', status: 'Success', profile: 'berth' })).toBe(N);
  });

  test(`after ${N} pods are bound, the metrics say ${N}`, async () => {
    const { cluster, metrics, scheduler } = setup(100);
    await scheduler.start();
    for (let i = 0; i < N; i++) cluster.create('pods', makePod(`p${i}`).req({ cpu: '100m', memory: '128Mi' }).obj());
    await until('all bound', () => bound(cluster) === N);
    await scheduler.drainBinds();
    const m = await scrape(metrics);

    expect(sampleValue(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', profile: 'berth' })).toBe(N);
    expect(sampleValue(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable' })).toBeUndefined();
    expect(sampleValue(m, 'scheduler_scheduling_attempt_duration_seconds_count', { result: 'scheduled', profile: 'berth' })).toBe(N);
    expect(sampleValue(m, 'scheduler_pod_scheduling_attempts_count')).toBe(N);
    expect(sampleValue(m, 'scheduler_pod_scheduling_attempts_sum')).toBe(N);
    expect(sampleValue(m, 'scheduler_pod_scheduling_attempts_bucket', { le: '1' })).toBe(N);
    expect(sampleValue(m, 'scheduler_pod_scheduling_sli_duration_seconds_count', { attempts: '1' })).toBe(N);
    for (const queue of ['active', 'backoff', 'unschedulable', 'gated']) expect(sampleValue(m, 'scheduler_pending_pods', { queue })).toBe(0);
    expect(sampleValue(m, 'scheduler_queue_incoming_pods_total', { queue: 'active', event: 'UnschedulablePodAdd' })).toBe(N);

    // Every cycle times its extension points; all went well.
    for (const point of ['PreFilter', 'PreScore', 'Score', 'Reserve', 'Permit', 'PreBind', 'Bind', 'PostBind']) {
      expect([point, sampleValue(m, 'scheduler_framework_extension_point_duration_seconds_count', { extension_point: point, status: 'Success', profile: 'berth' })]).toEqual([point, N]);
    }
    expect(sampleValue(m, 'scheduler_framework_extension_point_duration_seconds_count', { extension_point: 'PreEnqueue', status: 'Success' })).toBe(N);
    // Filter has no extension point duration upstream (it runs per node), only plugin durations.
    expect(sumOf(m, 'scheduler_framework_extension_point_duration_seconds_count', { extension_point: 'Filter' })).toBe(0);

    // Every cycle sampled (100%): each Filter plugin ran once per node per pod.
    expect(sampleValue(m, 'scheduler_plugin_execution_duration_seconds_count', { plugin: 'NodeResourcesFit', extension_point: 'Filter', status: 'Success' })).toBe(
      N * NODES,
    );
    expect(sampleValue(m, 'scheduler_plugin_execution_duration_seconds_count', { plugin: 'NodeResourcesFit', extension_point: 'Score', status: 'Success' })).toBe(N * NODES);
    expect(sampleValue(m, 'scheduler_plugin_execution_duration_seconds_count', { plugin: 'DefaultBinder', extension_point: 'Bind', status: 'Success' })).toBe(N);
    // Plugin labels come from the registry: no other names.
    const plugins = new Set(m.samples.filter((s) => s.name === 'scheduler_plugin_execution_duration_seconds_count').map((s) => s.labels.plugin!));
    for (const p of plugins) expect(inTreeRegistry.has(p)).toBe(true);

    expect(sampleValue(m, 'scheduler_preemption_attempts_total')).toBe(0);
    expect(sampleValue(m, 'scheduler_preemption_victims_count')).toBe(0);
    expect(sampleValue(m, 'leader_election_master_status', { name: 'berth' })).toBe(0);
  });

  test('with sampling off, no plugin durations; extension points are still timed', async () => {
    const { cluster, metrics, scheduler } = setup(0);
    await scheduler.start();
    for (let i = 0; i < 3; i++) cluster.create('pods', makePod(`p${i}`).req({ cpu: '100m' }).obj());
    await until('all bound', () => bound(cluster) === 3);
    await scheduler.drainBinds();
    const m = await scrape(metrics);
    expect(sumOf(m, 'scheduler_plugin_execution_duration_seconds_count')).toBe(0);
    expect(sampleValue(m, 'scheduler_framework_extension_point_duration_seconds_count', { extension_point: 'Bind', status: 'Success' })).toBe(3);
  });

  test('an unschedulable pod: counted by result, pending queue and rejecting plugin, back to 0 when deleted', async () => {
    const { cluster, metrics, scheduler } = setup(10);
    await scheduler.start();
    cluster.create('pods', makePod('huge').req({ cpu: '64' }).obj());
    await until('rejected', () => cluster.events.find((e) => e.reason === 'FailedScheduling'));
    let m = await scrape(metrics);
    expect(sampleValue(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable', profile: 'berth' })).toBe(1);
    expect(sampleValue(m, 'scheduler_scheduling_attempt_duration_seconds_count', { result: 'unschedulable' })).toBe(1);
    expect(sampleValue(m, 'scheduler_pending_pods', { queue: 'unschedulable' })).toBe(1);
    expect(sampleValue(m, 'scheduler_unschedulable_pods', { plugin: 'NodeResourcesFit', profile: 'berth' })).toBe(1);
    expect(sampleValue(m, 'scheduler_queue_incoming_pods_total', { queue: 'unschedulable', event: 'ScheduleAttemptFailure' })).toBe(1);
    // Not bound: nothing for the per-pod histograms.
    expect(sampleValue(m, 'scheduler_pod_scheduling_attempts_count')).toBe(0);

    cluster.remove('pods', 'default', 'huge');
    await until('gone from the queue', () => scheduler.queue.pendingPods().unschedulable === 0);
    m = await scrape(metrics);
    expect(sampleValue(m, 'scheduler_pending_pods', { queue: 'unschedulable' })).toBe(0);
    expect(sampleValue(m, 'scheduler_unschedulable_pods', { plugin: 'NodeResourcesFit', profile: 'berth' })).toBe(0);
  });

  test('a failed bind counts as an error attempt; the retry as scheduled, with 2 attempts', async () => {
    const { cluster, metrics, scheduler } = setup(10);
    let failures = 1;
    cluster.beforeBind = () => {
      if (failures-- > 0) throw new Error('etcd is having a bad day');
    };
    await scheduler.start();
    cluster.create('pods', makePod('p').req({ cpu: '100m' }).obj());
    await until('bound after retry', () => bound(cluster) === 1);
    await scheduler.drainBinds();
    const m = await scrape(metrics);
    expect(sampleValue(m, 'scheduler_schedule_attempts_total', { result: 'error', profile: 'berth' })).toBe(1);
    expect(sampleValue(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', profile: 'berth' })).toBe(1);
    expect(sampleValue(m, 'scheduler_pod_scheduling_attempts_sum')).toBe(2);
    expect(sampleValue(m, 'scheduler_pod_scheduling_sli_duration_seconds_count', { attempts: '2' })).toBe(1);
    expect(sampleValue(m, 'scheduler_framework_extension_point_duration_seconds_count', { extension_point: 'Bind', status: 'Error' })).toBe(1);
    expect(sampleValue(m, 'scheduler_framework_extension_point_duration_seconds_count', { extension_point: 'Unreserve', status: 'Success' })).toBe(1);
  });

  // Upstream's handleSchedulingFailure: a rejection (IsRejected) is an unschedulable attempt wherever it
  // came from, Reserve and Permit included; only a Code.Error is an error attempt.
  test.each<{ point: 'reserve' | 'permit'; code: keyof typeof Code; result: 'unschedulable' | 'error'; condition: string }>([
    { point: 'reserve', code: 'Unschedulable', result: 'unschedulable', condition: 'Unschedulable' },
    { point: 'reserve', code: 'UnschedulableAndUnresolvable', result: 'unschedulable', condition: 'Unschedulable' },
    { point: 'permit', code: 'Unschedulable', result: 'unschedulable', condition: 'Unschedulable' },
    { point: 'permit', code: 'UnschedulableAndUnresolvable', result: 'unschedulable', condition: 'Unschedulable' },
    { point: 'reserve', code: 'Error', result: 'error', condition: 'SchedulerError' },
    { point: 'permit', code: 'Error', result: 'error', condition: 'SchedulerError' },
  ])('$point returning $code: counted as result=$result, PodScheduled=False $condition', async ({ point, code, result, condition }) => {
    const verdict = () => new Status(Code[code], ['no room in the ledger']);
    const plugin = { name: 'Ledger', reserve: verdict, unreserve: () => {}, permit: () => ({ status: verdict() }) };
    const registry = new Map([...inTreeRegistry, ['Ledger', { name: 'Ledger', factory: () => plugin }]]);
    const withLedger = resolveConfig(
      { podInitialBackoffSeconds: 1, podMaxBackoffSeconds: 1, profiles: [{ schedulerName: 'berth', plugins: { [point]: { enabled: [{ name: 'Ledger' }] } } }] },
      registry,
      defaultPlugins,
      'berth',
    );
    const cluster = new MemoryClusterClient();
    cluster.create('nodes', makeNode('n0').capacity({ cpu: '8', memory: '16Gi', pods: '110' }).obj());
    const metrics = new SchedulerMetrics({ processMetrics: false });
    const s = new Scheduler({ client: cluster, config: withLedger, registry, logger: silentLogger(), seed: 7, metrics });
    scheduler = s;
    await s.start();
    cluster.create('pods', makePod('p').req({ cpu: '100m' }).obj());
    const event = await until('rejected', () => cluster.events.find((e) => e.reason === 'FailedScheduling'));
    const m = await scrape(metrics);
    const other = result === 'error' ? 'unschedulable' : 'error';
    expect(sampleValue(m, METRIC.scheduleAttempts, { result, profile: 'berth' })).toBe(1);
    expect(sampleValue(m, METRIC.scheduleAttempts, { result: other, profile: 'berth' })).toBeUndefined();
    expect(sampleValue(m, `${METRIC.schedulingAttemptDuration}_count`, { result, profile: 'berth' })).toBe(1);
    // The rest of upstream's handling agrees: a rejected pod waits for an event its rejecter cares about; a failed one backs off.
    expect(sampleValue(m, METRIC.unschedulablePods, { plugin: 'Ledger', profile: 'berth' })).toBe(result === 'unschedulable' ? 1 : undefined);
    const pod = await until('PodScheduled=False', () => cluster.get('pods', 'default', 'p')?.status?.conditions?.find((c) => c.type === 'PodScheduled'));
    expect([pod.status, pod.reason]).toEqual(['False', condition]);
    // Upstream's words for a rejection: a FitError over the one node the pod was reserved on.
    if (result === 'unschedulable') expect(event.note).toBe('0/1 nodes are available: 1 no room in the ledger.');
    else expect(event.note).toContain('no room in the ledger');
    expect(cluster.list('pods').filter((p) => p.spec?.nodeName)).toEqual([]);
  });

  test('the loop heartbeat: stopped before start, idle when there is nothing to do, stopped after stop', async () => {
    const { scheduler: s } = setup(10);
    expect(s.heartbeat().state).toBe('stopped');
    await s.start();
    await until('idle', () => s.heartbeat().state === 'idle');
    await s.stop(100);
    expect(s.heartbeat().state).toBe('stopped');
    scheduler = undefined;
  });
});
