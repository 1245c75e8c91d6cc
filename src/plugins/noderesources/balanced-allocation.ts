// NodeResourcesBalancedAllocation: favours nodes whose resources would be
// used evenly (upstream balanced_allocation.go, v1.36).
//
//   PreScore  the pod's plain requests per resource (default cpu and memory);
//             Skip for a pod that requests none of them (best effort).
//   Score     with f the used fractions (requested / allocatable, capped at 1)
//             and s(f) = trunc((1 - stddev(f)) × 100) (for two resources the
//             stddev is |f1 - f2| / 2):
//               50 + trunc((50 + s(with the pod) - s(without it)) / 2)
//             so 50 means "no change in balance", above it "better balanced".
//             Resources the node does not offer, and scalar ones the pod
//             does not request, are left out.
import type { CycleState } from '../../framework/cycle-state.ts';
import type { ClusterEvent, EnqueueExtensions, Handle, PodInfo, PreScorePlugin, ScorePlugin, SignPlugin } from '../../framework/interfaces.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import {
  InvalidArgsError,
  defaultBalancedAllocationArgs,
  parseBalancedAllocationArgs,
  validateBalancedAllocationArgs,
  type NodeResourcesBalancedAllocationArgs,
} from './args.ts';
import { ResourceAllocationScorer, balancedAllocation, fixedSlotsOnly, isBestEffort, type ScoringRequest } from './resource-allocation.ts';
import { signJSON } from '../../framework/sign.ts';

export const name = 'NodeResourcesBalancedAllocation';

export const defaultArgs: NodeResourcesBalancedAllocationArgs = defaultBalancedAllocationArgs;
export const validateArgs = validateBalancedAllocationArgs;

const preScoreStateKey = `PreScore${name}`;
const skip = new Status(Code.Skip, [], name);

export class BalancedAllocationPlugin {
  readonly name = name;

  /** Batching: the requests (a node's own requests only). */
  signPod(pod: PodInfo): string {
    return signJSON(pod.requests);
  }
  readonly args: NodeResourcesBalancedAllocationArgs;
  private readonly scorer: ResourceAllocationScorer;

  constructor(args: NodeResourcesBalancedAllocationArgs) {
    this.args = args;
    this.scorer = new ResourceAllocationScorer(args.resources, true, balancedAllocation);
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, _feasible: Int32Array): Result {
    const req = this.scorer.request(pod, nodes);
    if (isBestEffort(req.podRequests)) return skip;
    state.write(preScoreStateKey, req);
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeView): number {
    let req = state.read<ScoringRequest>(preScoreStateKey);
    if (req === undefined) {
      // Without PreScore (disabled in the profile): only the fixed resources can be found.
      req = this.scorer.request(pod, fixedSlotsOnly);
      if (isBestEffort(req.podRequests)) return 0;
    }
    return this.scorer.score(req, node);
  }

  eventsToRegister(): ClusterEvent[] {
    // A score plugin never rejects a pod, so no event needs to wake one for it.
    return [];
  }
}

export const factory = ((args: unknown, _handle: Handle): BalancedAllocationPlugin => {
  const parsed = parseBalancedAllocationArgs(args);
  if (parsed.errors.length > 0) throw new InvalidArgsError(name, parsed.errors);
  return new BalancedAllocationPlugin(parsed.args);
}) satisfies (args: unknown, handle: Handle) => PreScorePlugin & ScorePlugin & EnqueueExtensions & SignPlugin;
