// The scheduling algorithm for one pod against one snapshot: PreFilter,
// Filter over the nodes (upstream's percentageOfNodesToScore with a rotating
// start index), PreScore, Score, NormalizeScore, and the pick of the best
// node. It does not touch the cache, the queue or the API: schedule-one.ts
// does, with what this returns. Filter and Score go through a Parallelizer
// (src/parallel): inline, or fanned out over worker threads.
import type { PodInfo } from '../framework/interfaces.ts';
import { CycleState } from '../framework/cycle-state.ts';
import type { NodeTableReader } from '../framework/node-view.ts';
import type { Framework } from '../framework/runtime.ts';
import { Code, Status, type Result } from '../framework/status.ts';
import { inlineParallelizer } from '../parallel/inline.ts';
import type { FilterOutcome, Parallelizer } from '../parallel/parallelizer.ts';
import { hasChangeStamps, type Batches, type ChangeStamps } from './batch.ts';
import { Diagnosis, FitError } from './fit-error.ts';

/** Upstream's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** How many feasible nodes to look for before scoring (upstream's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) {
    percentage = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  }
  if (percentage >= 100) return numAllNodes;
  const numNodes = Math.trunc((numAllNodes * percentage) / 100);
  return Math.max(numNodes, MIN_FEASIBLE_NODES_TO_FIND);
}

export interface ScheduleResult {
  nodeName: string;
  /** Nodes that went through Filter. */
  evaluatedNodes: number;
  feasibleNodes: number;
  state: CycleState;
  /** Placed from a batch of an equal pod's scored nodes (batch.ts), not a full cycle. */
  batched?: boolean;
}

/** Deterministic xorshift32 for tie-breaking among equal best scores. */
export class TieBreaker {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
}

/**
 * The index of the highest of totals[0..count), ties broken uniformly at
 * random with one draw (upstream's selectHost draws once per tie, the same
 * distribution). Shared by full cycles and batches (batch.ts), so both
 * choose alike.
 */
export function pickBest(totals: Float64Array, count: number, tieBreaker: TieBreaker): number {
  let max = totals[0]!;
  let first = 0;
  let ties = 1;
  for (let i = 1; i < count; i++) {
    const s = totals[i]!;
    if (s > max) {
      max = s;
      first = i;
      ties = 1;
    } else if (s === max) ties++;
  }
  if (ties === 1) return first;
  let k = tieBreaker.next() % ties;
  for (let i = first; i < count; i++) if (totals[i] === max && k-- === 0) return i;
  return first;
}

/** What one cycle carries from Filter to Score. */
interface Cycle {
  fw: Framework;
  pod: PodInfo;
  nodes: NodeTableReader;
  state: CycleState;
  diagnosis: Diagnosis;
  /** Where to keep this cycle's scores for equal pods: batching is on and the pod has a signature. */
  batch: { batches: Batches; signature: string; nodes: NodeTableReader & ChangeStamps } | undefined;
  /** The rows Filter rejected (before it had found enough), in rotation order, and why. */
  rejectedRows: number[];
  rejectedStatuses: Status[];
  /** What PreScore wrote to the CycleState (a batch hands it to the next equal pods). */
  preScoreKeys?: string[];
}

/** Per-scheduler state that lives across cycles. */
export class Algorithm {
  /** Where the next cycle starts filtering (rotates so every node gets its turn). */
  nextStartNodeIndex = 0;
  private feasible = new Int32Array(0);
  private totals = new Float64Array(0);
  private normalized = new Float64Array(0);
  private readonly tieBreaker: TieBreaker;
  private readonly parallelizer: Parallelizer;
  /** Opportunistic batching (batch.ts); undefined: every pod gets a full cycle. */
  readonly batches: Batches | undefined;

