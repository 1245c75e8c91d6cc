// ClusterCache: what the scheduler believes is on each node — every pod bound
// to it (whoever scheduled it) plus the pods Berth has assumed onto it but not
// yet seen bound. Fed by the informers and by the scheduling cycle; read
// through the snapshot (NodeTable), which is brought up to date incrementally
// from the nodes changed since the last cycle.
//
// Pod states (as upstream's cacheImpl, without assumed-pod expiry):
//
//              assumePod                 addPod (informer saw it bound)
//   Initial ───────────────▶ Assumed ─────────────────────────────▶ Added ◀─┐ updatePod
//      ▲                        │                                     │ ───┘
//      │        forgetPod       │                       removePod     │
//      └────────────────────────┘                                     ▼
//   Initial ─────────────── addPod ──────────────────────────────▶ Added ──▶ Deleted
//
// - assumePod counts the pod on the node at once, so the next cycle sees it.
// - finishBinding marks the bind as sent; the pod stays Assumed until the
//   informer reports it bound (addPod), which confirms it (and moves it if the
//   API says another node).
// - forgetPod (bind failed) undoes assumePod; a pod already confirmed is kept.
// - removePod of an Assumed pod (deleted while binding) removes it too.
//
// Nodes: a node object may arrive after pods bound to it; such a node is
// kept without its object and left out of the snapshot until it arrives. A
// removed node with pods still on it is kept the same way until they go.
import type { Node } from '../api/types.ts';
import { nodeAllocatable } from '../api/resources.ts';
import type { HostPort, PodInfo } from '../framework/interfaces.ts';
import type { NodeTable, NodeRowData } from './node-table.ts';

interface PodState {
  podInfo: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
}

class NodeState {
  readonly name: string;
  node: Node | undefined;
  allocatable = new Map<string, number>();
  invalidReason: string | undefined;
  readonly pods = new Map<string, PodInfo>();
  readonly requested = new Map<string, number>();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  hostPortsCache: HostPort[] | undefined = [];
  specDirty = true;
  portsDirty = true;

  constructor(name: string) {
    this.name = name;
  }

  private addAmount(name: string, amount: number): void {
    if (amount === 0) return;
    const next = (this.requested.get(name) ?? 0) + amount;
    if (next === 0) this.requested.delete(name);
    else this.requested.set(name, next);
  }

  account(pod: PodInfo, sign: 1 | -1): void {
    const r = pod.requests;
    this.addAmount('cpu', sign * r.milliCPU);
    this.addAmount('memory', sign * r.memory);
    this.addAmount('ephemeral-storage', sign * r.ephemeralStorage);
    for (const name in r.scalar) this.addAmount(name, sign * r.scalar[name]!);
    this.nonZeroMilliCPU += sign * r.nonZeroMilliCPU;
    this.nonZeroMemory += sign * r.nonZeroMemory;
    if (pod.hostPorts.length > 0) {
      this.hostPortsCache = undefined;
      this.portsDirty = true;
    }
  }

  hostPorts(): HostPort[] {
    if (this.hostPortsCache === undefined) {
      this.hostPortsCache = [];
      for (const pod of this.pods.values()) this.hostPortsCache.push(...pod.hostPorts);
    }
    return this.hostPortsCache;
  }

  rowData(): NodeRowData {
    const node = this.node!;
    return {
      name: this.name,
      unschedulable: node.spec?.unschedulable === true,
      allocatable: this.allocatable,
      requested: this.requested,
      nonZeroMilliCPU: this.nonZeroMilliCPU,
      nonZeroMemory: this.nonZeroMemory,
      podCount: this.pods.size,
      labels: node.metadata?.labels ?? {},
      taints: Array.isArray(node.spec?.taints) ? node.spec.taints : [],
      hostPorts: this.hostPorts(),
      images: Array.isArray(node.status?.images) ? node.status.images : [],
    };
  }
}

export interface CacheHooks {
  /** A node whose allocatable cannot be read: it is kept, offering nothing. */
  onInvalidNode?(nodeName: string, reason: string): void;
}

function hasAffinity(pod: PodInfo): boolean {
  const a = pod.pod.spec?.affinity;
  return Boolean(a?.podAffinity || a?.podAntiAffinity);
}

