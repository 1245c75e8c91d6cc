// Opportunistic batching: pods that ask for the same thing reuse the last
// full cycle's scored nodes instead of filtering and scoring the cluster
// again (upstream's KEP-5598, pkg/scheduler/framework/runtime/batch.go), and
// more: upstream hands out the next node only when the last chosen node can
// no longer take another such pod, because it cannot rescore that node;
// Berth re-checks every kept node whose row changed since it was scored (the
// pod just placed there, binds confirmed, pods of other schedulers, deletes)
// with Filter and the score plugins that read the node's pods, and keeps the
// rest as scored. A batched pod therefore lands on the node a full cycle
// over the same sample of nodes would pick.
//
//   full cycle, signable pod ─▶ store(): the feasible rows, their totals and
//                               the part of each total from NormalizeScore
//                               plugins, each row's stamp (NodeTable.rowStamp)
//   next pod, same signature ─▶ reuse(): PreFilter and PreScore for this pod
//                               (their CycleState is the pod's own), Filter +
//                               unnormalized Score on the changed rows, the
//                               best total wins (ties at random), Filter once
//                               more on the winner
//
// Filters that read other nodes' pods (PodTopologySpread's DoNotSchedule
// constraints: SignPlugin.filtersGlobally) run again on every kept node
// before each use; a node they drop, or rejected in the full cycle, is
// watched: if it passes again, the batch gives way to a full cycle. Scores
// that read other nodes' pods (its ScheduleAnyway constraints, System
// defaults included: SignPlugin.scoresGlobally) are computed again, PreScore
// to NormalizeScore, over the kept nodes for each pod, and their part of
// each total replaced.
//
// A batch is dropped (and the pod gets a full cycle) when the signature
// differs or is null (interfaces.ts, SignPlugin), when a node was added,
// removed or changed its spec (NodeTable.specVersion), when a node the full
// cycle rejected changed (it may fit now: a full cycle would score it), when the pods with
// affinity terms changed (their terms may reach any node), when PreFilter or
// PreScore answer differently, when it is older than maxAgeMs or has served
// as many pods as it had nodes (so the rotation of full cycles still gives
// every node its turn), or when no kept node fits. Batches are kept per
// signature (a few at a time), so interleaved workloads each keep theirs.
import { CycleState } from '../framework/cycle-state.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import type { NodeTableReader, NodeView } from '../framework/node-view.ts';
import { Code } from '../framework/status.ts';
import type { Framework } from '../framework/runtime.ts';
import { pickBest, type TieBreaker } from './schedule-pod.ts';

/** What the batch needs of the node table beyond NodeTableReader (NodeTable has it). */
export interface ChangeStamps {
  readonly specVersion: number;
  rowStamp(row: number): number;
  readonly writeCount: number;
  /** The row of write w, or -1 when the table no longer remembers it. */
  rowOfWrite(w: number): number;
}

export function hasChangeStamps(nodes: NodeTableReader): nodes is NodeTableReader & ChangeStamps {
  return typeof (nodes as Partial<ChangeStamps>).rowStamp === 'function';
}

/** Why a batch was dropped (bounded label values for metrics). */
export type FlushReason = 'incompatible' | 'nodes_changed' | 'rejected_node_changed' | 'affinity_changed' | 'expired' | 'used_up' | 'empty_list' | 'plugins_differ';

/** Where the batch reports what it did (SchedulerMetrics.batchRecorder: upstream's batch metrics). */
export interface BatchRecorder {
  /** A pod with a signature: placed from its batch (hint_used), or given a full cycle (no_hint). */
  attempt(profile: string, result: 'hint_used' | 'no_hint'): void;
  flushed(profile: string, reason: FlushReason): void;
  /** Changed nodes re-filtered and rescored for one pod. */
  rescored(profile: string, nodes: number): void;
}

export interface BatchStats {
  /** Full cycles whose result was kept for later pods. */
  stored: number;
  /** Pods placed from a batch. */
  used: number;
  /** Rows re-filtered and rescored because they changed. */
  rechecked: number;
  flushed: Record<FlushReason, number>;
}

export interface BatchResult {
  nodeName: string;
  state: CycleState;
  /** Nodes re-checked with Filter. */
  evaluatedNodes: number;
  /** Nodes left in the batch. */
  feasibleNodes: number;
}

