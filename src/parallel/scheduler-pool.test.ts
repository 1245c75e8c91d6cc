// The Scheduler with its worker pool, on the in-memory cluster: the same
// cluster and pods give the same placements whatever the worker count; a
// worker that dies is replaced and its task retried, a pod whose tasks kill
// their workers every time fails with a SchedulerError and is retried with
// backoff while the scheduler goes on; stop() ends the threads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, TopologySpreadConstraint } from '../api/types.ts';
import { MemoryClusterClient } from '../cluster/memory.ts';
import { resolveConfig } from '../config/scheduler-config.ts';
import type { Registry } from '../framework/runtime.ts';
import { silentLogger } from '../logging/logger.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import type { Clock } from '../queue/clock.ts';
import { realClock } from '../queue/clock.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { makeNode, makePod } from '../testing/builders.ts';
import type { PoolParallelizer } from './pool.ts';
import { CRASH_ANNOTATION, MARKER_ANNOTATION, WORKER_EXIT_CODE, registryEntries } from './testing/fixture-plugins.ts';

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Queue timestamps that never tie: the pop order is the creation order, however long cycles take. */
function countingClock(): Clock {
  let t = 0;
  return { now: () => ++t, every: (ms, fn) => realClock.every(ms, fn) };
}

function nodes(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const b = makeNode(`n${i}`).label(ZONE, `z${i % 3}`).label(HOSTNAME, `n${i}`).capacity({ cpu: i % 5 === 0 ? '2' : '8', memory: '16Gi', pods: '110' });
    if (i % 7 === 0) b.taint('dedicated', 'db', 'NoSchedule');
    if (i % 4 === 0) b.image(['registry.example/big:1'], 500 * 1024 * 1024);
    return b.obj();
  });
}

/** Pods that all fit at their first attempt (so no retry timing enters the placements), over most plugins. */
function pods(count: number): Pod[] {
  const spread = (key: string, when: 'DoNotSchedule' | 'ScheduleAnyway'): TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey: key,
    whenUnsatisfiable: when,
    labelSelector: { matchLabels: { app: 'spread' } },
  });
  return Array.from({ length: count }, (_, i) => {
    const b = makePod(`p${i}`).req({ cpu: '200m', memory: '256Mi' });
    switch (i % 7) {
      case 1:
        b.nodeAffinityRequired(ZONE, 'In', ['z0', 'z1']).nodeAffinityPreferred(3, ZONE, 'In', ['z0']);
        break;
      case 2:
        b.label('app', 'spread').spreadConstraint(spread(ZONE, 'DoNotSchedule')).spreadConstraint(spread(HOSTNAME, 'ScheduleAnyway'));
        break;
      case 3:
        b.label('app', 'anti').podAffinity('antiAffinity', { topologyKey: HOSTNAME, labelSelector: { matchLabels: { app: 'anti' } } });
        break;
      case 4:
        b.toleration({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }).req({ cpu: '100m' }, 'registry.example/big:1');
        break;
      case 5:
        b.hostPort(9000 + (i % 3)).req({ cpu: '1' });
        break;
      case 6:
        b.nodeSelector({ [ZONE]: 'z2' });
        break;
      default:
        break;
    }
    return b.obj();
  });
}

describe('Scheduler with a worker pool', () => {
  test('500 nodes, 300 pods: the same placements with workers 0, 1, 2 and 4', async () => {
    const placements: Record<string, string>[] = [];
    for (const workers of [0, 1, 2, 4]) {
      const cluster = new MemoryClusterClient();
      for (const n of nodes(500)) cluster.create('nodes', n);
      for (const p of pods(300)) cluster.create('pods', p);
      const config = resolveConfig({ parallelism: { workers, minNodesPerTask: 8 } }, inTreeRegistry, defaultPlugins, 'berth');
      const scheduler = new Scheduler({ client: cluster, config, registry: inTreeRegistry, logger: silentLogger(), seed: 3, clock: countingClock() });
      try {
        await scheduler.start();
        await until('all bound', () => scheduler.stats.scheduled === 300);
        expect(scheduler.stats).toMatchObject({ unschedulable: 0, errors: 0 });
        if (workers > 0) {
          const stats = (scheduler.parallelizer as PoolParallelizer).stats;
          expect(stats.filterFanOuts).toBe(300);
          expect(stats.scoreFanOuts).toBeGreaterThan(250);
        }
      } finally {
        await scheduler.stop(1_000);
      }
      placements.push(Object.fromEntries(cluster.list('pods').map((p) => [p.metadata!.name!, p.spec!.nodeName ?? ''])));
    }
    expect(Object.keys(placements[0]!)).toHaveLength(300);
    for (const p of placements.slice(1)) expect(p).toEqual(placements[0]);
  }, 120_000);

  test('a worker that dies is replaced and its task retried; one that always dies fails the pod cleanly, and scheduling goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-crash-'));
    const registry: Registry = new Map([...inTreeRegistry, ...registryEntries.map((e) => [e.name, e] as const)]);
    const config = resolveConfig(
      {
        podInitialBackoffSeconds: 1,
        podMaxBackoffSeconds: 1,
        parallelism: { workers: 2, minNodesPerTask: 10 },
        profiles: [{ schedulerName: 'berth', plugins: { multiPoint: { enabled: [{ name: 'CrashingFilter' }] } } }],
      },
      registry,
      defaultPlugins,
    );
    const cluster = new MemoryClusterClient();
    for (const n of nodes(100)) cluster.create('nodes', n);
    const scheduler = new Scheduler({
      client: cluster,
      config,
      registry,
      logger: silentLogger(),
      seed: 1,
      parallelism: { registryModules: [new URL('./testing/fixture-plugins.ts', import.meta.url).href] },
    });
    const pool = scheduler.parallelizer as PoolParallelizer;
    const boundTo = (name: string) => cluster.get('pods', 'default', name)?.spec?.nodeName;
    const crashing = (name: string, mode: 'once' | 'always'): Pod => {
      const pod = makePod(name).req({ cpu: '100m' }).obj();
      pod.metadata!.annotations = { [CRASH_ANNOTATION]: mode, [MARKER_ANNOTATION]: join(dir, name) };
      return pod;
    };
    try {
      await scheduler.start();
      cluster.create('pods', makePod('first').req({ cpu: '100m' }).obj());
      await until('first bound', () => boundTo('first'));
      expect(pool.stats.filterFanOuts).toBe(1);

      cluster.create('pods', crashing('once', 'once'));
      await until('once bound', () => boundTo('once'));
      expect(pool.stats.taskFailures).toBe(1);
      expect(scheduler.stats.errors).toBe(0);

      cluster.create('pods', crashing('always', 'always'));
      const failures = () => cluster.events.filter((e) => e.regarding.name === 'always' && e.reason === 'FailedScheduling');
      const first = await until('always fails', () => failures()[0]);
      expect(first.note).toContain(`worker task failed twice: worker exited with code: ${WORKER_EXIT_CODE}`);
      expect(cluster.get('pods', 'default', 'always')?.status?.conditions).toContainEqual(
        expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'SchedulerError' }),
      );
      // Retried with backoff (1 s), failing the same way.
      await until('always retried', () => failures().length >= 2);

      cluster.create('pods', makePod('after').req({ cpu: '100m' }).obj());
      await until('after bound', () => boundTo('after'));
      expect(boundTo('always')).toBeUndefined();
      expect(scheduler.stats.errors).toBeGreaterThanOrEqual(2);
      expect(pool.threadCount).toBe(2);
    } finally {
      await scheduler.stop(1_000);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(pool.threadCount).toBe(0);
  }, 60_000);
});
