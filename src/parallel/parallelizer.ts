// The Parallelizer: how the scheduling algorithm runs the per-node work of
// one cycle, Filter over the nodes in rotation order and Score over the
// feasible ones. Only the algorithm (src/scheduler/schedule-pod.ts) calls it;
// plugins never start workers. Two implementations:
//
//   InlineParallelizer  today's loop on the calling thread (inline.ts)
//   PoolParallelizer    a Piscina worker pool reading the shared node table,
//                       inline when the work is too small to pay for the
//                       hand-off (pool.ts; docs/parallel.md)
//
// Both give the same answer for the same cycle: the first `toFind` feasible
// nodes in rotation order, the same nodes evaluated, the same rejections
// reported, the same scores. An implementation may answer synchronously (the
// inline one always does) or with a promise.
import type { CycleState } from '../framework/cycle-state.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import type { NodeTableReader } from '../framework/node-view.ts';
import type { Framework } from '../framework/runtime.ts';
import type { Result, Status } from '../framework/status.ts';

/** Filter for one pod: upstream's findNodesThatPassFilters over a rotation of the candidates. */
export interface FilterJob {
  readonly fw: Framework;
  readonly state: CycleState;
  readonly pod: PodInfo;
  readonly nodes: NodeTableReader;
  /**
   * The rows to filter, when PreFilter restricted them; all rows of `nodes`
   * when undefined. Position k of the rotation is row
   * candidates[(start + k) % numCandidates] (or (start + k) % numCandidates).
   */
  readonly candidates: Int32Array | undefined;
  readonly numCandidates: number;
  readonly start: number;
  /** Stop once this many nodes passed. */
  readonly toFind: number;
  /** Out: the rows that passed, in rotation order (length ≥ toFind). */
  readonly feasible: Int32Array;
  /** Called for each rejected node before the stopping point, in rotation order. */
  onRejected(row: number, status: Status): void;
}

export interface FilterOutcome {
  /** Rows written to feasible. */
  found: number;
  /** Positions of the rotation looked at: up to and including the one that found the last node needed, or that failed. */
  evaluated: number;
  /** A Code.Error from a plugin (or from the pool): the cycle fails. */
  failure: Status | undefined;
}

/** Score for one pod: every score plugin over feasible[0..count), normalized and weighted into totals. */
export interface ScoreJob {
  readonly fw: Framework;
  readonly state: CycleState;
  readonly pod: PodInfo;
  readonly nodes: NodeTableReader;
  readonly feasible: Int32Array;
  readonly count: number;
  /** Out: the weighted sum per feasible node (length ≥ count). */
  readonly totals: Float64Array;
  /** Out, if given: the part of each total from plugins with NormalizeScore (the batch reuses it). */
  readonly normalized?: Float64Array;
}

export interface Parallelizer {
  filter(job: FilterJob): FilterOutcome | Promise<FilterOutcome>;
  score(job: ScoreJob): Result | Promise<Result>;
  /** Stops the workers, if any; later jobs run inline. */
  close(): Promise<void>;
}

/** The node table row at position k of a filter job's rotation. */
export function rowAt(job: Pick<FilterJob, 'candidates' | 'numCandidates' | 'start'>, k: number): number {
  const at = (job.start + k) % job.numCandidates;
  return job.candidates ? job.candidates[at]! : at;
}