interface Entry {
  fw: Framework;
  signature: string;
  specVersion: number;
  affinityVersion: number;
  createdMs: number;
  uses: number;
  maxUses: number;
  count: number;
  rows: Int32Array;
  totals: Float64Array;
  /** The part of totals[i] from plugins with NormalizeScore: kept as is when the row is rescored. */
  normalized: Float64Array;
  stamps: Float64Array;
  /** Row → its index in rows, or -1. */
  indexOf: Int32Array;
  /** Row → 1 when the full cycle looked at it and rejected it: if it changes, it may fit now. */
  rejected: Uint8Array;
  /** Filter plugins whose answer reads other nodes (Framework.globalFilters): re-run on every kept node before each use. */
  globals: number[];
  globalNames: ReadonlySet<string>;
  /** Rows one of those rejected (in the full cycle, or since): if they all pass now, the row may fit. */
  globallyRejected: number[];
  /** The table's writeCount when the batch last looked at its write log. */
  seenWrites: number;
  skipFilter: ReadonlySet<string>;
  skipScore: ReadonlySet<string>;
  /** What PreScore wrote for the stored pod: equal for every pod of the signature (SignPlugin), so it is handed on, not recomputed. */
  preScore: [string, unknown][];
  /** Score plugins that read other nodes (Framework.globalScorers): rescored over the kept nodes for each pod. */
  scorers: number[];
  /** Per kept row, the part of totals (and of normalized) from those plugins. */
  globalScores: Float64Array;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

export interface BatchOptions {
  /** Upstream's maxBatchAge: 500 ms. */
  maxAgeMs?: number;
  /** Batches kept at once (one per signature). */
  maxEntries?: number;
  /** Monotonic milliseconds. */
  now?: () => number;
  /** Changes whenever the set of pods with affinity terms (or their nodes) changes. */
  affinityVersion?: () => number;
  recorder?: BatchRecorder;
}

export class Batches {
  readonly stats: BatchStats = {
    stored: 0,
    used: 0,
    rechecked: 0,
    flushed: { incompatible: 0, nodes_changed: 0, rejected_node_changed: 0, affinity_changed: 0, expired: 0, used_up: 0, empty_list: 0, plugins_differ: 0 },
  };
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly affinityVersion: () => number;
  private readonly recorder: BatchRecorder | undefined;
  private dirty = new Int32Array(16);
  private scratch = new Float64Array(16);