function hasRequiredAntiAffinity(pod: PodInfo): boolean {
  return (pod.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

export class ClusterCache {
  private readonly nodes = new Map<string, NodeState>();
  private readonly podStates = new Map<string, PodState>();
  /** Pods with (anti-)affinity terms, by UID: InterPodAffinity reads them every cycle. */
  private readonly affinityPods = new Map<string, PodState>();
  private readonly dirty = new Set<string>();
  private readonly hooks: CacheHooks;
  private affinityChanges = 0;

  constructor(hooks: CacheHooks = {}) {
    this.hooks = hooks;
  }

  // --- nodes -------------------------------------------------------------

  addNode(node: Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    const state = this.nodeState(name);
    state.node = node;
    try {
      const a = nodeAllocatable(node);
      state.allocatable = new Map<string, number>([
        ['cpu', a.milliCPU],
        ['memory', a.memory],
        ['ephemeral-storage', a.ephemeralStorage],
        ['pods', a.pods],
        ...Object.entries(a.scalar),
      ]);
      state.invalidReason = undefined;
    } catch (err) {
      state.allocatable = new Map();
      const field = (err as { field?: string }).field ?? 'status.allocatable';
      state.invalidReason = `${field}: ${(err as Error).message}`;
      this.hooks.onInvalidNode?.(name, state.invalidReason);
    }
    state.specDirty = true;
    this.dirty.add(name);
  }

  updateNode(_oldNode: Node, newNode: Node): void {
    this.addNode(newNode);
  }

  removeNode(node: Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    const state = this.nodes.get(name);
    if (!state) return;
    state.node = undefined;
    if (state.pods.size === 0) this.nodes.delete(name);
    this.dirty.add(name);
  }

  // --- pods --------------------------------------------------------------

  /** Counts the pod on nodeName before the bind is sent. */
  assumePod(podInfo: PodInfo, nodeName: string): void {
    if (this.podStates.has(podInfo.uid)) throw new Error(`pod ${podInfo.key} (${podInfo.uid}) is already in the cache`);
    this.addToNode(podInfo, nodeName);
    this.track({ podInfo, nodeName, assumed: true, bindingFinished: false });
  }

  finishBinding(uid: string): void {
    const state = this.podStates.get(uid);
    if (state?.assumed) state.bindingFinished = true;
  }

  /** Undoes assumePod after a failed bind. A pod already confirmed bound stays. */
  forgetPod(uid: string): void {
    const state = this.podStates.get(uid);
    if (!state?.assumed) return;
    this.removeFromNode(state.podInfo, state.nodeName);
    this.untrack(uid);
  }

  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed === true;
  }

  /** The node a pod is counted on, if any. */
  nodeOf(uid: string): string | undefined {
    return this.podStates.get(uid)?.nodeName;
  }

  /** A pod the informer reports bound to a node. */
  addPod(podInfo: PodInfo): void {
    const nodeName = podInfo.pod.spec?.nodeName;
    if (!nodeName) return;
    const state = this.podStates.get(podInfo.uid);
    if (state) {
      // Confirms an assumed pod, or repeats an add: count it where the API says.
      this.removeFromNode(state.podInfo, state.nodeName);
    }
    this.addToNode(podInfo, nodeName);
    this.track({ podInfo, nodeName, assumed: false, bindingFinished: true });
  }

  updatePod(_oldInfo: PodInfo, newInfo: PodInfo): void {
    this.addPod(newInfo);
  }

  removePod(podInfo: PodInfo): void {
    const state = this.podStates.get(podInfo.uid);
    if (!state) return;
    this.removeFromNode(state.podInfo, state.nodeName);
    this.untrack(podInfo.uid);
  }

  private track(state: PodState): void {
    this.podStates.set(state.podInfo.uid, state);
    if (hasAffinity(state.podInfo)) {
      this.affinityPods.set(state.podInfo.uid, state);
      this.affinityChanges++;
    } else if (this.affinityPods.delete(state.podInfo.uid)) this.affinityChanges++;
  }

  private untrack(uid: string): void {
    this.podStates.delete(uid);
    if (this.affinityPods.delete(uid)) this.affinityChanges++;
  }

  /** Changes whenever a pod with (anti-)affinity terms is added, moved, updated or removed (the scheduling batch drops its nodes then). */
  get affinityVersion(): number {
    return this.affinityChanges;
  }

  /** Pods with pod (anti-)affinity terms and their nodes; `requiredAntiOnly` narrows to required anti-affinity. */
  *affinityPodsWithNodes(requiredAntiOnly = false): IterableIterator<{ nodeName: string; pod: PodInfo }> {
    for (const state of this.affinityPods.values()) {
      if (!requiredAntiOnly || hasRequiredAntiAffinity(state.podInfo)) yield { nodeName: state.nodeName, pod: state.podInfo };
    }
  }

  // --- snapshot ----------------------------------------------------------

  /** Brings the table up to date with the nodes changed since the last call. Returns how many rows changed. */
  updateSnapshot(table: NodeTable): number {
    let changed = 0;
    for (const name of this.dirty) {
      const state = this.nodes.get(name);
      if (!state?.node) {
        table.remove(name);
      } else {
        table.upsert(state.rowData(), { spec: state.specDirty, ports: state.portsDirty });
        state.specDirty = false;
        state.portsDirty = false;
      }
      changed++;
    }
    this.dirty.clear();
    return changed;
  }

  get nodeCount(): number {
    let n = 0;
    for (const state of this.nodes.values()) if (state.node) n++;
    return n;
  }

  get podCount(): number {
    return this.podStates.size;
  }

  /** The pods counted on a node (bound and assumed). */
  podsOn(nodeName: string): PodInfo[] {
    return [...(this.nodes.get(nodeName)?.pods.values() ?? [])];
  }

  node(nodeName: string): Node | undefined {
    return this.nodes.get(nodeName)?.node;
  }

  invalidNodeReason(nodeName: string): string | undefined {
    return this.nodes.get(nodeName)?.invalidReason;
  }

  private nodeState(name: string): NodeState {
    let state = this.nodes.get(name);
    if (!state) {
      state = new NodeState(name);
      this.nodes.set(name, state);
    }
    return state;
  }

  private addToNode(podInfo: PodInfo, nodeName: string): void {
    const state = this.nodeState(nodeName);
    state.pods.set(podInfo.uid, podInfo);
    state.account(podInfo, 1);
    this.dirty.add(nodeName);
  }

  private removeFromNode(podInfo: PodInfo, nodeName: string): void {
    const state = this.nodes.get(nodeName);
    if (!state?.pods.delete(podInfo.uid)) return;
    state.account(podInfo, -1);
    if (!state.node && state.pods.size === 0) this.nodes.delete(nodeName);
    this.dirty.add(nodeName);
  }
}
