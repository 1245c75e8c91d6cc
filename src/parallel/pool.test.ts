// The worker pool against the inline loop: the same cycles give the same
// placements, rotation, rejections and errors whatever the worker count
// (every in-tree plugin runs in the workers); plugins that read outside
// CycleState/NodeView are caught, non-plain state stays inline; a dead worker
// is replaced and its task retried, a second death fails the cycle cleanly;
// threads never keep the process alive.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node, Pod, TopologySpreadConstraint } from '../api/types.ts';
import { resolveConfig, type SchedulerConfig } from '../config/scheduler-config.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { Framework, type Registry } from '../framework/runtime.ts';
import { silentLogger } from '../logging/logger.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { Algorithm } from '../scheduler/schedule-pod.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../testing/builders.ts';
import { PoolParallelizer, type PoolOptions } from './pool.ts';
import { registryEntries } from './testing/fixture-plugins.ts';

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';
const BIG_IMAGE = 'registry.example/big:1';
const fixtureUrl = new URL('./testing/fixture-plugins.ts', import.meta.url).href;
const fixtureRegistry: Registry = new Map([...inTreeRegistry, ...registryEntries.map((e) => [e.name, e] as const)]);

/** 500 nodes over 3 zones: some small, some tainted, some cordoned, some with a big image. */
function clusterNodes(count = 500): Node[] {
  return Array.from({ length: count }, (_, i) => {
    const b = makeNode(`n${i}`)
      .label(ZONE, `z${i % 3}`)
      .label(HOSTNAME, `n${i}`)
      .capacity({ cpu: i % 5 === 0 ? '2' : '8', memory: '16Gi', pods: '110' });
    if (i % 7 === 0) b.taint('dedicated', 'db', 'NoSchedule');
    if (i % 50 === 49) b.unschedulable();
    if (i % 4 === 0) b.image([BIG_IMAGE], 500 * 1024 * 1024);
    return b.obj();
  });
}

function spread(key: string, when: 'DoNotSchedule' | 'ScheduleAnyway', app: string): TopologySpreadConstraint {
  return { maxSkew: 1, topologyKey: key, whenUnsatisfiable: when, labelSelector: { matchLabels: { app } } };
}

/** Pods that exercise every in-tree plugin's Filter and Score, some fitting nowhere. */
function workloadPods(count = 300): PodInfo[] {
  return Array.from({ length: count }, (_, i) => {
    const b = makePod(`p${i}`).req({ cpu: '250m', memory: '256Mi' });
    switch (i % 10) {
      case 1:
        b.nodeAffinityRequired(ZONE, 'In', ['z0', 'z1']).nodeAffinityPreferred(5, ZONE, 'In', ['z1']);
        break;
      case 2:
        b.label('app', 'spread').spreadConstraint(spread(ZONE, 'DoNotSchedule', 'spread')).spreadConstraint(spread(HOSTNAME, 'ScheduleAnyway', 'spread'));
        break;
      case 3:
        b.label('app', 'anti').podAffinity('antiAffinity', { topologyKey: HOSTNAME, labelSelector: { matchLabels: { app: 'anti' } } });
        break;
      case 4:
        b.toleration({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }).req({ cpu: '100m' }, BIG_IMAGE);
        break;
      case 5:
        b.hostPort(8080).req({ cpu: '1' });
        break;
      case 6:
        b.podAffinity('affinity', { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'anti' } } });
        break;
      case 7:
        b.req({ cpu: '64' });
        break;
      case 9:
        b.nodeSelector({ [ZONE]: 'z2' }).req({ memory: '2Gi' });
        break;
      default:
        break;
    }
    const pod: Pod = b.obj();
    if (i % 10 === 8) {
      // PreFilter names the nodes (matchFields): the rotation runs over those only.
      pod.spec!.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: Array.from({ length: 60 }, (_, k) => `n${k * 7 + 1}`) }] }],
          },
        },
      };
    }
    return newPodInfo(pod);
  });
}

function poolOptions(config: ReturnType<typeof resolveConfig>, workers: number, extra: Partial<PoolOptions> = {}): PoolOptions {
  return { workers, minNodesPerTask: 8, profiles: config.profiles, registry: inTreeRegistry, workerRegistry: inTreeRegistry, logger: silentLogger(), ...extra };
}

