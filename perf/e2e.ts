// End-to-end benchmark: the same workload scheduled by several schedulers,
// each on a fresh control plane from the test harness (etcd + kube-apiserver
// on loopback, the same binaries as the tests), one after the other:
//
//   berth                  `berth run` as its own process, compiled as installed
//                          (npm run build; dist/cli/main.js, BERTH_NODE_OPTIONS)
//   kube-scheduler         upstream kube-scheduler built by the harness, with
//                          a KubeSchedulerConfiguration: one profile named as
//                          the pods' schedulerName, leader election off,
//                          clientConnection qps/burst 5000, no serving port
//   null-binder            perf/null-binder.ts: round-robin binds and one
//                          Scheduled Event per pod, no filtering (the API's
//                          own limit on this machine)
//   null-binder-no-events  the same, binds only
//
// Per run: create the nodes; start the scheduler; wait for a canary pod (in
// another namespace) to be bound, so the scheduler is known to be synced;
// create the init pods, if any, and wait for them; then create the measured
// pods (--create-concurrency in flight) while the scheduler runs, and watch
// them. Throughput: measured pods / (last bind seen − first pod's creation
// request), as scheduler_perf's SchedulingThroughput spans; also from the
// first bind to the last. A pod's latency: its creation request to its bind
// seen on the watch. CPU seconds over that window and peak RSS come from
// /proc for the scheduler process, the apiserver and etcd.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../src/api/types.ts';
import { createKubeClusterClient } from '../src/cluster/kube/index.ts';
import { connectionSettings, loadKubeConfig } from '../src/cluster/kube/kubeconfig.ts';
import { silentKubeLogger } from '../src/cluster/kube/logger.ts';
import { KubeTransport } from '../src/cluster/kube/transport.ts';
import { BERTH_NODE_OPTIONS } from '../src/cli/node-options.ts';
import { resolveKubeAssets, type KubeAssets } from '../test/harness/assets.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { childPids, percentile, pool, procStats, round, say, sortedOf, type ProcStats } from './lib.ts';
import { makeNode, makePod, ZONE_KEY, type Placement, type Workload } from './workloads.ts';

export const E2E_SCHEDULERS = ['berth', 'kube-scheduler', 'null-binder', 'null-binder-no-events'] as const;
export type E2EScheduler = (typeof E2E_SCHEDULERS)[number];

export interface E2EOptions {
  workload: Workload;
  nodes: number;
  pods: number;
  initPods: number;
  /** Berth's --workers; undefined: its default. */
  workers: number | undefined;
  /** Berth's config: batching.enabled and percentageOfNodesToScore (0: adaptive). */
  batching: boolean;
  percentage: number;
  schedulers: E2EScheduler[];
  createConcurrency: number;
  timeoutSeconds: number;
  /** Create every measured pod before starting the scheduler; throughput from the first bind to the last. */
  podsFirst: boolean;
  /** Extra Node.js options for the berth process (profiling). */
  berthNodeArgs: string[];
}

export interface E2EResult {
  mode: 'e2e';
  workload: string;
  nodes: number;
  pods: number;
  initPods: number;
  scheduler: E2EScheduler;
  workers: number | null;
  kubeVersion: string;
  /** The pods existed before the scheduler started (--pods-first). */
  podsFirst: boolean;
  /** Measured pods bound / (last bind seen − first creation request); with --pods-first, bindToBindPodsPerSecond. */
  podsPerSecond: number;
  /** (bound − 1) / (last bind − first bind). */
  bindToBindPodsPerSecond: number;
  seconds: number;
  scheduled: number;
  /** Of the scheduler process, over the measured window (with --pods-first: from its start). */
  cpuSeconds: number;
  cpuMsPerPod: number;
  /** Of the scheduler process, over its whole life (VmHWM). */
  peakRssMB: number;
  /** Creation request to bind seen; null with --pods-first. */
  latencyMs: { p50: number; p99: number } | null;
  createSeconds: number;
  apiserverCpuSeconds: number;
  etcdCpuSeconds: number;
  /** This benchmark's own process (creating and watching pods) over the window. */
  driverCpuSeconds: number;
  /** Scheduled Events found in the namespace afterwards (init pods included). */
  scheduledEvents: number;
  violations: string[];
  logs: string;
}

