// The Parallelizer that runs everything on the calling thread: the filter
// loop as upstream's findNodesThatPassFilters runs it with one goroutine, and
// Framework.runScorePlugins.
import { Code, type Result, type Status } from '../framework/status.ts';
import { rowAt, type FilterJob, type FilterOutcome, type Parallelizer, type ScoreJob } from './parallelizer.ts';

export class InlineParallelizer implements Parallelizer {
  filter(job: FilterJob): FilterOutcome {
    const { fw, state, pod, toFind, feasible } = job;
    const cursor = job.nodes.view(0);
    let found = 0;
    let evaluated = 0;
    let failure: Status | undefined;
    for (let k = 0; k < job.numCandidates && found < toFind; k++) {
      const row = rowAt(job, k);
      evaluated++;
      const status = fw.runFilterPlugins(state, pod, cursor.at(row));
      if (status === null) feasible[found++] = row;
      else if (status.code === Code.Error) {
        failure = status;
        break;
      } else job.onRejected(row, status);
    }
    return { found, evaluated, failure };
  }

  score(job: ScoreJob): Result {
    return job.fw.runScorePlugins(job.state, job.pod, job.nodes, job.feasible, job.count, job.totals, job.normalized);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Stateless: one instance serves every algorithm. */
export const inlineParallelizer = new InlineParallelizer();