/** Schedules the pods one after another, each assumed onto its node; one line per pod. */
async function simulate(
  workers: number,
  config: SchedulerConfig,
  pods: readonly PodInfo[],
  mainTakesPart = false,
): Promise<{ lines: string[]; pool: PoolParallelizer | undefined }> {
  const resolved = resolveConfig(config, inTreeRegistry, defaultPlugins);
  const snapshot = buildSnapshot(clusterNodes());
  const fw = new Framework(resolved.profiles[0]!, inTreeRegistry, testHandle({ lister: snapshot.lister }));
  const pool = workers > 0 ? new PoolParallelizer(poolOptions(resolved, workers, { mainTakesPart })) : undefined;
  const algorithm = new Algorithm(11, pool);
  const lines: string[] = [];
  try {
    for (const pod of pods) {
      snapshot.cache.updateSnapshot(snapshot.table);
      try {
        const r = await algorithm.schedule(fw, pod, snapshot.table);
        snapshot.cache.assumePod(pod, r.nodeName);
        lines.push(`${pod.name} → ${r.nodeName} evaluated=${r.evaluatedNodes} feasible=${r.feasibleNodes} next=${algorithm.nextStartNodeIndex}`);
      } catch (err) {
        lines.push(`${pod.name} ✗ ${(err as Error).name}: ${(err as Error).message} next=${algorithm.nextStartNodeIndex}`);
      }
    }
  } finally {
    await pool?.close();
  }
  return { lines, pool };
}

describe('PoolParallelizer: the same cycles as the inline loop', () => {
  const pods = workloadPods();

  test.each([
    { name: 'adaptive percentageOfNodesToScore', config: {} },
    { name: 'every node scored', config: { percentageOfNodesToScore: 100 } },
    { name: 'a few nodes scored: rounds stop early', config: { percentageOfNodesToScore: 5 } },
  ])('$name: workers 0, 1, 2, 4 (with and without a part on this thread) give identical results', async ({ config }) => {
    const inline = await simulate(0, config, pods);
    // The workload is not trivial: some pods fit nowhere, PreFilter restricts others.
    expect(inline.lines.filter((l) => l.includes('FitError')).length).toBeGreaterThan(20);
    expect(inline.lines.filter((l) => l.includes('→')).length).toBeGreaterThan(200);
    for (const [workers, mainTakesPart] of [
      [1, true],
      [2, false],
      [2, true],
      [4, false],
    ] as const) {
      const { lines, pool } = await simulate(workers, config, pods, mainTakesPart);
      expect(lines).toEqual(inline.lines);
      expect(pool!.stats.filterFanOuts).toBeGreaterThan(100);
      expect(pool!.stats.scoreFanOuts).toBeGreaterThan(50);
      expect(pool!.stats.taskFailures).toBe(0);
    }
  }, 120_000);

  test('work smaller than two parts stays inline and starts no thread', async () => {
    const resolved = resolveConfig({}, inTreeRegistry, defaultPlugins);
    const snapshot = buildSnapshot(clusterNodes(50));
    const fw = new Framework(resolved.profiles[0]!, inTreeRegistry, testHandle({ lister: snapshot.lister }));
    const pool = new PoolParallelizer(poolOptions(resolved, 2, { minNodesPerTask: 100 }));
    const result = new Algorithm(1, pool).schedule(fw, workloadPods(1)[0]!, snapshot.table);
    expect(result).not.toBeInstanceOf(Promise);
    expect(pool.stats).toEqual({ filterFanOuts: 0, scoreFanOuts: 0, tasks: 0, taskFailures: 0, resyncs: 0 });
    expect(pool.threadCount).toBe(0);
    await pool.close();
  });
});

