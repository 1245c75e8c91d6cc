// NodeName: a pod that names a node in spec.nodeName fits only that node
// (upstream pkg/scheduler/framework/plugins/nodename).
//
//   PreFilter  (Berth only) Skip for the usual pod with no nodeName, so
//              Filter does not run at all; otherwise the name's interned id.
//   Filter     compares the node's name id; the rejection is a shared constant.
import type { CycleState } from '../../framework/cycle-state.ts';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PodInfo,
  PreFilterPlugin,
  PreFilterResult,
  SignPlugin,
} from '../../framework/interfaces.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';

export const name = 'NodeName';

export const ErrReason = "node(s) didn't match the requested node name";

const preFilterStateKey = `PreFilter${name}`;
const reject = new Status(Code.UnschedulableAndUnresolvable, [ErrReason], name);
const skip = new Status(Code.Skip, [], name);

export interface PreFilterState {
  /** Interned id of spec.nodeName; -1 when no node has that name. */
  nameId: number;
}

export class NodeNamePlugin {
  readonly name = name;

  /** Batching: spec.nodeName. */
  signPod(pod: PodInfo): string {
    return pod.pod.spec?.nodeName ?? '';
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    const nodeName = pod.pod.spec?.nodeName;
    if (!nodeName) return { status: skip };
    state.write(preFilterStateKey, { nameId: nodes.interner.lookup(nodeName) } satisfies PreFilterState);
    return { status: null };
  }

  filter(state: CycleState, pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s !== undefined) return node.nameId() === s.nameId ? null : reject;
    // PreFilter disabled in the profile: compare the names.
    const nodeName = pod.pod.spec?.nodeName;
    return !nodeName || nodeName === node.name() ? null : reject;
  }

  eventsToRegister(): ClusterEvent[] {
    // Queueing hints are off in Berth's queue: as upstream without them,
    // label and taint updates are registered with Add (kubernetes#109437).
    return [
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}

/** NodeName takes no args. */
export const factory = ((_args: unknown, _handle: Handle): NodeNamePlugin => new NodeNamePlugin()) satisfies (
  args: unknown,
  handle: Handle,
) => PreFilterPlugin & FilterPlugin & EnqueueExtensions & SignPlugin;
