// What plugins may read of the cluster beyond the node table: the pods on
// each node (bound and assumed, as of the cycle's snapshot), namespaces, and
// the storage objects. Plugins receive it through their Handle and read it in
// PreFilter/PreScore only, to precompute what their per-node code needs.
//
// Counting pods per topology domain (PodTopologySpread, InterPodAffinity) goes
// through a PodIndex: the cache keeps the counts of each query it is asked
// incrementally, as pods come and go, so a cycle reads them instead of
// matching every pod on every node (src/cache/pod-index.ts). A lister without
// an index (podIndexOf) gets one that counts by reading podsOnNode.
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../api/types.ts';
import type { PodInfo } from './interfaces.ts';
import { selectorMatches, type Labels, type Selector } from './label-selector.ts';
import type { NodeTableReader, NodeView } from './node-view.ts';

/** A pod and the table index of the node it is counted on. */
export interface NodePod {
  nodeIndex: number;
  pod: PodInfo;
}

export interface ClusterLister {
  /** The pods counted on the node at this table index (bound and assumed). */
  podsOnNode(nodeIndex: number): readonly PodInfo[];
  /** Every pod in the snapshot with pod affinity or anti-affinity terms (required or preferred). */
  podsWithAffinity(): readonly NodePod[];
  /** The pods in the snapshot with required anti-affinity terms (the symmetry rule). */
  podsWithRequiredAntiAffinity(): readonly NodePod[];
  /** Labels of a namespace, or undefined if it is not known. */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  persistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  persistentVolume(name: string): PersistentVolume | undefined;
  storageClass(name: string): StorageClass | undefined;
  /** Pod counts kept up to date by the cache; read them through podIndexOf(). */
  podIndex?(): PodIndex;
}

// --- pod index -----------------------------------------------------------------------

/** Which pods to count. Plain data: queries with equal fields select the same pods. */
export interface PodQuery {
  /** Only pods of this namespace; null: every namespace. */
  readonly namespace: string | null;
  /** On the pod's labels (framework/label-selector.ts): null selects no pod, [] every pod. */
  readonly selector: Selector;
  /** Only pods whose controller owner reference has this UID. */
  readonly controllerUid?: string;
  /** Leave out pods being deleted (metadata.deletionTimestamp set). */
  readonly skipTerminating?: boolean;
}

/** Which nodes a DomainCounts covers. */
export interface NodeFilter {
  /** Names the filter: filters with equal keys include the same nodes. */
  readonly key: string;
  /** May read the node's name, labels and taints only (the index asks again when those change). */
  includes(node: NodeView): boolean;
}

/** How nodes group into topology domains. */
export interface DomainQuery {
  /** Interned topology key; a node's domain is its value of it. */
  readonly keyId: number;
  /** The domain of nodes lacking the key; undefined leaves them out. */
  readonly missingValue?: number;
  /** Only the nodes this filter includes; every node when absent. */
  readonly nodes?: NodeFilter;
}

/** Every domain of the covered nodes (zero counts included): parallel arrays, values ascending. */
export interface DomainCounts {
  readonly values: readonly number[];
  readonly counts: readonly number[];
}

/**
 * The pods a query or a classifier selects, counted per node. A PodSet is
 * valid until the cache next changes: read it in the call that got it. The
 * DomainCounts and Maps it returns never change once handed out (the index
 * copies before it counts again), so they may be kept as they are (in
 * CycleState, say), and must not be changed.
 */
export interface PodSet {
  /** The set's pods on the node at this table index. */
  countOn(nodeIndex: number): number;
  domainCounts(query: DomainQuery): DomainCounts;
  /** Value of the key → the set's pods on nodes with that value, for values holding at least one. */
  occupiedDomains(keyId: number): ReadonlyMap<number, number>;
}

export interface PodGroup<T> extends PodSet {
  readonly key: string;
  /** The value the classifier gave with the key (for one of the member pods; equal keys, equal values). */
  readonly value: T;
}

/** Files pods into groups; the index keeps the groups as pods come and go. */
export interface PodClassifier<T> {
  /** Names the classifier: one registration per name. */
  readonly name: string;
  /** The pod's groups; a key given twice counts the pod twice. Must depend on the pod alone. */
  classify(pod: PodInfo): readonly { key: string; value: T }[];
}

export interface PodIndex {
  select(query: PodQuery): PodSet;
  /** Groups with at least one pod. */
  groups<T>(classifier: PodClassifier<T>): Iterable<PodGroup<T>>;
  /** The namespaces of the pods counted. */
  namespaces(): Iterable<string>;
}

const NO_LABELS: Labels = Object.freeze({});

/** metav1.GetControllerOf's UID: the first owner reference with controller: true. */
export function controllerUidOf(pod: Pod): string | undefined {
  const refs = pod.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs) if (r?.controller === true) return r.uid ?? '';
  return undefined;
}

