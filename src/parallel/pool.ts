// The Parallelizer over a Piscina worker pool (docs/parallel.md).
//
// Filter goes in rounds over the rotation: a round takes the next positions
// (as many as should hold the nodes still needed, judging by how many passed
// so far), splits them into parts of at least minNodesPerTask, one per
// worker (plus one for this thread when a core is left for it), posts them,
// filters its own meanwhile, then merges the parts in rotation order:
// the first `toFind` nodes that passed win, the rejections before that point
// are reported, and `evaluated` is the position of the last node needed, as
// the inline loop would have it. Score splits the feasible nodes the same
// way; the raw scores are merged and Framework.combineScores normalizes and
// weighs them on this thread.
//
// Work too small for two parts runs inline (InlineParallelizer), as do
// profiles with a plugin the workers do not have, cycles whose state is not
// plain data, and tables other than a NodeTable.
//
// A task whose worker dies (or throws) is retried once with a full sync on
// whichever worker Piscina gives it (Piscina replaces the dead one); a second
// failure fails the cycle with Code.Error, and the pod is retried with
// backoff. Workers never keep the process alive (Piscina unrefs idle ones);
// close() destroys the pool.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { NodeTable } from '../cache/node-table.ts';
import type { CycleState } from '../framework/cycle-state.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import type { Framework, Registry, ResolvedProfile, ScoreFailure } from '../framework/runtime.ts';
import { Code, Status, type Result } from '../framework/status.ts';
import type { Logger } from '../logging/logger.ts';
import { layoutOf } from './attached-table.ts';
import { filterRows } from './filter-rows.ts';
import { inlineParallelizer } from './inline.ts';
import { rowAt, type FilterJob, type FilterOutcome, type Parallelizer, type ScoreJob } from './parallelizer.ts';
import type { Reply, SyncData, Task, WorkerProfile, WorkerSyncState } from './protocol.ts';
import { encodeCycle, fromWire, notPlainAt, stateEntries, type CycleBlob, type FilterVerdicts } from './transfer.ts';

/**
 * Plugins whose Filter or Score must run on the scheduling thread: their
 * per-node code reads something besides CycleState and the NodeView. None of
 * the in-tree plugins does (a test runs them all in workers, where every
 * such read throws).
 */
export const INLINE_ONLY_PLUGINS: ReadonlySet<string> = new Set<string>();

/**
 * Each worker thread's young generation, in Node's Worker resourceLimits
 * count (three semi-spaces): 16 MiB semi-spaces, as the scheduling thread
 * runs with (src/cli/node-options.ts). Left to V8, a thread's cap follows the
 * machine's memory, like the main thread's.
 */
export const WORKER_MAX_YOUNG_GENERATION_MB = 48;

export interface PoolOptions {
  /** Worker threads (≥ 1). */
  workers: number;
  /** The fewest nodes one part of the work carries; fewer than two parts' worth runs inline. */
  minNodesPerTask: number;
  /** The profiles the frameworks were built from (matched by schedulerName). */
  profiles: readonly ResolvedProfile[];
  /** The registry the frameworks were built from. */
  registry: Registry;
  /**
   * The entries the workers load: the in-tree registry, plus those of
   * registryModules. A plugin runs in workers only when the frameworks'
   * registry has this same entry for its name.
   */
  workerRegistry: Registry;
  /** Module URLs whose `registryEntries` the workers add to the in-tree registry (tests). */
  registryModules?: readonly string[];
  logger?: Logger;
  /** Whether the scheduling thread takes a part of the work; default: when there are more cores than workers. */
  mainTakesPart?: boolean;
  /** The worker entry point; the default is src/workers/filter-score. */
  workerUrl?: URL;
}

/** Counters for tests and benchmarks. */
export interface PoolStats {
  /** Cycles whose Filter (Score) went to the workers. */
  filterFanOuts: number;
  scoreFanOuts: number;
  /** Tasks posted, first attempts and retries. */
  tasks: number;
  /** Tasks whose worker died or threw. */
  taskFailures: number;
  /** Tasks sent again with a full sync because a worker lacked something. */
  resyncs: number;
}

interface ProfileEntry {
  id: number;
  profile: ResolvedProfile;
  filter: boolean;
  score: boolean;
}

/** A part's outcome: its verdicts or raw scores, or the Code.Error the pool gives when its task failed twice. */
type PartResult<T> = { ok: true; value: T } | { ok: false; status: Status };

