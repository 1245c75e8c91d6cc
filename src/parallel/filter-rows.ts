// One part of a filter round: Framework.runFilterPlugins over some rows in
// rotation order, the same call the inline loop makes. The main thread runs
// its own part with it while the workers run theirs.
import type { CycleState } from '../framework/cycle-state.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import type { NodeView } from '../framework/node-view.ts';
import type { Framework } from '../framework/runtime.ts';
import { Code, type Status } from '../framework/status.ts';
import type { FilterVerdicts } from './transfer.ts';

/** Filters rows in order into verdicts (as long as rows); stops after `need` nodes passed or at the first Code.Error. */
export function filterRows(
  fw: Framework,
  state: CycleState,
  pod: PodInfo,
  cursor: NodeView,
  rows: Int32Array,
  need: number,
  verdicts: Int32Array,
): FilterVerdicts {
  const statuses: Status[] = [];
  const index = new Map<Status, number>();
  let passed = 0;
  let k = 0;
  while (k < rows.length && passed < need) {
    const status = fw.runFilterPlugins(state, pod, cursor.at(rows[k]!));
    if (status === null) {
      verdicts[k++] = -1;
      passed++;
      continue;
    }
    let id = index.get(status);
    if (id === undefined) {
      id = statuses.length;
      statuses.push(status);
      index.set(status, id);
    }
    verdicts[k++] = id;
    if (status.code === Code.Error) break;
  }
  return { processed: k, statuses };
}