  /**
   * `parallelizer` runs Filter and Score in schedule(); schedulePod() always
   * runs them inline. With `batches`, pods with equal signatures reuse the
   * last full cycle's scored nodes (both entry points).
   */
  constructor(seed = 1, parallelizer: Parallelizer = inlineParallelizer, batches?: Batches) {
    this.tieBreaker = new TieBreaker(seed);
    this.parallelizer = parallelizer;
    this.batches = batches;
  }

  /**
   * Finds a node for the pod (upstream's schedulePod + findNodesThatFitPod),
   * on this thread. Throws FitError when none fits (with the diagnosis for
   * the Event), and PluginError when a plugin fails (Code.Error).
   */
  schedulePod(fw: Framework, pod: PodInfo, nodes: NodeTableReader): ScheduleResult {
    return this.run(fw, pod, nodes, inlineParallelizer) as ScheduleResult;
  }

  /**
   * schedulePod with Filter and Score through the algorithm's parallelizer:
   * a promise when it handed work to workers, the result itself when it ran
   * everything inline. Same result either way; it fails (throws or rejects)
   * with FitError or PluginError.
   */
  schedule(fw: Framework, pod: PodInfo, nodes: NodeTableReader): ScheduleResult | Promise<ScheduleResult> {
    return this.run(fw, pod, nodes, this.parallelizer);
  }

  private run(fw: Framework, pod: PodInfo, nodes: NodeTableReader, parallelizer: Parallelizer): ScheduleResult | Promise<ScheduleResult> {
    const numAllNodes = nodes.size;
    const state = new CycleState();
    const diagnosis = new Diagnosis();
    if (numAllNodes === 0) {
      throw new FitError(0, diagnosis);
    }

    const batches = this.batches;
    let batch: Cycle['batch'];
    if (batches !== undefined && hasChangeStamps(nodes)) {
      const signature = fw.signPod(pod);
      if (signature !== null) {
        const hit = batches.reuse(fw, pod, signature, nodes, this.tieBreaker);
        if (hit !== undefined) return { ...hit, batched: true };
        batch = { batches, signature, nodes };
      }
    }

    const pre = fw.runPreFilterPlugins(state, pod, nodes);
    // Upstream puts the plugins that restricted the nodes among the
    // unschedulable ones, so their events can wake the pod.
    for (const name of pre.restrictedBy) diagnosis.unschedulablePlugins.add(name);
    if (pre.status !== null) {
      if (pre.status.code === Code.Error) throw new PluginError(pre.status);
      diagnosis.preFilterMessage = pre.status.message();
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      for (let i = 0; i < numAllNodes; i++) diagnosis.nodeStatuses.set(nodes.view(i).name(), pre.status);
      throw new FitError(numAllNodes, diagnosis);
    }

    if (this.feasible.length < numAllNodes) {
      this.feasible = new Int32Array(numAllNodes);
      this.totals = new Float64Array(numAllNodes);
      this.normalized = new Float64Array(numAllNodes);
    }
    const cursor = nodes.view(0);

    // The nodes to filter: all, or the ones PreFilter named (those that
    // exist); the others are out for good, with upstream's absent-node status.
    let candidates: Int32Array | undefined;
    if (pre.nodeNames) {
      candidates = new Int32Array(pre.nodeNames.size);
      let n = 0;
      for (const name of pre.nodeNames) {
        const index = nodes.indexOf(name);
        if (index >= 0) candidates[n++] = index;
      }
      candidates = candidates.subarray(0, n);
      const absent = new Status(Code.UnschedulableAndUnresolvable, [
        `node(s) didn't satisfy plugin(s) [${[...pre.restrictedBy].sort().join(' ')}]`,
      ]);
      for (let i = 0; i < numAllNodes; i++) {
        const name = cursor.at(i).name();
        if (!pre.nodeNames.has(name)) diagnosis.recordNode(name, absent);
      }
    }
    const numCandidates = candidates ? candidates.length : numAllNodes;
    // Without scoring, the first feasible node is as good as any (upstream).
    const toFind = fw.scorePlugins.length === 0 ? 1 : numFeasibleNodesToFind(fw.percentageOfNodesToScore, numCandidates);

    // Rejections are kept as rows and statuses; names and reasons are made only if the pod fits nowhere.
    const rejectedRows: number[] = [];
    const rejectedStatuses: Status[] = [];
    const cycle: Cycle = { fw, pod, nodes, state, diagnosis, batch, rejectedRows, rejectedStatuses };
    const filtered = parallelizer.filter({
      fw,
      state,
      pod,
      nodes,
      candidates,
      numCandidates,
      start: this.nextStartNodeIndex,
      toFind,
      feasible: this.feasible,
      onRejected: (row, status) => {
        rejectedRows.push(row);
        rejectedStatuses.push(status);
      },
    });
    return filtered instanceof Promise
      ? filtered.then((outcome) => this.afterFilter(cycle, outcome, parallelizer))
      : this.afterFilter(cycle, filtered, parallelizer);
  }

