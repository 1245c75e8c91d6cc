// NodePorts: a pod's host ports must be free on the node (upstream
// pkg/scheduler/framework/plugins/nodeports and HostPortInfo.CheckConflict).
//
// A wanted (protocol, hostIP, port) conflicts with a used one of the same
// protocol and port when either side binds 0.0.0.0 (all addresses) or both
// bind the same IP. An empty hostIP means 0.0.0.0, an empty protocol TCP.
//
//   PreFilter  Skip when the pod wants no host port; else its ports as ids.
//   Filter     integer compares against the node's used ports; the
//              rejection is Unschedulable (preemption can free a port).
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
import { Protocol, type NodeTableReader, type NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';

export const name = 'NodePorts';

export const ErrReason = "node(s) didn't have free ports for the requested pod ports";
/** upstream's DefaultBindAllHostIP */
export const BIND_ALL_HOST_IP = '0.0.0.0';

const preFilterStateKey = `PreFilter${name}`;
const reject = new Status(Code.Unschedulable, [ErrReason], name);
const skip = new Status(Code.Skip, [], name);

const protocols: Readonly<Record<string, number>> = Protocol;

/** Plain data (structured-cloneable) so a worker thread can run it. */
export interface PreFilterState {
  /** Per wanted port, 3 numbers: protocol code, hostIP id (-2: 0.0.0.0), port. */
  ports: number[];
  /** Ids that mean "all addresses" on the node side: "0.0.0.0" and "" (-1 when not interned). */
  wildcardIds: [number, number];
}

const WILDCARD = -2;

export class NodePortsPlugin {
  readonly name = name;

  /** Batching: the host ports (a node's own ports only). */
  signPod(pod: PodInfo): string {
    return pod.hostPorts.length === 0 ? '' : JSON.stringify(pod.hostPorts);
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    const wanted = pod.hostPorts;
    const ports: number[] = [];
    for (const p of wanted) {
      if (!(p.port > 0)) continue;
      const hostIP = p.hostIP || BIND_ALL_HOST_IP;
      ports.push(
        protocols[p.protocol || 'TCP'] ?? 0,
        hostIP === BIND_ALL_HOST_IP ? WILDCARD : nodes.interner.lookup(hostIP),
        p.port,
      );
    }
    if (ports.length === 0) return { status: skip };
    const s: PreFilterState = {
      ports,
      wildcardIds: [nodes.interner.lookup(BIND_ALL_HOST_IP), nodes.interner.lookup('')],
    };
    state.write(preFilterStateKey, s);
    return { status: null };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return Status.error(`reading "${preFilterStateKey}" from cycleState: not found`);
    const used = node.hostPortCount();
    if (used === 0) return null;
    const ports = s.ports;
    const [any0, anyEmpty] = s.wildcardIds;
    for (let w = 0; w < ports.length; w += 3) {
      const protocol = ports[w]!;
      const ip = ports[w + 1]!;
      const port = ports[w + 2]!;
      for (let i = 0; i < used; i++) {
        if (node.hostPortAt(i) !== port) continue;
        const usedProtocol = node.hostPortProtocolAt(i);
        // A used port recorded without a protocol is TCP, as upstream sanitizes it.
        if (usedProtocol !== protocol && !(usedProtocol === 0 && protocol === Protocol.TCP)) continue;
        if (ip === WILDCARD) return reject;
        const usedIp = node.hostPortIpAt(i);
        if (usedIp === ip || usedIp === any0 || usedIp === anyEmpty) return reject;
      }
    }
    return null;
  }

  eventsToRegister(): ClusterEvent[] {
    // Host ports are immutable, so pod updates are not registered. Queueing
    // hints are off in Berth's queue: as upstream without them, node label
    // and taint updates are registered with Add (kubernetes#109437).
    return [
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}

/** NodePorts takes no args. */
export const factory = ((_args: unknown, _handle: Handle): NodePortsPlugin => new NodePortsPlugin()) satisfies (
  args: unknown,
  handle: Handle,
) => PreFilterPlugin & FilterPlugin & EnqueueExtensions & SignPlugin;
