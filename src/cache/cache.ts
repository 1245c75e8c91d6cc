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
//
// Every change to the pods counted on a node also goes to the pod index
// (pod-index.ts), which keeps the counts plugins query by selector and
// topology domain; it knows nodes by a small id (NodeState.id), mapped to the
// table's rows at each snapshot update.
import { isPlainObject } from '../api/deep-equal.ts';
import type { Node, Taint } from '../api/types.ts';
import { nodeAllocatable } from '../api/resources.ts';
import { controllerUidOf } from '../framework/cluster-lister.ts';
import type { HostPort, PodInfo } from '../framework/interfaces.ts';
import type { NodeTable, NodeRowData } from './node-table.ts';
import { PodIndexes, type PodIndexOptions } from './pod-index.ts';

interface PodState {
  podInfo: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
}

class NodeState {
  readonly name: string;
  /** The pod index's name for the node (reused only after a snapshot update dropped its row). */
  readonly id: number;
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
  /** Labels or taints changed since the last snapshot update (the pod index re-reads the table then). */
  topologyDirty = true;
  /** The pods as an array, built when asked for after a change (podsOn hands it out without copying). */
  podList: PodInfo[] | undefined;

  constructor(name: string, id: number) {
    this.name = name;
    this.id = id;
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
      // What the API would never send (a null taint or image, labels that are not a map) is left out, never a crash.
      labels: isPlainObject(node.metadata?.labels) ? node.metadata.labels : {},
      taints: Array.isArray(node.spec?.taints) ? node.spec.taints.filter((t) => isPlainObject(t)) : [],
      hostPorts: this.hostPorts(),
      images: Array.isArray(node.status?.images) ? node.status.images.filter((i) => isPlainObject(i)) : [],
    };
  }
}

export interface CacheHooks {
  /** A node whose allocatable cannot be read: it is kept, offering nothing. */
  onInvalidNode?(nodeName: string, reason: string): void;
}

/** Equal label maps (no arrays made: this runs for every pod update). */
function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  let n = 0;
  for (const key in a) {
    if (b === undefined || !Object.hasOwn(b, key) || a[key] !== b[key]) return false;
    n++;
  }
  for (const key in b) if (Object.hasOwn(b, key)) n--;
  return n === 0;
}

function sameTaints(a: unknown, b: unknown): boolean {
  const ta: readonly Taint[] = Array.isArray(a) ? a : [];
  const tb: readonly Taint[] = Array.isArray(b) ? b : [];
  if (ta.length !== tb.length) return false;
  for (let i = 0; i < ta.length; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x?.key !== y?.key || x?.value !== y?.value || x?.effect !== y?.effect) return false;
  }
  return true;
}

/** Whether the node's labels and taints (what the pod index reads of a row) are unchanged. */
function sameTopology(before: Node | undefined, after: Node): boolean {
  return before !== undefined && sameLabels(before.metadata?.labels, after.metadata?.labels) && sameTaints(before.spec?.taints, after.spec?.taints);
}

function hasAffinity(pod: PodInfo): boolean {
  const a = pod.pod.spec?.affinity;
  return Boolean(a?.podAffinity || a?.podAntiAffinity);
}


/**
 * Whether a pod's new object counts on its node exactly as the old one: the
 * same requests (parsed requests are shared per pod template, so equal
 * requests are one object), no host ports, no pod (anti-)affinity terms, the
 * same namespace, labels and controller, and not terminating. Then neither
 * the node's row nor the pod index changes (what they read of a pod is all
 * here), and a bind confirmation or a status update swaps the object only.
 */
function countsAlike(a: PodInfo, b: PodInfo): boolean {
  return (
    a.requests === b.requests &&
    a.hostPorts.length === 0 &&
    b.hostPorts.length === 0 &&
    a.namespace === b.namespace &&
    !hasAffinity(a) &&
    !hasAffinity(b) &&
    !a.pod.metadata?.deletionTimestamp &&
    !b.pod.metadata?.deletionTimestamp &&
    sameLabels(a.pod.metadata?.labels, b.pod.metadata?.labels) &&
    controllerUidOf(a.pod) === controllerUidOf(b.pod)
  );
}