export function podMatches(q: PodQuery, pod: PodInfo): boolean {
  if (q.selector === null) return false;
  if (q.namespace !== null && pod.namespace !== q.namespace) return false;
  if (q.skipTerminating === true && pod.pod.metadata?.deletionTimestamp) return false;
  if (q.controllerUid !== undefined && controllerUidOf(pod.pod) !== q.controllerUid) return false;
  return selectorMatches(q.selector, pod.pod.metadata?.labels ?? NO_LABELS);
}

/** The lister's index, or one that counts from podsOnNode on every call (a lister without its own). */
export function podIndexOf(lister: ClusterLister, nodes: NodeTableReader): PodIndex {
  return lister.podIndex?.() ?? new ScanningIndex(lister, nodes);
}

/** Domains of the rows by their per-row counts (what the cache's index keeps incrementally). */
export function domainCountsOf(nodes: NodeTableReader, countOn: (row: number) => number, query: DomainQuery): DomainCounts {
  const byValue = new Map<number, number>();
  if (nodes.size > 0) {
    const view = nodes.view(0);
    for (let i = 0; i < nodes.size; i++) {
      view.at(i);
      if (query.nodes !== undefined && !query.nodes.includes(view)) continue;
      let value = query.keyId < 0 ? -1 : view.label(query.keyId);
      if (value < 0) {
        if (query.missingValue === undefined) continue;
        value = query.missingValue;
      }
      byValue.set(value, (byValue.get(value) ?? 0) + countOn(i));
    }
  }
  const values = [...byValue.keys()].sort((a, b) => a - b);
  return { values, counts: values.map((v) => byValue.get(v)!) };
}

class ScanningSet implements PodSet {
  private readonly nodes: NodeTableReader;
  private readonly counts: Int32Array;

  constructor(nodes: NodeTableReader, counts: Int32Array) {
    this.nodes = nodes;
    this.counts = counts;
  }

  countOn(nodeIndex: number): number {
    return this.counts[nodeIndex] ?? 0;
  }

  domainCounts(query: DomainQuery): DomainCounts {
    return domainCountsOf(this.nodes, (row) => this.counts[row]!, query);
  }

  occupiedDomains(keyId: number): ReadonlyMap<number, number> {
    const out = new Map<number, number>();
    if (keyId < 0 || this.nodes.size === 0) return out;
    const view = this.nodes.view(0);
    for (let i = 0; i < this.nodes.size; i++) {
      const value = this.counts[i]! > 0 ? view.at(i).label(keyId) : -1;
      if (value >= 0) out.set(value, (out.get(value) ?? 0) + this.counts[i]!);
    }
    return out;
  }
}

/** PodIndex by reading every node's pods on each call: the reference the cache's index must agree with. */
export class ScanningIndex implements PodIndex {
  private readonly lister: ClusterLister;
  private readonly nodes: NodeTableReader;

  constructor(lister: ClusterLister, nodes: NodeTableReader) {
    this.lister = lister;
    this.nodes = nodes;
  }

  select(query: PodQuery): PodSet {
    const counts = new Int32Array(this.nodes.size);
    for (let i = 0; i < this.nodes.size; i++) for (const pod of this.lister.podsOnNode(i)) if (podMatches(query, pod)) counts[i]!++;
    return new ScanningSet(this.nodes, counts);
  }

  groups<T>(classifier: PodClassifier<T>): Iterable<PodGroup<T>> {
    const groups = new Map<string, { value: T; counts: Int32Array }>();
    for (let i = 0; i < this.nodes.size; i++) {
      for (const pod of this.lister.podsOnNode(i)) {
        for (const { key, value } of classifier.classify(pod)) {
          let g = groups.get(key);
          if (g === undefined) {
            g = { value, counts: new Int32Array(this.nodes.size) };
            groups.set(key, g);
          }
          g.counts[i]!++;
        }
      }
    }
    return [...groups].map(([key, g]) => Object.assign(new ScanningSet(this.nodes, g.counts), { key, value: g.value }));
  }

  namespaces(): Iterable<string> {
    const out = new Set<string>();
    for (let i = 0; i < this.nodes.size; i++) for (const pod of this.lister.podsOnNode(i)) out.add(pod.namespace);
    return out;
  }
}

/** A lister with nothing in it (plugins constructed for probing, tests that need none). */
export const emptyLister: ClusterLister = {
  podsOnNode: () => [],
  podsWithAffinity: () => [],
  podsWithRequiredAntiAffinity: () => [],
  namespaceLabels: () => undefined,
  persistentVolumeClaim: () => undefined,
  persistentVolume: () => undefined,
  storageClass: () => undefined,
};
