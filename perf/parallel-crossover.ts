// Where the worker pool starts to pay: one scheduling cycle (PreFilter,
// Filter, PreScore, Score, pick) over N nodes, inline and fanned out over K
// workers, for pods whose per-node work is cheap (requests only) or heavier
// (node affinity, topology spread, pod anti-affinity). Every node is filtered
// and scored (percentageOfNodesToScore: 100), so the work is N nodes; the
// pool is forced to split every cycle (minNodesPerTask 1): into K + 1 parts
// when K workers leave the scheduling thread a core ("+ main"), else K.
// The crossover is the smallest N where the pool's median cycle is faster;
// the default minNodesPerTask is that N for two parts (one worker) halved,
// so the pool fans out from there on.
//
//   node perf/parallel-crossover.ts [--nodes 100,200,...] [--workers 1,2] [--cycles 300] [--json]
//
// Not part of the test suite. Prints progress, then a table, then (with
// --json) one JSON line.
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Node, TopologySpreadConstraint } from '../src/api/types.ts';
import { resolveConfig } from '../src/config/scheduler-config.ts';
import type { PodInfo } from '../src/framework/interfaces.ts';
import { Framework } from '../src/framework/runtime.ts';
import { PoolParallelizer } from '../src/parallel/pool.ts';
import { defaultPlugins, inTreeRegistry } from '../src/plugins/registry.ts';
import { Algorithm } from '../src/scheduler/schedule-pod.ts';
import { buildSnapshot, makeNode, makePod, testHandle, type TestSnapshot } from '../src/testing/builders.ts';

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100,200,400,800,1600,3200,6400,12800' },
    workers: { type: 'string', default: [1, 2, 4, 8].filter((w) => w <= availableParallelism()).join(',') },
    cycles: { type: 'string', default: '300' },
    json: { type: 'boolean', default: false },
  },
});
const nodeCounts = values.nodes.split(',').map(Number);
const workerCounts = values.workers.split(',').map(Number);
const cycles = Number(values.cycles);

const say = (message: string) => process.stderr.write(`${message}\n`);

/** The node template of upstream's scheduler_perf: 4 cpu, 32Gi, 110 pods, zone and hostname labels; 40 pods' worth used. */
function nodes(count: number): Node[] {
  return Array.from({ length: count }, (_, i) =>
    makeNode(`node-${i}`)
      .label(ZONE, `zone${i % 3}`)
      .label(HOSTNAME, `node-${i}`)
      .capacity({ cpu: '4', memory: '32Gi', pods: '110' })
      .obj(),
  );
}

interface Workload {
  name: string;
  pod(): PodInfo;
  /** Pods placed before measuring, so the plugins have something to count. */
  existing(snapshot: TestSnapshot, count: number): void;
}

const spreadConstraint: TopologySpreadConstraint = {
  maxSkew: 5,
  topologyKey: ZONE,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchLabels: { app: 'web' } },
};

const workloads: Workload[] = [
  {
    name: 'basic (requests only)',
    pod: () => makePod('p').req({ cpu: '100m', memory: '500Mi' }).info(),
    existing: () => {},
  },
  {
    name: 'heavy (affinity, spread, anti-affinity)',
    pod: () =>
      makePod('p')
        .label('app', 'web')
        .req({ cpu: '100m', memory: '500Mi' })
        .nodeAffinityRequired(ZONE, 'In', ['zone0', 'zone1', 'zone2'])
        .nodeAffinityPreferred(10, ZONE, 'In', ['zone1'])
        .spreadConstraint(spreadConstraint)
        .spreadConstraint({ ...spreadConstraint, topologyKey: HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway' })
        .podAffinity('antiAffinity', { topologyKey: HOSTNAME, labelSelector: { matchLabels: { app: 'db' } } })
        .info(),
    // A db pod on every tenth node: anti-affinity rejects those.
    existing: (snapshot, count) => {
      for (let i = 0; i < count; i += 10) {
        snapshot.cache.assumePod(makePod(`db-${i}`).label('app', 'db').req({ cpu: '100m' }).info(), `node-${i}`);
      }
      snapshot.cache.updateSnapshot(snapshot.table);
    },
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median microseconds per cycle. */
async function measure(workload: Workload, count: number, workers: number): Promise<number> {
  const config = resolveConfig({ percentageOfNodesToScore: 100 }, inTreeRegistry, defaultPlugins);
  const snapshot = buildSnapshot(nodes(count));
  workload.existing(snapshot, count);
  const fw = new Framework(config.profiles[0]!, inTreeRegistry, testHandle({ lister: snapshot.lister }));
  const pool =
    workers > 0
      ? new PoolParallelizer({ workers, minNodesPerTask: 1, profiles: config.profiles, registry: inTreeRegistry, workerRegistry: inTreeRegistry })
      : undefined;
  const algorithm = new Algorithm(1, pool);
  const pod = workload.pod();
  const times: number[] = [];
  try {
    for (let i = 0; i < cycles + 50; i++) {
      const start = performance.now();
      await algorithm.schedule(fw, pod, snapshot.table);
      if (i >= 50) times.push((performance.now() - start) * 1000);
    }
    if (pool && pool.stats.filterFanOuts < cycles) throw new Error(`the pool fanned out ${pool.stats.filterFanOuts} of ${cycles + 50} cycles`);
  } finally {
    await pool?.close();
  }
  return median(times);
}

interface Row {
  workload: string;
  nodes: number;
  inlineUs: number;
  /** Median µs per cycle by worker count. */
  poolUs: Record<number, number>;
}

const rows: Row[] = [];
say(`parallel crossover: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}, ${cycles} cycles each`);
for (const workload of workloads) {
  for (const count of nodeCounts) {
    const row: Row = { workload: workload.name, nodes: count, inlineUs: await measure(workload, count, 0), poolUs: {} };
    for (const workers of workerCounts) row.poolUs[workers] = await measure(workload, count, workers);
    rows.push(row);
    say(`  ${workload.name}, ${count} nodes: inline ${row.inlineUs.toFixed(0)} µs; ${workerCounts.map((w) => `${w} workers ${row.poolUs[w]!.toFixed(0)} µs`).join('; ')}`);
  }
}

/** The smallest node count from which the pool stays faster than inline. */
function crossover(workload: string, workers: number): number | null {
  const mine = rows.filter((r) => r.workload === workload);
  for (let i = 0; i < mine.length; i++) if (mine.slice(i).every((r) => r.poolUs[workers]! < r.inlineUs)) return mine[i]!.nodes;
  return null;
}

const label = (w: number) => `${w} workers${w < availableParallelism() ? ' + main' : ''}`;
const header = ['workload', 'nodes', 'inline µs', ...workerCounts.map((w) => `${label(w)} µs (×)`)];
const lines = rows.map((r) => [
  r.workload,
  String(r.nodes),
  r.inlineUs.toFixed(0),
  ...workerCounts.map((w) => `${r.poolUs[w]!.toFixed(0)} (${(r.inlineUs / r.poolUs[w]!).toFixed(2)})`),
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines) console.log(fmt(l));
const crossovers = workloads.map((w) => ({ workload: w.name, nodes: Object.fromEntries(workerCounts.map((k) => [k, crossover(w.name, k)])) }));
console.log('');
for (const c of crossovers) console.log(`crossover, ${c.workload}: ${workerCounts.map((k) => `${label(k)} from ${c.nodes[k] ?? 'never'} nodes`).join('; ')}`);
if (values.json) console.log(JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version }, cycles, rows, crossovers }));
