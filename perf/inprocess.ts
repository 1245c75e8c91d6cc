// In-process benchmark: the real Scheduler (informers, cache, queue,
// framework, plugins, binding cycle) on the MemoryClusterClient, no
// apiserver. Nothing in src/ is changed for it: the time split is measured by
// wrapping methods of Berth's classes in this process only (see Profiler).
//
// How a run goes: N nodes are created and the scheduler started (informers
// synced); the init pods, if any, are created and scheduled unmeasured; then
// the M measured pods are created in batches of --batch, one batch per turn
// of the event loop (the in-memory client delivers informer events, and
// completes binds, on microtasks: the scheduler takes a whole batch before
// the next is created). Throughput: M / (time of the last bind − time the
// first measured pod was created). Latency of a pod: its creation to its
// bind returning, split into queue wait (created → popped), scheduling cycle
// (popped → assumed) and binding (assumed → bound).
import { PerformanceObserver } from 'node:perf_hooks';
import type { Pod } from '../src/api/types.ts';
import { ClusterCache } from '../src/cache/cache.ts';
import type { InformerHandler, PodRef } from '../src/cluster/client.ts';
import { MemoryClusterClient } from '../src/cluster/memory.ts';
import { resolveConfig } from '../src/config/scheduler-config.ts';
import { Framework } from '../src/framework/runtime.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { defaultPlugins, inTreeRegistry } from '../src/plugins/registry.ts';
import { SchedulingQueue } from '../src/queue/scheduling-queue.ts';
import { Algorithm } from '../src/scheduler/schedule-pod.ts';
import { Batches } from '../src/scheduler/batch.ts';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { percentile, round, say, sortedOf } from './lib.ts';
import { makeNode, makePod, type Placement, type Workload } from './workloads.ts';

export interface InProcessOptions {
  workload: Workload;
  nodes: number;
  pods: number;
  initPods: number;
  batch: number;
  /** parallelism.workers; undefined: the config's default (the cores available). */
  workers: number | undefined;
  batching: boolean;
  /** percentageOfNodesToScore (0: adaptive). */
  percentage: number;
  breakdown: boolean;
  timeoutSeconds: number;
  seed: number;
}

export interface InProcessResult {
  mode: 'inprocess';
  workload: string;
  nodes: number;
  pods: number;
  initPods: number;
  scheduler: 'berth';
  workers: number | null;
  batching: boolean;
  percentage: number;
  podsPerSecond: number;
  /**
   * Estimate: pods/s had the in-memory client cost nothing (its copies of
   * every object stored and delivered stand in for the apiserver's work and
   * the watch decoding); null with --no-breakdown.
   */
  podsPerSecondWithoutMemoryApi: number | null;
  seconds: number;
  scheduled: number;
  cpuSeconds: number;
  peakRssMB: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** p50 / p99 of each part of a pod's latency. */
  latencySplitMs: { queueWait: [number, number]; schedulingCycle: [number, number]; binding: [number, number] };
  /** Share of the run's wall time spent in each part, exclusive (a nested call counts to the inner part); null with --no-breakdown. */
  timeShare: Record<string, number> | null;
  gcShare: number;
  /** Opportunistic batching (src/scheduler/batch.ts): pods placed from a batch, full cycles kept, flushes by reason. */
  batch: { used: number; stored: number; rechecked: number; flushed: Record<string, number> } | null;
  violations: string[];
}

const SCHEDULER_NAME = 'perf-scheduler';
const NAMESPACE = 'perf';

/**
 * Exclusive wall time per category over a stack: entering a wrapped call
 * charges the time so far to the caller's category, leaving it charges the
 * callee's. Only synchronous work is seen: an async method is timed up to its
 * first await (what runs later is charged where it runs).
 */
class Profiler {
  readonly totals = new Map<string, number>();
  private readonly stack: string[] = [];
  private since = 0;
  private readonly restores: (() => void)[] = [];