function hasRequiredAntiAffinity(pod: PodInfo): boolean {
  return (pod.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

export interface CacheOptions {
  podIndex?: PodIndexOptions;
}

export class ClusterCache {
  private readonly nodes = new Map<string, NodeState>();
  private readonly podStates = new Map<string, PodState>();
  /** Pods with (anti-)affinity terms, by UID (ClusterLister.podsWithAffinity; InterPodAffinity counts through the pod index). */
  private readonly affinityPods = new Map<string, PodState>();
  private readonly dirty = new Set<string>();
  private readonly hooks: CacheHooks;
  private affinityChanges = 0;
  private readonly index: PodIndexes;
  /** Node ids free for reuse, and those freed since the last snapshot update (their rows may still be read). */
  private readonly freeIds: number[] = [];
  private readonly releasedIds: number[] = [];
  private nextId = 0;

  constructor(hooks: CacheHooks = {}, options: CacheOptions = {}) {
    this.hooks = hooks;
    this.index = new PodIndexes({ forEachPod: (fn) => this.forEachPod(fn) }, options.podIndex);
  }

  /** Pod counts by selector and topology domain, kept as pods change (ClusterLister.podIndex). */
  get podIndex(): PodIndexes {
    return this.index;
  }

  // --- nodes -------------------------------------------------------------

  addNode(node: Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    const state = this.nodeState(name);
    if (!sameTopology(state.node, node)) state.topologyDirty = true;
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
    if (state.pods.size === 0) this.dropNodeState(state);
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
      const node = state.nodeName === nodeName ? this.nodes.get(nodeName) : undefined;
      if (node !== undefined && countsAlike(state.podInfo, podInfo)) {
        // Confirms an assumed pod where it was assumed, or a status update: nothing the row or the index reads changed.
        node.pods.set(podInfo.uid, podInfo);
        node.podList = undefined;
        this.podStates.set(podInfo.uid, { podInfo, nodeName, assumed: false, bindingFinished: true });
        return;
      }
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
    const index = this.index;
    let rowsMoved = index.table !== table;
    let topology = rowsMoved;
    let changed = 0;
    for (const name of this.dirty) {
      const state = this.nodes.get(name);
      if (!state?.node) {
        if (table.indexOf(name) >= 0) {
          table.remove(name);
          rowsMoved = true;
        }
      } else {
        const existing = table.indexOf(name);
        const isNew = existing < 0;
        let row = existing;
        if (isNew || state.specDirty || state.portsDirty) row = table.upsert(state.rowData(), { spec: state.specDirty, ports: state.portsDirty });
        // Only its pods' requests changed (a pod assumed, bound or gone): the common case.
        else table.writeRequests(row, state.requested, state.pods.size, state.nonZeroMilliCPU, state.nonZeroMemory);
        if (isNew || state.topologyDirty) topology = true;
        state.specDirty = false;
        state.portsDirty = false;
        state.topologyDirty = false;
        if (!rowsMoved) this.setRowId(row, state.id);
      }
      changed++;
    }
    this.dirty.clear();
    if (rowsMoved) {
      index.table = table;
      for (let row = 0; row < table.size; row++) this.setRowId(row, this.nodes.get(table.nameAt(row))?.id ?? -1);
    }
    if (rowsMoved || topology) index.version++;
    // No row names a released id any more: it may be reused.
    for (const id of this.releasedIds) this.freeIds.push(id);
    this.releasedIds.length = 0;
    return changed;
  }

  private setRowId(row: number, id: number): void {
    const index = this.index;
    if (row >= index.rowIds.length) {
      const grown = new Int32Array(Math.max(row + 1, index.rowIds.length * 2));
      grown.set(index.rowIds);
      index.rowIds = grown;
    }
    index.rowIds[row] = id;
  }

  get nodeCount(): number {
    let n = 0;
    for (const state of this.nodes.values()) if (state.node) n++;
    return n;
  }

  get podCount(): number {
    return this.podStates.size;
  }

  /** The pods counted on a node (bound and assumed); the cache's own array, valid until the node's pods change. */
  podsOn(nodeName: string): readonly PodInfo[] {
    const state = this.nodes.get(nodeName);
    if (state === undefined) return [];
    return (state.podList ??= [...state.pods.values()]);
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
      const id = this.freeIds.pop() ?? this.nextId++;
      this.index.nodeIdLimit = this.nextId;
      state = new NodeState(name, id);
      this.nodes.set(name, state);
      // A node dropped and back before the snapshot caught up: its row reads the new state, as podsOn does.
      const row = this.index.table?.indexOf(name) ?? -1;
      if (row >= 0) {
        this.setRowId(row, id);
        this.index.version++;
      }
    }
    return state;
  }

  private dropNodeState(state: NodeState): void {
    this.nodes.delete(state.name);
    this.releasedIds.push(state.id);
  }

  private forEachPod(fn: (pod: PodInfo, nodeId: number) => void): void {
    for (const state of this.nodes.values()) for (const pod of state.pods.values()) fn(pod, state.id);
  }

  private addToNode(podInfo: PodInfo, nodeName: string): void {
    const state = this.nodeState(nodeName);
    state.pods.set(podInfo.uid, podInfo);
    state.podList = undefined;
    state.account(podInfo, 1);
    this.index.podChanged(podInfo, state.id, 1);
    this.dirty.add(nodeName);
  }

  private removeFromNode(podInfo: PodInfo, nodeName: string): void {
    const state = this.nodes.get(nodeName);
    if (!state?.pods.delete(podInfo.uid)) return;
    state.podList = undefined;
    state.account(podInfo, -1);
    this.index.podChanged(podInfo, state.id, -1);
    if (!state.node && state.pods.size === 0) this.dropNodeState(state);
    this.dirty.add(nodeName);
  }
}