const SCHEDULER_NAME = 'perf-scheduler';
const NAMESPACE = 'perf';
const CANARY_NAMESPACE = 'perf-canary';
const root = join(import.meta.dirname, '..');

const hasSetpriv = spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout?.includes('--pdeathsig') ?? false;

/** A child that the kernel kills if this process dies (setpriv execs, so the pid is the program's). */
function startChild(command: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const [cmd, argv] = hasSetpriv ? ['setpriv', ['--pdeathsig', 'KILL', command, ...args]] : [command, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function startScheduler(kind: E2EScheduler, o: E2EOptions, cp: ControlPlane, assets: KubeAssets, logDir: string): { child: ChildProcess; log: string } {
  const log = join(logDir, `${kind}.log`);
  switch (kind) {
    case 'berth': {
      const config = join(logDir, 'berth-config.json');
      writeFileSync(config, JSON.stringify({ percentageOfNodesToScore: o.percentage, batching: { enabled: o.batching } }));
      const args = ['run', '--kubeconfig', cp.kubeconfigPath, '--config', config, '--leader-elect=false', '--scheduler-name', SCHEDULER_NAME, '--log-level', 'info'];
      if (o.workers !== undefined) args.push('--workers', String(o.workers));
      return { child: startChild(process.execPath, [...BERTH_NODE_OPTIONS, ...o.berthNodeArgs, join(root, 'dist/cli/main.js'), ...args], log), log };
    }
    case 'kube-scheduler': {
      if (!assets.kubeScheduler) throw new Error('no kube-scheduler binary (BERTH_KUBE_ASSETS lacks it)');
      const config = join(logDir, 'kube-scheduler-config.json');
      writeFileSync(
        config,
        JSON.stringify({
          apiVersion: 'kubescheduler.config.k8s.io/v1',
          kind: 'KubeSchedulerConfiguration',
          clientConnection: { kubeconfig: cp.kubeconfigPath, qps: 5000, burst: 5000 },
          leaderElection: { leaderElect: false },
          profiles: [{ schedulerName: SCHEDULER_NAME }],
        }),
      );
      return { child: startChild(assets.kubeScheduler, [`--config=${config}`, '--secure-port=0', '--v=1'], log), log };
    }
    case 'null-binder':
    case 'null-binder-no-events':
      return {
        child: startChild(
          process.execPath,
          [
            join(root, 'perf/null-binder.ts'),
            '--kubeconfig',
            cp.kubeconfigPath,
            '--scheduler-name',
            SCHEDULER_NAME,
            ...(kind === 'null-binder-no-events' ? ['--no-events'] : []),
          ],
          log,
        ),
        log,
      };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exitedOf = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function runOne(kind: E2EScheduler, o: E2EOptions, assets: KubeAssets): Promise<E2EResult> {
  say(`\n=== ${kind} ===`);
  const cp = await startControlPlane({ assets });
  const apiPids = childPids(process.pid);
  const apiserverPid = apiPids.get('kube-apiserver');
  const etcdPid = apiPids.get('etcd');
  // The scheduler's log and config go with the control plane's logs (the harness keeps the newest 10 runs).
  const logDir = cp.logDir;
  say(`kube-apiserver ${cp.version} at ${cp.server}; logs in ${logDir}`);
  const api = new KubeTransport({
    settings: connectionSettings(loadKubeConfig(cp.kubeconfigPath), silentKubeLogger),
    maxConnections: o.createConcurrency,
    http2: false,
    userAgent: 'berth-perf-setup',
    requestTimeoutMs: 120_000,
    logger: silentKubeLogger,
  });
  const watch = createKubeClusterClient({ kubeconfigPath: cp.kubeconfigPath, identity: 'berth-perf-watch', http2: false });
  let scheduler: { child: ChildProcess; log: string } | undefined;
  try {
    // --- nodes -------------------------------------------------------------------
    const t0 = performance.now();
    let nodesDone = 0;
    await pool(o.nodes, 32, async (i) => {
      await api.call('POST', '/api/v1/nodes', { body: makeNode(i) });
      if (++nodesDone % 2500 === 0) say(`  ${nodesDone}/${o.nodes} nodes`);
    });
    for (const name of [NAMESPACE, CANARY_NAMESPACE]) await api.call('POST', '/api/v1/namespaces', { body: { metadata: { name } } });
    say(`created ${o.nodes} nodes in ${round((performance.now() - t0) / 1000, 1)} s`);

    // --- the watch that times the binds ----------------------------------------------
    const bound = new Float64Array(o.pods).fill(NaN);
    let boundCount = 0;
    let initBound = 0;
    let firstBind = 0;
    let lastBind = 0;
    const seen = (p: Pod) => {
      const name = p.metadata?.name ?? '';
      if (!p.spec?.nodeName) return;
      if (name.startsWith('pod-')) {
        const i = Number(name.slice(4));
        if (!Number.isNaN(bound[i]!)) return;
        const now = performance.now();
        bound[i] = now;
        if (boundCount++ === 0) firstBind = now;
        lastBind = now;
      } else if (name.startsWith('init-')) initBound++;
    };
    const informer = watch.informer('pods', { onAdd: seen, onUpdate: (_old, p) => seen(p), onDelete: () => {} }, { fieldSelector: `metadata.namespace=${NAMESPACE}` });
    await informer.start();

    const created = new Float64Array(o.pods);
    let createdCount = 0;
    const createMeasured = async () => {
      const t = performance.now();
      await pool(o.pods, o.createConcurrency, async (i) => {
        const pod = makePod(o.workload, i, NAMESPACE, SCHEDULER_NAME);
        created[i] = performance.now();
        await api.call('POST', `/api/v1/namespaces/${NAMESPACE}/pods`, { body: pod });
        createdCount++;
      });
      const seconds = (performance.now() - t) / 1000;
      say(`created ${o.pods} pods in ${round(seconds, 1)} s`);
      return seconds;
    };
    const statsNow = () => ({
      scheduler: scheduler?.child.pid ? procStats(scheduler.child.pid) : undefined,
      apiserver: apiserverPid ? procStats(apiserverPid) : undefined,
      etcd: etcdPid ? procStats(etcdPid) : undefined,
    });
    let createSeconds = 0;
    let before: ReturnType<typeof statsNow>;
    let start: number;
    let driver0: NodeJS.CpuUsage;

    if (o.podsFirst) {
      // Every measured pod exists before the scheduler starts: it lists them
      // all at once, and the API serves binds only (no creations meanwhile).
      createSeconds = await createMeasured();
      before = statsNow();
      before.scheduler = { cpuSeconds: 0, peakRssMB: 0, rssMB: 0 };
      driver0 = process.cpuUsage();
      start = performance.now();
      scheduler = startScheduler(kind, o, cp, assets, logDir);
      say(`${kind} started (pid ${scheduler.child.pid}) with ${o.pods} pods waiting`);
    } else {
      // --- the scheduler, and a canary pod to know it is up and synced ---------------------
      scheduler = startScheduler(kind, o, cp, assets, logDir);
      const child = scheduler.child;
      const canary = makePod(o.workload, 0, CANARY_NAMESPACE, SCHEDULER_NAME, 'canary');
      delete canary.metadata!.labels;
      delete canary.spec!.affinity;
      delete canary.spec!.topologySpreadConstraints;
      await api.call('POST', `/api/v1/namespaces/${CANARY_NAMESPACE}/pods`, { body: canary });
      const readyBy = performance.now() + 180_000;
      for (;;) {
        const p = await api.call<Pod>('GET', `/api/v1/namespaces/${CANARY_NAMESPACE}/pods/canary-0`, { decode: true });
        if (p.spec?.nodeName) break;
        if (exitedOf(child)) throw new Error(`${kind} exited (${child.exitCode ?? child.signalCode}); see ${scheduler.log}`);
        if (performance.now() > readyBy) throw new Error(`${kind} did not bind the canary pod in 180 s; see ${scheduler.log}`);
        await sleep(100);
      }
      say(`${kind} is up (pid ${child.pid}, canary bound ${round((performance.now() - t0) / 1000, 1)} s after the first node)`);

      if (o.initPods > 0) {
        await pool(o.initPods, o.createConcurrency, (i) =>
          api.call('POST', `/api/v1/namespaces/${NAMESPACE}/pods`, { body: makePod(o.workload, i, NAMESPACE, SCHEDULER_NAME, 'init') }),
        );
        const by = performance.now() + o.timeoutSeconds * 1000;
        while (initBound < o.initPods && performance.now() < by && !exitedOf(child)) await sleep(100);
        say(`${initBound}/${o.initPods} init pods bound`);
      }
      before = statsNow();
      driver0 = process.cpuUsage();
      start = performance.now();
    }

    // --- the measured pods ------------------------------------------------------------
    const child = scheduler.child;
    let lastProgress = start;
    const progress = () => {
      const now = performance.now();
      if (now - lastProgress < 2000) return;
      lastProgress = now;
      say(`  ${createdCount} created, ${boundCount} bound after ${round((now - start) / 1000, 1)} s`);
    };
    const ticker = setInterval(progress, 500);
    let after: typeof before;
    try {
      if (!o.podsFirst) createSeconds = await createMeasured();
      const by = start + o.timeoutSeconds * 1000;
      let lastCount = -1;
      let lastChange = performance.now();
      while (boundCount < o.pods) {
        await sleep(50);
        const now = performance.now();
        if (boundCount !== lastCount) {
          lastCount = boundCount;
          lastChange = now;
        }
        if (now - lastChange > 60_000) {
          say(`  no bind for 60 s: stopping with ${boundCount}/${o.pods} bound`);
          break;
        }
        if (now > by) {
          say(`  --timeout ${o.timeoutSeconds} s reached: stopping with ${boundCount}/${o.pods} bound`);
          break;
        }
        if (exitedOf(child)) {
          say(`  ${kind} exited (${child.exitCode ?? child.signalCode}): see ${scheduler.log}`);
          break;
        }
      }
    } finally {
      clearInterval(ticker);
      after = statsNow();
    }
    const driver = process.cpuUsage(driver0);
    const end = boundCount > 0 ? lastBind : performance.now();
    const wall = (end - start) / 1000;
    const bindToBind = boundCount > 1 ? ((boundCount - 1) / (lastBind - firstBind)) * 1000 : 0;

    // --- what went where ---------------------------------------------------------------
    // Scheduled Events written (a full event queue drops them, in Berth, the
    // null binder and upstream alike): counted once the count stops growing.
    const eventsPath = `/apis/events.k8s.io/v1/namespaces/${NAMESPACE}/events`;
    let total = -1;
    for (let tries = 0; tries < 20; tries++) {
      // remainingItemCount comes only without a selector: count all, then the Scheduled ones.
      const page = await api.call<{ items: unknown[]; metadata?: { remainingItemCount?: number } }>('GET', `${eventsPath}?limit=1`, { decode: true });
      const count = page.items.length + (page.metadata?.remainingItemCount ?? 0);
      if (count === total) break;
      total = count;
      await sleep(500);
    }
    const scheduledEvents = (await api.call<{ items: unknown[] }>('GET', `${eventsPath}?fieldSelector=reason%3DScheduled`, { decode: true })).items.length;
    const list = await api.call<{ items: Pod[] }>('GET', `/api/v1/namespaces/${NAMESPACE}/pods`, { decode: true });
    const placements: Placement[] = list.items
      .filter((p) => p.spec?.nodeName)
      .map((p) => ({ name: p.metadata!.name!, labels: p.metadata?.labels ?? {}, node: p.spec!.nodeName! }));
    const zoneOfNode = (node: string) => makeNode(Number(node.slice('node-'.length))).metadata!.labels![ZONE_KEY];
    const violations = kind.startsWith('null-binder') ? [] : o.workload.check(placements, zoneOfNode);
    if (boundCount < o.pods) violations.unshift(`${o.pods - boundCount} of ${o.pods} pods not bound`);

    const latencies = sortedOf(Array.from({ length: o.pods }, (_, i) => bound[i]! - created[i]!).filter((v) => !Number.isNaN(v)));
    const delta = (a: ProcStats | undefined, b: ProcStats | undefined) => (a && b ? round(b.cpuSeconds - a.cpuSeconds, 2) : NaN);
    const cpuSeconds = delta(before.scheduler, after.scheduler);
    const result: E2EResult = {
      mode: 'e2e',
      workload: o.workload.name,
      nodes: o.nodes,
      pods: o.pods,
      initPods: o.initPods,
      scheduler: kind,
      workers: kind === 'berth' ? (o.workers ?? null) : null,
      kubeVersion: cp.version,
      podsFirst: o.podsFirst,
      podsPerSecond: Math.round(o.podsFirst ? bindToBind : boundCount / wall),
      bindToBindPodsPerSecond: Math.round(bindToBind),
      seconds: round(wall, 2),
      scheduled: boundCount,
      cpuSeconds,
      cpuMsPerPod: boundCount > 0 ? round((cpuSeconds * 1000) / boundCount, 2) : NaN,
      peakRssMB: Math.round(after.scheduler?.peakRssMB ?? NaN),
      latencyMs: o.podsFirst ? null : { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1) },
      createSeconds: round(createSeconds, 2),
      apiserverCpuSeconds: delta(before.apiserver, after.apiserver),
      etcdCpuSeconds: delta(before.etcd, after.etcd),
      driverCpuSeconds: round((driver.user + driver.system) / 1e6, 2),
      scheduledEvents,
      violations,
      logs: logDir,
    };
    say(
      `${kind}: ${result.podsPerSecond} pods/s (${result.bindToBindPodsPerSecond} first to last bind), ${result.cpuSeconds} CPU-s, ` +
        `peak RSS ${result.peakRssMB} MB, ${scheduledEvents} Scheduled Events, apiserver ${result.apiserverCpuSeconds} CPU-s, etcd ${result.etcdCpuSeconds} CPU-s` +
        (violations.length ? `; PROBLEMS: ${violations.join('; ')}` : ''),
    );
    return result;
  } finally {
    if (scheduler) await stopChild(scheduler.child);
    await watch.close();
    await api.close();
    await cp.stop();
  }
}

/**
 * Berth runs as operators install it: compiled to dist/ (bin/berth.js runs
 * dist/cli/main.js), under BERTH_NODE_OPTIONS. Running src/ instead would
 * add Node's TypeScript stripper to every process and thread (~30 MB RSS
 * each) and measure something nobody deploys.
 */
function buildBerth(): void {
  say('building Berth (npm run build: dist/)');
  // From scratch: tsc leaves the output of deleted sources behind.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`npm run build failed:\n${tsc.stdout}${tsc.stderr}`);
}

export async function runE2E(o: E2EOptions): Promise<E2EResult[]> {
  const assets = await resolveKubeAssets(['etcd', 'kubernetes'], say);
  if (o.schedulers.includes('berth')) buildBerth();
  const results: E2EResult[] = [];
  for (const kind of o.schedulers) results.push(await runOne(kind, o, assets));
  return results;
}