  enter(category: string): void {
    const now = performance.now();
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) this.totals.set(top, (this.totals.get(top) ?? 0) + (now - this.since));
    this.stack.push(category);
    this.since = now;
  }

  exit(): void {
    const now = performance.now();
    const top = this.stack.pop()!;
    this.totals.set(top, (this.totals.get(top) ?? 0) + (now - this.since));
    this.since = now;
  }

  reset(): void {
    this.totals.clear();
  }

  /** Replaces target[method] with a call that runs `before`, then the method, timed unless `timed` is false; undone by restore(). */
  wrap(target: object, method: string, category: string, before?: (args: unknown[]) => void, timed = true): void {
    const holder = target as Record<string, unknown>;
    const original = holder[method];
    if (typeof original !== 'function') throw new Error(`cannot instrument ${method}: not a function`);
    const fn = original as (...args: unknown[]) => unknown;
    const enter = (c: string) => this.enter(c);
    const exit = () => this.exit();
    holder[method] = function (this: unknown, ...args: unknown[]): unknown {
      before?.(args);
      if (!timed) return fn.apply(this, args);
      enter(category);
      try {
        return fn.apply(this, args);
      } finally {
        exit();
      }
    };
    this.restores.push(() => {
      holder[method] = original;
    });
  }

  restore(): void {
    for (const undo of this.restores.reverse()) undo();
    this.restores.length = 0;
  }
}

function indexOfMeasured(name: string | undefined): number {
  return name?.startsWith('pod-') ? Number(name.slice(4)) : -1;
}

export async function runInProcess(o: InProcessOptions): Promise<InProcessResult> {
  const profiler = new Profiler();
  try {
    return await run(o, profiler);
  } finally {
    // Whatever failed, the next run in this process starts with nothing wrapped.
    profiler.restore();
  }
}

