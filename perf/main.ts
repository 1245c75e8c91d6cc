// The benchmark suite's one entry point (issue 6). Not part of the tests.
//
//   npm run perf -- inprocess|e2e --workload NAME --nodes N --pods M [options] [--json]
//
// Progress goes to stderr; the results table to stdout; with --json the last
// line on stdout is a JSON array with one object per scheduler run.
import { parseArgs } from 'node:util';
import { runE2E, type E2EResult, E2E_SCHEDULERS, type E2EScheduler } from './e2e.ts';
import { runInProcess, type InProcessResult } from './inprocess.ts';
import { machine, round, say, table } from './lib.ts';
import { WORKLOADS, findWorkload } from './workloads.ts';

const usage = `usage: npm run perf -- inprocess|e2e --workload NAME --nodes N --pods M [options]

  --workload NAME     ${WORKLOADS.map((w) => w.name).join(', ')}
  --nodes N           nodes (default 1000)
  --pods M            measured pods (default 5000)
  --init-pods K       pods of the same template scheduled before the measurement (default 0)
  --workers K         Berth's Filter/Score worker threads (config parallelism.workers; 0: none;
                      default: the cores available)
  --no-batching       every pod gets a full cycle (config batching.enabled: false)
  --percentage P      percentageOfNodesToScore (default 0: upstream's adaptive share)
  --json              last line of stdout: a JSON array, one object per scheduler run
  --timeout S         give up waiting for binds after S seconds per run (default 300)

inprocess only:
  --batch B           pods created per event-loop turn (default 500)
  --no-breakdown      skip the second, instrumented run that times filter/score/queue/bind
  --seed S            tie-break seed (default 1)

e2e only:
  --schedulers LIST   comma-separated, in order; default ${E2E_SCHEDULERS.slice(0, 3).join(',')}
                      (also: null-binder-no-events: binds only)
  --create-concurrency C   pod creations in flight (default 32)
  --pods-first        create every measured pod before the scheduler starts; pods/s from the
                      first bind to the last (the API serves binds only); CPU-s from its start
  --berth-node-args=A extra Node.js options for the berth process, space-separated
                      (e.g. --berth-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof")
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  allowNegative: true,
  options: {
    workload: { type: 'string', default: 'SchedulingBasic' },
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '5000' },
    'init-pods': { type: 'string', default: '0' },
    workers: { type: 'string' },
    batching: { type: 'boolean', default: true },
    percentage: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '300' },
    batch: { type: 'string', default: '500' },
    breakdown: { type: 'boolean', default: true },
    seed: { type: 'string', default: '1' },
    schedulers: { type: 'string', default: E2E_SCHEDULERS.slice(0, 3).join(',') },
    'create-concurrency': { type: 'string', default: '32' },
    'pods-first': { type: 'boolean', default: false },
    'berth-node-args': { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`perf: ${message}\n\n${usage}`);
  process.exit(2);
}

function positiveInt(name: string, raw: string | undefined, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) fail(`--${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${raw}`);
  return n;
}

if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const mode = positionals[0];
if (mode !== 'inprocess' && mode !== 'e2e') fail('the first argument is inprocess or e2e');
const workload = findWorkload(values.workload) ?? fail(`unknown workload ${values.workload}`);
const nodes = positiveInt('nodes', values.nodes);
const pods = positiveInt('pods', values.pods);
const initPods = positiveInt('init-pods', values['init-pods'], true);
const workers = values.workers === undefined ? undefined : positiveInt('workers', values.workers, true);
const percentage = positiveInt('percentage', values.percentage, true);
if (percentage > 100) fail('--percentage must be at most 100');
const tuning = { workers, batching: values.batching, percentage };
const timeoutSeconds = positiveInt('timeout', values.timeout);

const where = machine();
say(`${mode} ${workload.name}: ${nodes} nodes, ${pods} pods${initPods ? ` after ${initPods} init pods` : ''}; ${workload.summary}`);
say(`machine: ${where}`);
say(`berth: workers ${workers ?? 'default'}, batching ${values.batching ? 'on' : 'off'}, percentageOfNodesToScore ${percentage}`);

const ms = (v: number) => round(v, v < 10 ? 2 : 1);

if (values['pods-first'] && initPods > 0) fail('--pods-first and --init-pods do not go together');

if (mode === 'inprocess') {
  const run = {
    workload,
    nodes,
    pods,
    initPods,
    batch: positiveInt('batch', values.batch),
    ...tuning,
    timeoutSeconds,
    seed: positiveInt('seed', values.seed, true),
  };
  // pods/s, latency, CPU and RSS come from a run without timers; the shares
  // of time from a second run on a fresh cluster with every part wrapped in
  // a timer (which slows it: its own pods/s is not reported).
  const result: InProcessResult = await runInProcess({ ...run, breakdown: false });
  if (values.breakdown && result.scheduled < pods) {
    say('no breakdown run: the timed run did not bind every pod');
  } else if (values.breakdown) {
    say('second run, timing each part (instrumented)');
    const timed = await runInProcess({ ...run, breakdown: true });
    result.timeShare = timed.timeShare;
    // An estimate across the two runs: the share measured in the slower, instrumented one.
    const apiShare = timed.timeShare?.['in-memory api'] ?? 0;
    result.podsPerSecondWithoutMemoryApi = Math.round(result.podsPerSecond / (1 - apiShare));
    result.violations.push(...timed.violations.map((v) => `breakdown run: ${v}`));
  }
  const header = ['workload', 'nodes', 'pods', 'pods/s', 'w/o in-memory API', 'seconds', 'CPU-s', 'peak RSS MB', 'p50 ms', 'p99 ms', 'cycle p50/p99 ms', 'GC'];
  const row = [
    result.workload,
    result.nodes,
    result.pods,
    result.podsPerSecond,
    result.podsPerSecondWithoutMemoryApi ?? '-',
    result.seconds,
    result.cpuSeconds,
    result.peakRssMB,
    ms(result.latencyMs.p50),
    ms(result.latencyMs.p99),
    `${ms(result.latencySplitMs.schedulingCycle[0])} / ${ms(result.latencySplitMs.schedulingCycle[1])}`,
    `${Math.round(result.gcShare * 100)}%`,
  ];
  process.stdout.write(`\n${table(header, [row])}\n`);
  process.stdout.write(
    `latency p50/p99 ms: queue wait ${result.latencySplitMs.queueWait.map(ms).join('/')}, ` +
      `scheduling cycle ${result.latencySplitMs.schedulingCycle.map(ms).join('/')}, binding ${result.latencySplitMs.binding.map(ms).join('/')}\n`,
  );
  if (result.timeShare) {
    const share = Object.entries(result.timeShare).map(([k, v]) => `${k} ${Math.round(v * 1000) / 10}%`);
    process.stdout.write(`share of wall time: ${share.join(', ')}\n`);
  }
  if (result.batch) {
    const flushed = Object.entries(result.batch.flushed).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    process.stdout.write(
      `batching: ${result.batch.used} of ${result.scheduled} pods placed from a batch, ${result.batch.stored} full cycles kept, ${result.batch.rechecked} nodes re-checked; flushed: ${flushed.join(', ') || 'none'}\n`,
    );
  }
  if (result.violations.length) process.stdout.write(`PROBLEMS: ${result.violations.join('; ')}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify([{ ...result, machine: where }])}\n`);
} else {
  const schedulers = values.schedulers.split(',').map((s) => s.trim());
  for (const s of schedulers) if (!E2E_SCHEDULERS.includes(s as E2EScheduler)) fail(`unknown scheduler ${s}; known: ${E2E_SCHEDULERS.join(', ')}`);
  const results: E2EResult[] = await runE2E({
    workload,
    nodes,
    pods,
    initPods,
    ...tuning,
    schedulers: schedulers as E2EScheduler[],
    createConcurrency: positiveInt('create-concurrency', values['create-concurrency']),
    timeoutSeconds,
    podsFirst: values['pods-first'],
    berthNodeArgs: values['berth-node-args'].split(' ').filter(Boolean),
  });
  const header = [
    'scheduler',
    'pods/s',
    'bind-to-bind pods/s',
    'seconds',
    'bound',
    'CPU-s',
    'CPU ms/pod',
    'peak RSS MB',
    'p50 ms',
    'p99 ms',
    'Scheduled Events',
    'apiserver CPU-s',
    'etcd CPU-s',
    'problems',
  ];
  const rows = results.map((r) => [
    r.scheduler,
    r.podsPerSecond,
    r.bindToBindPodsPerSecond,
    r.seconds,
    r.scheduled,
    r.cpuSeconds,
    r.cpuMsPerPod,
    r.peakRssMB,
    r.latencyMs ? ms(r.latencyMs.p50) : '-',
    r.latencyMs ? ms(r.latencyMs.p99) : '-',
    r.scheduledEvents,
    r.apiserverCpuSeconds,
    r.etcdCpuSeconds,
    r.violations.length ? r.violations.join('; ') : 'none',
  ]);
  const span = values['pods-first'] ? 'pods created first; pods/s: first bind to last bind' : 'pods/s: first pod created to last bound';
  process.stdout.write(`\n${workload.name}, ${nodes} nodes, ${pods} pods (${span})\n${table(header, rows)}\n`);
  const by = new Map(results.map((r) => [r.scheduler, r]));
  const berth = by.get('berth');
  const ratios: string[] = [];
  for (const other of ['kube-scheduler', 'null-binder', 'null-binder-no-events'] as const) {
    const r = by.get(other);
    if (berth && r && r.podsPerSecond > 0) {
      ratios.push(
        `Berth / ${other}: ${round(berth.podsPerSecond / r.podsPerSecond, 2)}x pods/s` +
          (r.cpuMsPerPod > 0 ? `, ${round(berth.cpuMsPerPod / r.cpuMsPerPod, 2)}x CPU per pod` : '') +
          (r.peakRssMB > 0 ? `, ${round(berth.peakRssMB / r.peakRssMB, 2)}x peak RSS` : ''),
      );
    }
  }
  if (ratios.length) process.stdout.write(`${ratios.join('\n')}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(results.map((r) => ({ ...r, machine: where })))}\n`);
}