describe('PoolParallelizer: what may not run in a worker', () => {
  function frameworkWith(filter: string, logger = silentLogger()) {
    const config = resolveConfig({ profiles: [{ plugins: { multiPoint: { enabled: [{ name: filter }] } } }] }, fixtureRegistry, defaultPlugins);
    const snapshot = buildSnapshot(clusterNodes(200));
    const fw = new Framework(config.profiles[0]!, fixtureRegistry, testHandle({ lister: snapshot.lister }));
    const pool = new PoolParallelizer(
      poolOptions(config, 2, { registry: fixtureRegistry, workerRegistry: fixtureRegistry, registryModules: [fixtureUrl], logger }),
    );
    return { fw, pool, table: snapshot.table };
  }

  test('a Filter that reads handle.lister fails in a worker, naming the read', async () => {
    const { fw, pool, table } = frameworkWith('ListerFilter');
    try {
      await expect(Promise.resolve(new Algorithm(1, pool).schedule(fw, makePod('p').info(), table))).rejects.toThrow(
        'running "ListerFilter" filter plugin: handle.lister.podsOnNode is not available in a worker thread: Filter and Score read CycleState and the NodeView only',
      );
      // Inline, the same plugin reads the lister and the pod fits.
      expect(new Algorithm(1).schedulePod(fw, makePod('p').info(), table).nodeName).toMatch(/^n\d+$/);
    } finally {
      await pool.close();
    }
  }, 30_000);

  test('state that is not plain data keeps the pod inline, with a warning naming the key', async () => {
    const warnings: unknown[] = [];
    const logger = silentLogger();
    logger.warn = (obj: unknown) => void warnings.push(obj);
    const { fw, pool, table } = frameworkWith('ClassStateFilter', logger);
    try {
      const result = await new Algorithm(1, pool).schedule(fw, makePod('p').info(), table);
      expect(result.nodeName).toMatch(/^n\d+$/);
      expect(pool.stats.filterFanOuts).toBe(0);
      expect(warnings).toEqual([{ key: 'PreFilterClassStateFilter', where: 'marker is an instance of Marker' }]);
    } finally {
      await pool.close();
    }
  });

  test('a profile with a plugin the workers do not load runs inline', async () => {
    const registry: Registry = new Map([...inTreeRegistry, ['Local', { name: 'Local', factory: () => ({ name: 'Local', filter: () => null }) }]]);
    const config = resolveConfig({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Local' }] } } }] }, registry, defaultPlugins);
    const snapshot = buildSnapshot(clusterNodes(200));
    const fw = new Framework(config.profiles[0]!, registry, testHandle({ lister: snapshot.lister }));
    const pool = new PoolParallelizer(poolOptions(config, 2, { registry }));
    const result = await new Algorithm(1, pool).schedule(fw, makePod('p').info(), snapshot.table);
    expect(result.nodeName).toMatch(/^n\d+$/);
    // Filter inline; Score's plugins are all in-tree, so Score fans out.
    expect(pool.stats.filterFanOuts).toBe(0);
    expect(pool.stats.scoreFanOuts).toBe(1);
    await pool.close();
  }, 30_000);
});

describe('PoolParallelizer: threads', () => {
  test('no thread keeps the process alive, even when the pool is never closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-pool-'));
    try {
      const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));
      const script = join(dir, 'left-open.ts');
      writeFileSync(
        script,
        `
import { resolveConfig } from ${JSON.stringify(src('../config/scheduler-config.ts'))};
import { Framework } from ${JSON.stringify(src('../framework/runtime.ts'))};
import { defaultPlugins, inTreeRegistry } from ${JSON.stringify(src('../plugins/registry.ts'))};
import { Algorithm } from ${JSON.stringify(src('../scheduler/schedule-pod.ts'))};
import { buildSnapshot, makeNode, makePod, testHandle } from ${JSON.stringify(src('../testing/builders.ts'))};
import { PoolParallelizer } from ${JSON.stringify(src('./pool.ts'))};
const config = resolveConfig({}, inTreeRegistry, defaultPlugins);
const snapshot = buildSnapshot(Array.from({ length: 300 }, (_, i) => makeNode('n' + i).capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj()));
const fw = new Framework(config.profiles[0]!, inTreeRegistry, testHandle({ lister: snapshot.lister }));
const pool = new PoolParallelizer({ workers: 2, minNodesPerTask: 10, profiles: config.profiles, registry: inTreeRegistry, workerRegistry: inTreeRegistry });
const result = await new Algorithm(1, pool).schedule(fw, makePod('p').info(), snapshot.table);
console.log(result.nodeName, pool.threadCount, pool.stats.filterFanOuts);
`,
      );
      const started = Date.now();
      const out = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
      expect(out.trim()).toMatch(/^n\d+ 2 1$/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