async function run(o: InProcessOptions, profiler: Profiler): Promise<InProcessResult> {
  const { workload } = o;
  const client = new MemoryClusterClient();
  const t0 = performance.now();
  for (let i = 0; i < o.nodes; i++) client.create('nodes', makeNode(i));
  client.create('namespaces', { metadata: { name: NAMESPACE } });
  say(`created ${o.nodes} nodes in memory (${round((performance.now() - t0) / 1000, 1)} s)`);

  const config = resolveConfig(
    {
      percentageOfNodesToScore: o.percentage,
      batching: { enabled: o.batching },
      ...(o.workers !== undefined ? { parallelism: { workers: o.workers } } : {}),
    },
    inTreeRegistry,
    defaultPlugins,
    SCHEDULER_NAME,
  );

  // --- per-pod timestamps (always on: a few Map-free array writes per pod) ---
  const created = new Float64Array(o.pods).fill(NaN);
  const popped = new Float64Array(o.pods).fill(NaN);
  const assumed = new Float64Array(o.pods).fill(NaN);
  const bound = new Float64Array(o.pods).fill(NaN);
  let boundCount = 0;
  let initBound = 0;
  let lastBind = 0;

  const originalBind = client.bind.bind(client);
  client.bind = async (ref: PodRef, nodeName: string): Promise<void> => {
    await originalBind(ref, nodeName);
    const i = indexOfMeasured(ref.name);
    if (i >= 0) {
      lastBind = performance.now();
      if (Number.isNaN(bound[i]!)) boundCount++;
      bound[i] = lastBind;
    } else initBound++;
  };
  profiler.wrap(Scheduler.prototype, 'scheduleOne', 'cycle glue', (args) => {
    // The scheduling loop calls scheduleOne as soon as pop() hands it the pod.
    const qpi = args[0] as { podInfo: { name: string } };
    const i = indexOfMeasured(qpi.podInfo.name);
    if (i >= 0 && Number.isNaN(popped[i]!)) popped[i] = performance.now();
  }, o.breakdown);
  profiler.wrap(ClusterCache.prototype, 'assumePod', 'assume+reserve', (args) => {
    const i = indexOfMeasured((args[0] as { name: string }).name);
    if (i >= 0) assumed[i] = performance.now();
  }, o.breakdown);

  if (o.breakdown) {
    for (const m of [
      'pop',
      'add',
      'update',
      'delete',
      'done',
      'addUnschedulableIfNotPresent',
      'requeueAfterError',
      'moveAllToActiveOrBackoffQueue',
      'assignedPodAdded',
      'assignedPodUpdated',
      'assignedPodDeleted',
      'flushBackoffCompleted',
      'flushUnschedulableLeftover',
    ]) {
      profiler.wrap(SchedulingQueue.prototype, m, 'queue');
    }
    profiler.wrap(ClusterCache.prototype, 'updateSnapshot', 'snapshot');
    profiler.wrap(ClusterCache.prototype, 'finishBinding', 'bind');
    // What the scheduler calls (schedulePod is the inline-only entry point); with work on the
    // worker pool, only the part before the hand-off counts here.
    profiler.wrap(Algorithm.prototype, 'schedule', 'filter');
    profiler.wrap(Batches.prototype, 'reuse', 'batch');
    profiler.wrap(Framework.prototype, 'runPreFilterPlugins', 'prefilter');
    profiler.wrap(Framework.prototype, 'runPreScorePlugins', 'prescore');
    profiler.wrap(Framework.prototype, 'runScorePlugins', 'score');
    profiler.wrap(Framework.prototype, 'runReservePlugins', 'assume+reserve');
    profiler.wrap(Framework.prototype, 'runPermitPlugins', 'assume+reserve');
    profiler.wrap(Framework.prototype, 'runPreBindPlugins', 'bind');
    profiler.wrap(Framework.prototype, 'runBindPlugins', 'bind');
    profiler.wrap(Framework.prototype, 'runPostBindPlugins', 'bind');
    profiler.wrap(client, 'create', 'in-memory api');
    profiler.wrap(client, 'update', 'in-memory api');
    profiler.wrap(client, 'recordEvent', 'in-memory api');
    profiler.wrap(client, 'bind', 'in-memory api');
    profiler.wrap(client, 'updatePodStatus', 'in-memory api');
    // The in-memory client copies every object it stores and delivers: charge the copies to it.
    profiler.wrap(globalThis, 'structuredClone', 'in-memory api');
    const originalInformer = client.informer.bind(client);
    client.informer = ((kind: Parameters<MemoryClusterClient['informer']>[0], handler: InformerHandler<unknown>, options?: object) => {
      const timed: InformerHandler<unknown> = {
        onAdd: (obj) => {
          profiler.enter('informer');
          try {
            handler.onAdd(obj);
          } finally {
            profiler.exit();
          }
        },
        onUpdate: (oldObj, newObj) => {
          profiler.enter('informer');
          try {
            handler.onUpdate(oldObj, newObj);
          } finally {
            profiler.exit();
          }
        },
        onDelete: (obj) => {
          profiler.enter('informer');
          try {
            handler.onDelete(obj);
          } finally {
            profiler.exit();
          }
        },
      };
      return originalInformer(kind, timed as never, options);
    });
  }

  const scheduler = new Scheduler({ client, config, registry: inTreeRegistry, logger: silentLogger(), seed: o.seed });
  await scheduler.start();
  say(`scheduler started: ${scheduler.cache.nodeCount} nodes in its cache`);

  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const deadline = () => performance.now() + o.timeoutSeconds * 1000;

  if (o.initPods > 0) {
    for (let i = 0; i < o.initPods; i++) {
      client.create('pods', makePod(workload, i, NAMESPACE, SCHEDULER_NAME, 'init'));
      if (i % o.batch === o.batch - 1) await turn();
    }
    const until = deadline();
    while (initBound < o.initPods && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    say(`${initBound}/${o.initPods} init pods bound`);
  }

  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  // --- the measured part ------------------------------------------------------
  profiler.reset();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let lastProgress = start;
  for (let i = 0; i < o.pods; i++) {
    const pod: Pod = makePod(workload, i, NAMESPACE, SCHEDULER_NAME);
    created[i] = performance.now();
    client.create('pods', pod);
    if (i % o.batch === o.batch - 1 || i === o.pods - 1) {
      await turn();
      const now = performance.now();
      if (now - lastProgress > 1000) {
        lastProgress = now;
        say(`  ${i + 1} created, ${boundCount} bound after ${round((now - start) / 1000, 1)} s`);
      }
    }
  }
  const until = deadline();
  let lastCount = -1;
  let lastChange = performance.now();
  while (boundCount < o.pods && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    const now = performance.now();
    if (boundCount !== lastCount) {
      lastCount = boundCount;
      lastChange = now;
    } else if (now - lastChange > 15_000) {
      say(`  no bind for 15 s: stopping with ${boundCount}/${o.pods} bound`);
      break;
    }
    if (now - lastProgress > 1000) {
      lastProgress = now;
      say(`  ${boundCount}/${o.pods} bound after ${round((now - start) / 1000, 1)} s`);
    }
  }
  const end = boundCount > 0 ? lastBind : performance.now();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = end - start;
  gcObserver.disconnect();
  profiler.restore();
  const batchStats = scheduler.batchStats;
  await scheduler.stop(1000);

  const placements: Placement[] = client
    .list('pods')
    .filter((p) => p.spec?.nodeName)
    .map((p) => ({ name: p.metadata!.name!, labels: p.metadata?.labels ?? {}, node: p.spec!.nodeName! }));
  const nodeZone = (node: string) => client.get('nodes', undefined, node)?.metadata?.labels?.['topology.kubernetes.io/zone'];
  const violations = workload.check(placements, nodeZone);
  if (boundCount < o.pods) violations.unshift(`${o.pods - boundCount} of ${o.pods} pods not bound`);

  const lat: number[] = [];
  const queueWait: number[] = [];
  const cycle: number[] = [];
  const binding: number[] = [];
  for (let i = 0; i < o.pods; i++) {
    if (Number.isNaN(bound[i]!)) continue;
    lat.push(bound[i]! - created[i]!);
    queueWait.push(popped[i]! - created[i]!);
    cycle.push(assumed[i]! - popped[i]!);
    binding.push(bound[i]! - assumed[i]!);
  }
  const s = sortedOf(lat);
  const p = (values: number[]): [number, number] => {
    const sorted = sortedOf(values);
    return [round(percentile(sorted, 50), 3), round(percentile(sorted, 99), 3)];
  };

  let timeShare: Record<string, number> | null = null;
  let withoutApi: number | null = null;
  if (o.breakdown) {
    timeShare = {};
    let accounted = 0;
    const order = ['queue', 'snapshot', 'prefilter', 'filter', 'batch', 'prescore', 'score', 'assume+reserve', 'bind', 'cycle glue', 'informer', 'in-memory api'];
    for (const category of order) {
      const ms = profiler.totals.get(category) ?? 0;
      accounted += ms;
      timeShare[category] = round(ms / wallMs, 3);
    }
    timeShare.other = round(Math.max(0, wallMs - accounted) / wallMs, 3);
    withoutApi = Math.round((boundCount / (wallMs - (profiler.totals.get('in-memory api') ?? 0))) * 1000);
  }

  return {
    mode: 'inprocess',
    workload: workload.name,
    nodes: o.nodes,
    pods: o.pods,
    initPods: o.initPods,
    scheduler: 'berth',
    workers: config.parallelism.workers,
    batching: o.batching,
    percentage: o.percentage,
    podsPerSecond: Math.round((boundCount / wallMs) * 1000),
    podsPerSecondWithoutMemoryApi: withoutApi,
    seconds: round(wallMs / 1000, 3),
    scheduled: boundCount,
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    latencyMs: {
      p50: round(percentile(s, 50), 3),
      p90: round(percentile(s, 90), 3),
      p99: round(percentile(s, 99), 3),
      max: round(percentile(s, 100), 3),
    },
    latencySplitMs: { queueWait: p(queueWait), schedulingCycle: p(cycle), binding: p(binding) },
    timeShare,
    gcShare: round(gcMs / wallMs, 3),
    batch: batchStats ? { used: batchStats.used, stored: batchStats.stored, rechecked: batchStats.rechecked, flushed: { ...batchStats.flushed } } : null,
    violations,
  };
}