const DEFAULT_WORKER_URL = new URL(`../workers/filter-score${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

function grownInt32(current: Int32Array, length: number): Int32Array {
  return current.length >= length ? current : new Int32Array(new SharedArrayBuffer(Math.max(length, current.length * 2) * Int32Array.BYTES_PER_ELEMENT));
}

function grownFloat64(current: Float64Array, length: number): Float64Array {
  return current.length >= length ? current : new Float64Array(new SharedArrayBuffer(Math.max(length, current.length * 2) * Float64Array.BYTES_PER_ELEMENT));
}

/** The share of nodes expected to pass when nothing is known yet, and the margin a round adds. */
const INITIAL_RATIO = 1;
const ROUND_MARGIN = 1.1;
const MIN_RATIO = 0.01;

export class PoolParallelizer implements Parallelizer {
  readonly workers: number;
  readonly minNodesPerTask: number;
  /**
   * Whether this thread filters and scores a part too: when the workers leave
   * it a core of its own. With as many workers as cores (the default) it only
   * hands out and merges: a third busy thread on two cores is slower
   * (docs/parallel.md).
   */
  readonly mainTakesPart: boolean;
  readonly stats: PoolStats = { filterFanOuts: 0, scoreFanOuts: 0, tasks: 0, taskFailures: 0, resyncs: 0 };
  private readonly options: PoolOptions;
  private piscina: Piscina | undefined;
  private closed = false;
  /** Set when workers cannot start at all: everything runs inline from then on. */
  private broken = false;
  /** Whether the workers answered a first ping: they load their entry point and registry. */
  private started: Promise<boolean> | undefined;
  /** What each live worker said it has, by thread id. */
  private readonly threads = new Map<number, WorkerSyncState>();
  private readonly profileEntries = new WeakMap<Framework, ProfileEntry | null>();
  private nextProfileId = 0;
  private readonly tableIds = new WeakMap<NodeTable, number>();
  private nextTableId = 0;
  private nextBlobId = 0;
  /** State keys checked once for plain data; the failing ones with where they fail. */
  private readonly checkedKeys = new Set<string>();
  private readonly nonPlainKeys = new Map<string, string>();
  /**
   * Scratch shared with the workers, reused cycle after cycle (the pool runs
   * one cycle at a time, and every task of a round is settled before the
   * next round): a round's rows and verdicts, Score's rows and raw scores.
   */
  private rows: Int32Array = new Int32Array(new SharedArrayBuffer(0));
  private verdicts: Int32Array = new Int32Array(new SharedArrayBuffer(0));
  private raw: Float64Array = new Float64Array(new SharedArrayBuffer(0));
  /** Share of evaluated nodes that passed in the framework's last cycles (sizes the first round). */
  private readonly passRatio = new WeakMap<Framework, number>();

  constructor(options: PoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError('workers must be a positive integer');
    if (!Number.isInteger(options.minNodesPerTask) || options.minNodesPerTask < 1) {
      throw new RangeError('minNodesPerTask must be a positive integer');
    }
    this.options = options;
    this.workers = options.workers;
    this.minNodesPerTask = options.minNodesPerTask;
    this.mainTakesPart = options.mainTakesPart ?? options.workers < availableParallelism();
  }

  // --- Filter ----------------------------------------------------------------------

  filter(job: FilterJob): FilterOutcome | Promise<FilterOutcome> {
    const table = this.tableOf(job.nodes);
    const entry = table && this.entryFor(job.fw);
    if (!table || !entry?.filter) return inlineParallelizer.filter(job);
    const ratio = this.passRatio.get(job.fw) ?? INITIAL_RATIO;
    if (Math.min(job.numCandidates, this.roundSize(job.toFind, ratio)) < 2 * this.minNodesPerTask) return inlineParallelizer.filter(job);
    const blob = this.encode(job.pod, job.state);
    if (!blob) return inlineParallelizer.filter(job);
    this.stats.filterFanOuts++;
    return this.filterInRounds(job, table, entry, blob, ratio);
  }

  private async filterInRounds(job: FilterJob, table: NodeTable, entry: ProfileEntry, blob: CycleBlob, ratio: number): Promise<FilterOutcome> {
    if (!(await this.start())) return inlineParallelizer.filter(job);
    const { fw, state, pod, toFind, feasible, numCandidates } = job;
    const cursor = table.view(0);
    const blobId = this.nextBlobId++;
    let pos = 0;
    let found = 0;
    let evaluated = -1;
    let failure: Status | undefined;
    while (evaluated < 0 && pos < numCandidates) {
      const need = toFind - found;
      let size = Math.min(numCandidates - pos, this.roundSize(need, pos > 0 ? Math.max(found / pos, MIN_RATIO) : ratio));
      // No tail too small for a part of its own.
      if (numCandidates - pos - size < this.minNodesPerTask) size = numCandidates - pos;
      // The round's rows, in rotation order, and its verdicts: shared with the workers, part by part.
      const rows = (this.rows = grownInt32(this.rows, size));
      const verdicts = (this.verdicts = grownInt32(this.verdicts, size));
      for (let k = 0; k < size; k++) rows[k] = rowAt(job, pos + k);
      const parts = this.split(0, size);
      const onMain = this.mainTakesPart || parts.length === 1;
      const sync = parts.length > 1 ? this.syncFor(table, entry, false) : undefined;
      const pending = parts.map(([from, to], i) =>
        i === 0 && onMain ? undefined : this.runTask<FilterVerdicts>(
          (full) => ({
            kind: 'filter',
            sync: full ? this.syncFor(table, entry, true) : sync!,
            layoutVersion: table.layoutVersion,
            size: table.size,
            profileId: entry.id,
            blobId,
            blob,
            rows: { buffer: rows.buffer as SharedArrayBuffer, offset: from, length: to - from },
            verdicts: { buffer: verdicts.buffer as SharedArrayBuffer, offset: from, length: to - from },
            need,
          }),
          (reply) => {
            if (reply.kind !== 'filter') throw new Error(`expected a filter reply, got ${reply.kind}`);
            return { processed: reply.processed, statuses: reply.statuses.map(fromWire) };
          },
        ),
      );
      // This thread filters the first part (when it has a core of its own) while the workers filter the others.
      const [from0, to0] = parts[0]!;
      const mine: PartResult<FilterVerdicts> | undefined = onMain
        ? { ok: true, value: filterRows(fw, state, pod, cursor, rows.subarray(from0, to0), need, verdicts.subarray(from0, to0)) }
        : undefined;
      const results = await Promise.all(pending.map((task) => task ?? Promise.resolve(mine!)));

      for (let i = 0; i < parts.length && evaluated < 0; i++) {
        const [from, to] = parts[i]!;
        const result = results[i]!;
        if (!result.ok) {
          failure = result.status;
          evaluated = pos + from;
          break;
        }
        const { processed, statuses } = result.value;
        for (let k = from; k < from + processed; k++) {
          const v = verdicts[k]!;
          if (v < 0) {
            feasible[found++] = rows[k]!;
            if (found === toFind) {
              evaluated = pos + k + 1;
              break;
            }
            continue;
          }
          const status = statuses[v]!;
          if (status.code === Code.Error) {
            failure = status;
            evaluated = pos + k + 1;
            break;
          }
          job.onRejected(rows[k]!, status);
        }
        if (evaluated < 0 && processed < to - from) {
          // A part stops early only when it found what the round needed or failed: the merge stops there first.
          failure = Status.error(`parallel filter: a part stopped after ${processed} of ${to - from} nodes with nothing to stop for`);
          evaluated = pos + from + processed;
        }
      }
      pos += size;
    }
    if (evaluated < 0) evaluated = numCandidates;
    if (evaluated > 0 && failure === undefined) this.passRatio.set(fw, found / evaluated);
    return { found, evaluated, failure };
  }

  /** Positions a round takes to find `need` more nodes when `ratio` of them pass. */
  private roundSize(need: number, ratio: number): number {
    return Math.ceil((need / ratio) * ROUND_MARGIN);
  }

  /** [from, to) of each part of `size` positions from `start`: one per thread that takes part, each of at least minNodesPerTask. */
  private split(start: number, size: number): [number, number][] {
    const threads = this.mainTakesPart ? this.workers + 1 : this.workers;
    const count = Math.max(1, Math.min(threads, Math.floor(size / this.minNodesPerTask)));
    const parts: [number, number][] = [];
    for (let i = 0; i < count; i++) {
      parts.push([start + Math.floor((size * i) / count), start + Math.floor((size * (i + 1)) / count)]);
    }
    return parts;
  }

  // --- Score -----------------------------------------------------------------------

  score(job: ScoreJob): Result | Promise<Result> {
    const table = this.tableOf(job.nodes);
    const entry = table && this.entryFor(job.fw);
    if (!table || !entry?.score || job.count < 2 * this.minNodesPerTask) return inlineParallelizer.score(job);
    const blob = this.encode(job.pod, job.state);
    if (!blob) return inlineParallelizer.score(job);
    this.stats.scoreFanOuts++;
    return this.scoreInParts(job, table, entry, blob);
  }

  private async scoreInParts(job: ScoreJob, table: NodeTable, entry: ProfileEntry, blob: CycleBlob): Promise<Result> {
    if (!(await this.start())) return inlineParallelizer.score(job);
    const { fw, state, pod, feasible, count, totals } = job;
    const start = performance.now();
    const plugins = fw.scorePlugins.length;
    // The feasible rows and the raw scores (raw[p * count + i], Framework.scoreNodes' layout), shared with the workers.
    const rows = (this.rows = grownInt32(this.rows, count));
    rows.set(feasible.subarray(0, count));
    const raw = (this.raw = grownFloat64(this.raw, plugins * count));
    const blobId = this.nextBlobId++;
    const parts = this.split(0, count);
    const onMain = this.mainTakesPart || parts.length === 1;
    const sync = this.syncFor(table, entry, false);
    const pending = parts.slice(onMain ? 1 : 0).map(([from, to]) =>
      this.runTask<ScoreFailure | null>(
        (full) => ({
          kind: 'score',
          sync: full ? this.syncFor(table, entry, true) : sync,
          layoutVersion: table.layoutVersion,
          size: table.size,
          profileId: entry.id,
          blobId,
          blob,
          rows: { buffer: rows.buffer as SharedArrayBuffer, offset: from, length: to - from },
          raw: { buffer: raw.buffer as SharedArrayBuffer, offset: from, stride: count },
          plugins,
        }),
        (reply) => {
          if (reply.kind !== 'score') throw new Error(`expected a score reply, got ${reply.kind}`);
          return reply.failure && { pluginIndex: reply.failure.pluginIndex, status: fromWire(reply.failure.status) };
        },
      ),
    );
    const [from0, to0] = parts[0]!;
    let failure = onMain ? fw.scoreNodes(state, pod, table, feasible, from0, to0, raw.subarray(from0), count) : null;
    const results = await Promise.all(pending);
    for (const result of results) {
      if (!result.ok) {
        fw.recordExtensionPoint('Score', result.status, start);
        return result.status;
      }
      // The inline loop meets the failing plugin with the lowest index first, at its first failing node.
      if (result.value && (failure === null || result.value.pluginIndex < failure.pluginIndex)) failure = result.value;
    }
    const status = fw.combineScores(state, pod, feasible, count, raw.subarray(0, plugins * count), failure, totals, job.normalized);
    // The runtime times Score itself only when it runs it whole (runScorePlugins).
    fw.recordExtensionPoint('Score', status, start);
    return status;
  }

  // --- tasks -----------------------------------------------------------------------

  /**
   * Runs one task: again with a full sync if the worker lacked something,
   * and once more if its worker died or threw; then a Code.Error.
   */
  private async runTask<T>(build: (full: boolean) => Task, read: (reply: Reply) => T): Promise<PartResult<T>> {
    let full = false;
    let failures = 0;
    let resyncs = 0;
    for (;;) {
      let reply: Reply;
      try {
        this.stats.tasks++;
        reply = (await this.pool().run(build(full))) as Reply;
      } catch (err) {
        this.stats.taskFailures++;
        failures++;
        const message = err instanceof Error ? err.message : String(err);
        if (failures < 2 && !this.broken && !this.closed) {
          this.options.logger?.warn({ err }, 'worker task failed; retrying it once');
          full = true;
          continue;
        }
        return { ok: false, status: Status.error(`parallel ${build(false).kind}: worker task failed twice: ${message}`) };
      }
      this.threads.set(reply.state.thread, reply.state);
      if (reply.kind === 'resync') {
        this.stats.resyncs++;
        if (++resyncs > 2) return { ok: false, status: Status.error(`parallel ${build(false).kind}: worker cannot sync (${reply.reason})`) };
        full = true;
        continue;
      }
      return { ok: true, value: read(reply) };
    }
  }

  /**
   * Starts the pool once and pings every worker: a worker that cannot load
   * its entry point or registry would fail every task, so the pool is given
   * up (logged) and everything runs inline from then on.
   */
  private start(): Promise<boolean> {
    this.started ??= (async () => {
      try {
        const pool = this.pool();
        const replies = (await Promise.all(Array.from({ length: this.workers }, () => pool.run({ kind: 'ping' } satisfies Task)))) as Reply[];
        for (const reply of replies) this.threads.set(reply.state.thread, reply.state);
        return true;
      } catch (err) {
        if (this.closed) return false;
        this.broken = true;
        this.options.logger?.error({ err }, 'worker threads cannot start; filtering and scoring inline from now on');
        await this.close();
        return false;
      }
    })();
    return this.started;
  }

  /** What the least up-to-date live worker lacks (everything, with `full`). */
  private syncFor(table: NodeTable, entry: ProfileEntry, full: boolean): SyncData {
    const tableId = this.tableIdOf(table);
    let layout = full;
    let stringsFrom = full ? 0 : table.interner.size;
    let profile = full;
    const live = new Set<number>();
    for (const worker of this.pool().threads) {
      live.add(worker.threadId);
      const s = this.threads.get(worker.threadId);
      if (!s || s.tableId !== tableId) {
        layout = true;
        stringsFrom = 0;
        profile = true;
        continue;
      }
      if (s.layoutVersion !== table.layoutVersion) layout = true;
      if (s.strings < stringsFrom) stringsFrom = s.strings;
      if (!s.profiles.includes(entry.id)) profile = true;
    }
    for (const thread of this.threads.keys()) if (!live.has(thread)) this.threads.delete(thread);
    const profiles: WorkerProfile[] | undefined = profile ? [{ id: entry.id, profile: entry.profile }] : undefined;
    return { tableId, layout: layout ? layoutOf(table) : undefined, stringsFrom, strings: table.interner.since(stringsFrom), profiles };
  }

  private pool(): Piscina {
    if (this.closed) throw new Error('the worker pool is closed');
    this.piscina ??= new Piscina({
      filename: (this.options.workerUrl ?? DEFAULT_WORKER_URL).href,
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: Infinity,
      recordTiming: false,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_MAX_YOUNG_GENERATION_MB },
      workerData: { registryModules: [...(this.options.registryModules ?? [])] },
    });
    return this.piscina;
  }

  /** Worker threads started (tests). */
  get threadCount(): number {
    return this.piscina?.threads.length ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    const piscina = this.piscina;
    this.piscina = undefined;
    this.threads.clear();
    await piscina?.destroy();
  }

  // --- what may go to the workers ---------------------------------------------------

  private tableOf(nodes: unknown): NodeTable | undefined {
    return !this.closed && !this.broken && nodes instanceof NodeTable ? nodes : undefined;
  }

  private tableIdOf(table: NodeTable): number {
    let id = this.tableIds.get(table);
    if (id === undefined) {
      id = this.nextTableId++;
      this.tableIds.set(table, id);
    }
    return id;
  }

  /** The framework's profile, and whether its Filter and its Score plugins can all run in workers. */
  private entryFor(fw: Framework): ProfileEntry | null {
    let entry = this.profileEntries.get(fw);
    if (entry !== undefined) return entry;
    const profile = this.options.profiles.find((p) => p.schedulerName === fw.schedulerName);
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n, i) => n === b[i]);
    if (
      !profile ||
      !same(profile.points.filter, fw.filterPlugins.map((p) => p.name)) ||
      !same(profile.points.score, fw.scorePlugins.map((p) => p.plugin.name))
    ) {
      entry = null;
    } else {
      const inWorkers = (name: string) =>
        !INLINE_ONLY_PLUGINS.has(name) && this.options.registry.get(name) !== undefined && this.options.registry.get(name) === this.options.workerRegistry.get(name);
      const filter = profile.points.filter.every(inWorkers);
      const score = profile.points.score.every(inWorkers);
      // Workers build only the points they run: a plugin they do not have is left out with its point.
      const points = { ...profile.points, filter: filter ? profile.points.filter : [], score: score ? profile.points.score : [] };
      entry = { id: this.nextProfileId++, profile: { ...profile, points }, filter, score };
    }
    this.profileEntries.set(fw, entry);
    return entry;
  }

  /** The cycle for the workers, or undefined when some value in it is not plain data (logged once per key). */
  private encode(pod: PodInfo, state: CycleState): CycleBlob | undefined {
    const entries = stateEntries(state);
    for (const [key, value] of entries) {
      if (!this.checkedKeys.has(key)) {
        this.checkedKeys.add(key);
        const where = notPlainAt(value);
        if (where) {
          this.nonPlainKeys.set(key, where);
          this.options.logger?.warn({ key, where }, 'cycle state is not plain data; pods with it are filtered and scored inline');
        }
      }
      if (this.nonPlainKeys.has(key)) return undefined;
    }
    try {
      return encodeCycle(pod, state, entries);
    } catch (err) {
      this.options.logger?.warn({ err, pod: pod.key }, 'cycle state cannot be serialized; filtering and scoring inline');
      return undefined;
    }
  }
}