  /** Advances the rotation, then PreScore and Score over the nodes that passed. */
  private afterFilter(cycle: Cycle, outcome: FilterOutcome, parallelizer: Parallelizer): ScheduleResult | Promise<ScheduleResult> {
    const { fw, pod, nodes, state } = cycle;
    const { found, evaluated } = outcome;
    // Advance by the nodes looked at, even on failure, so every node gets its turn first.
    this.nextStartNodeIndex = (this.nextStartNodeIndex + evaluated) % nodes.size;
    if (outcome.failure) throw new PluginError(outcome.failure);

    if (found === 0) {
      const cursor = nodes.view(0);
      for (let i = 0; i < cycle.rejectedRows.length; i++) cycle.diagnosis.recordNode(cursor.at(cycle.rejectedRows[i]!).name(), cycle.rejectedStatuses[i]!);
      throw new FitError(nodes.size, cycle.diagnosis);
    }

    const feasible = this.feasible;
    if (found === 1) {
      return { nodeName: nodes.view(feasible[0]!).name(), evaluatedNodes: evaluated, feasibleNodes: 1, state };
    }

    const feasibleView = feasible.subarray(0, found);
    const beforePreScore = cycle.batch !== undefined ? new Set(state.keys()) : undefined;
    const preScore = fw.runPreScorePlugins(state, pod, nodes, feasibleView);
    if (beforePreScore !== undefined) cycle.preScoreKeys = state.keys().filter((k) => !beforePreScore.has(k));
    if (preScore !== null) throw new PluginError(preScore);
    const normalized = cycle.batch !== undefined ? this.normalized : undefined;
    const scored = parallelizer.score({ fw, state, pod, nodes, feasible: feasibleView, count: found, totals: this.totals, normalized });
    return scored instanceof Promise ? scored.then((status) => this.pick(cycle, evaluated, found, status)) : this.pick(cycle, evaluated, found, scored);
  }

  /** Highest total wins; ties are broken at random (pickBest). */
  private pick(cycle: Cycle, evaluated: number, found: number, scoreStatus: Result): ScheduleResult {
    if (scoreStatus !== null) throw new PluginError(scoreStatus);
    const totals = this.totals;
    const batch = cycle.batch;
    if (batch !== undefined) {
      batch.batches.store(cycle.fw, batch.signature, batch.nodes, cycle.state, this.feasible, totals, this.normalized, found, Int32Array.from(cycle.rejectedRows), cycle.rejectedStatuses.map((s) => s.plugin), cycle.pod, cycle.preScoreKeys ?? []);
    }
    const best = pickBest(totals, found, this.tieBreaker);
    return { nodeName: cycle.nodes.view(this.feasible[best]!).name(), evaluatedNodes: evaluated, feasibleNodes: found, state: cycle.state };
  }
}

/** A plugin answered Code.Error: the pod is retried with backoff. */
export class PluginError extends Error {
  override name = 'PluginError';
  readonly status: Status;
  constructor(status: Status) {
    super(status.message() || `plugin ${status.plugin} failed`);
    this.status = status;
  }
}