  constructor(options: BatchOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 500;
    this.maxEntries = options.maxEntries ?? 8;
    this.now = options.now ?? (() => performance.now());
    this.affinityVersion = options.affinityVersion ?? (() => 0);
    this.recorder = options.recorder;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keeps a full cycle's scored nodes for later pods with this signature. */
  store(
    fw: Framework,
    signature: string,
    nodes: NodeTableReader & ChangeStamps,
    state: CycleState,
    feasible: Int32Array,
    totals: Float64Array,
    normalized: Float64Array,
    count: number,
    rejected: Int32Array,
    /** Per rejected row, the plugin that rejected it. */
    rejectedBy: readonly (string | undefined)[],
    pod: PodInfo,
    /** The keys PreScore wrote to `state`. */
    preScoreKeys: readonly string[],
  ): void {
    if (count < 2) return;
    this.entries.delete(signature);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const stamps = new Float64Array(count);
    const indexOf = new Int32Array(nodes.size).fill(-1);
    for (let i = 0; i < count; i++) {
      stamps[i] = nodes.rowStamp(feasible[i]!);
      indexOf[feasible[i]!] = i;
    }
    // A node a global filter rejected is re-checked with it before each use; any other rejected node is watched for changes.
    const globals = fw.globalFilters(pod);
    const globalNames = new Set(globals.map((i) => fw.filterPlugins[i]!.name));
    const globallyRejected: number[] = [];
    // Scores that read other nodes: their part of each total, to replace as the pods placed move them.
    // From the cycle's own PreScore state, not a new PreScore: the pod index is live, and informer
    // events may have moved it while Score ran in the worker pool.
    const scorers = fw.globalScorers(pod);
    const globalScores = new Float64Array(count);
    if (scorers.length > 0 && fw.scoreGlobally(state.clone(), pod, nodes, feasible.slice(0, count), scorers, globalScores, false) !== null) return;
    const rejectedMask = new Uint8Array(nodes.size);
    for (let i = 0; i < rejected.length; i++) {
      if (globalNames.has(rejectedBy[i] ?? '')) globallyRejected.push(rejected[i]!);
      else rejectedMask[rejected[i]!] = 1;
    }
    this.entries.set(signature, {
      fw,
      signature,
      specVersion: nodes.specVersion,
      affinityVersion: this.affinityVersion(),
      createdMs: this.now(),
      uses: 0,
      maxUses: count,
      count,
      rows: feasible.slice(0, count),
      totals: totals.slice(0, count),
      normalized: normalized.slice(0, count),
      stamps,
      indexOf,
      rejected: rejectedMask,
      globals,
      globalNames,
      globallyRejected,
      seenWrites: nodes.writeCount,
      skipFilter: new Set(state.skipFilterPlugins),
      skipScore: new Set(state.skipScorePlugins),
      preScore: preScoreKeys.map((k): [string, unknown] => [k, state.read(k)]),
      scorers,
      globalScores,
    });
    this.stats.stored++;
  }

  /**
   * A node for the pod from the batch of its signature, or undefined: then
   * the pod needs a full cycle (and a batch that could not serve it is gone).
   */
  reuse(fw: Framework, pod: PodInfo, signature: string, nodes: NodeTableReader & ChangeStamps, tieBreaker: TieBreaker): BatchResult | undefined {
    const result = this.tryReuse(fw, pod, signature, nodes, tieBreaker);
    this.recorder?.attempt(fw.schedulerName, result === undefined ? 'no_hint' : 'hint_used');
    return result;
  }

  private tryReuse(fw: Framework, pod: PodInfo, signature: string, nodes: NodeTableReader & ChangeStamps, tieBreaker: TieBreaker): BatchResult | undefined {
    const e = this.entries.get(signature);
    if (e === undefined) return undefined;
    if (e.fw !== fw) return this.flush(e, 'incompatible');
    if (e.specVersion !== nodes.specVersion) return this.flush(e, 'nodes_changed');
    if (e.affinityVersion !== this.affinityVersion()) return this.flush(e, 'affinity_changed');
    if (this.now() - e.createdMs > this.maxAgeMs) return this.flush(e, 'expired');
    if (e.uses >= e.maxUses) return this.flush(e, 'used_up');

    // The kept rows written since the last look, from the table's write log.
    const writes = nodes.writeCount;
    if (writes - e.seenWrites > 0 && nodes.rowOfWrite(e.seenWrites + 1) < 0) return this.flush(e, 'nodes_changed');
    const { rows, totals, normalized, stamps, indexOf } = e;
    if (this.dirty.length < writes - e.seenWrites) this.dirty = new Int32Array(writes - e.seenWrites);
    const dirty = this.dirty;
    let changed = 0;
    for (let w = e.seenWrites + 1; w <= writes; w++) {
      const row = nodes.rowOfWrite(w);
      if (e.rejected[row] === 1) return this.flush(e, 'rejected_node_changed');
      const i = indexOf[row]!;
      if (i < 0 || stamps[i] === nodes.rowStamp(row)) continue;
      stamps[i] = nodes.rowStamp(row);
      dirty[changed++] = row;
    }
    e.seenWrites = writes;

    const state = new CycleState();
    const pre = fw.runPreFilterPlugins(state, pod, nodes);
    if (pre.status !== null || !sameSet(state.skipFilterPlugins, e.skipFilter)) return this.flush(e, 'plugins_differ');

    // Filter the changed rows; drop the ones that no longer fit.
    const cursor = nodes.view(0);
    let evaluated = 0;
    for (let k = 0; k < changed; k++) {
      const row = dirty[k]!;
      evaluated++;
      const status = fw.runFilterPlugins(state, pod, cursor.at(row));
      if (status === null) continue;
      if (status.code === Code.Error) return this.flush(e, 'plugins_differ');
      this.removeAt(e, indexOf[row]!, status.plugin);
    }
    // Filters that read other nodes: every kept node again, and the nodes they rejected (which may fit now).
    if (e.globals.length > 0) {
      for (let i = 0; i < e.globallyRejected.length; i++) {
        const status = this.runGlobals(e, fw, state, pod, cursor.at(e.globallyRejected[i]!));
        if (status === 'error') return this.flush(e, 'plugins_differ');
        if (status === 'pass') return this.flush(e, 'rejected_node_changed');
      }
      // One pass, keeping the order; a node dropped here is watched like the ones the full cycle rejected.
      evaluated += e.count;
      let kept = 0;
      for (let i = 0; i < e.count; i++) {
        const row = rows[i]!;
        const status = this.runGlobals(e, fw, state, pod, cursor.at(row));
        if (status === 'error') return this.flush(e, 'plugins_differ');
        if (status === 'reject') {
          indexOf[row] = -1;
          e.globallyRejected.push(row);
          continue;
        }
        if (kept !== i) {
          rows[kept] = row;
          totals[kept] = totals[i]!;
          normalized[kept] = normalized[i]!;
          e.globalScores[kept] = e.globalScores[i]!;
          stamps[kept] = stamps[i]!;
          indexOf[row] = kept;
        }
        kept++;
      }
      e.count = kept;
    }
    if (e.count === 0) return this.flush(e, 'empty_list');

    // PreScore's answers are the stored pod's (equal signature): upstream runs no scoring for a batched pod at all.
    for (const [key, value] of e.preScore) state.write(key, value);
    for (const name of e.skipScore) state.skipScorePlugins.add(name);
    if (e.scorers.length > 0 && !this.rescoreGlobally(e, fw, state, pod, nodes)) return this.flush(e, 'plugins_differ');
    for (let k = 0; k < changed; k++) {
      const row = dirty[k]!;
      const i = indexOf[row]!;
      if (i < 0) continue;
      const score = fw.scoreUnnormalized(state, pod, cursor.at(row));
      if (typeof score !== 'number') return this.flush(e, 'plugins_differ');
      totals[i] = normalized[i]! + score;
    }
    this.stats.rechecked += changed;
    if (changed > 0) this.recorder?.rescored(fw.schedulerName, changed);

    // The best kept node; it passed Filter for an equal pod, and once more for this one.
    for (;;) {
      const best = pickBest(totals, e.count, tieBreaker);
      const row = rows[best]!;
      evaluated++;
      const status = fw.runFilterPlugins(state, pod, cursor.at(row));
      if (status !== null) {
        if (status.code === Code.Error) return this.flush(e, 'plugins_differ');
        this.removeAt(e, best, status.plugin);
        if (e.count === 0) return this.flush(e, 'empty_list');
        // Fewer nodes: global scores are normalized over the ones left.
        if (e.scorers.length > 0 && !this.rescoreGlobally(e, fw, state, pod, nodes)) return this.flush(e, 'plugins_differ');
        continue;
      }
      e.uses++;
      this.stats.used++;
      return { nodeName: cursor.at(row).name(), state, evaluatedNodes: evaluated, feasibleNodes: e.count };
    }
  }

  /**
   * The global scorers' part of every kept node's total, again: their
   * PreScore over the kept nodes (domain counts move with every pod placed),
   * Score and NormalizeScore; totals and normalized take the difference.
   * False when a plugin fails or skips (the batch gives way).
   */
  private rescoreGlobally(e: Entry, fw: Framework, state: CycleState, pod: PodInfo, nodes: NodeTableReader): boolean {
    if (this.scratch.length < e.count) this.scratch = new Float64Array(Math.max(e.count, this.scratch.length * 2));
    const fresh = this.scratch;
    if (fw.scoreGlobally(state, pod, nodes, e.rows.subarray(0, e.count), e.scorers, fresh) !== null) return false;
    for (let i = 0; i < e.count; i++) {
      const delta = fresh[i]! - e.globalScores[i]!;
      if (delta === 0) continue;
      e.totals[i]! += delta;
      e.normalized[i]! += delta;
      e.globalScores[i] = fresh[i]!;
    }
    return true;
  }

  private runGlobals(e: Entry, fw: Framework, state: CycleState, pod: PodInfo, node: NodeView): 'pass' | 'reject' | 'error' {
    for (const index of e.globals) {
      const status = fw.runFilterPlugin(index, state, pod, node);
      if (status !== null) return status.code === Code.Error ? 'error' : 'reject';
    }
    return 'pass';
  }

  /** Drops every batch (a profile or the node table went away). */
  clear(): void {
    this.entries.clear();
  }

  /**
   * Keeps the order (a full cycle's, which tie-breaking follows). The row is
   * watched like a rejected one: re-checked with the global filters if one
   * of them rejected it, else dropped from the batch if it changes.
   */
  private removeAt(e: Entry, i: number, rejectedBy: string | undefined): void {
    const n = e.count--;
    const row = e.rows[i]!;
    e.indexOf[row] = -1;
    if (e.globalNames.has(rejectedBy ?? '')) e.globallyRejected.push(row);
    else e.rejected[row] = 1;
    e.rows.copyWithin(i, i + 1, n);
    e.totals.copyWithin(i, i + 1, n);
    e.normalized.copyWithin(i, i + 1, n);
    e.globalScores.copyWithin(i, i + 1, n);
    e.stamps.copyWithin(i, i + 1, n);
    for (let k = i; k < e.count; k++) e.indexOf[e.rows[k]!] = k;
  }

  private flush(e: Entry, reason: FlushReason): undefined {
    this.entries.delete(e.signature);
    this.stats.flushed[reason]++;
    this.recorder?.flushed(e.fw.schedulerName, reason);
    return undefined;
  }
}
