// The cache's PodIndex (framework/cluster-lister.ts): pod counts per node and
// per topology domain, kept up to date as pods are added, assumed, forgotten,
// updated and removed, so that PodTopologySpread and InterPodAffinity read
// counts in PreFilter/PreScore instead of matching every pod of the cluster.
//
//   query set   the pods a PodQuery selects (namespace, labels, controller,
//               terminating or not); made on first read by one scan of the
//               cache's pods, then matched against each pod that comes or
//               goes in its namespace. Counts per node in a typed array.
//   group       the pods a PodClassifier files under one key (InterPodAffinity:
//               existing pods' terms); a classifier is registered on first
//               read by one scan, then asked about each pod that comes or
//               goes. Counts per node in a Map: groups are many, mostly small.
//   domains     per set and read: counts summed by topology domain, for one
//               DomainQuery as sorted arrays with zeros (DomainCounts), or for
//               one key as a Map of the occupied domains; kept up to date by
//               each pod change. Where each node falls (a layout) is shared by
//               every set and worked out from the node table again whenever
//               rows come, go or move or a node's labels or taints change
//               (`version`); sums of an older version are rebuilt when read.
//
// What a read hands out never changes: the next change copies it first.
//
// Counts are kept by node id (NodeState.id in cache.ts), not by table row:
// rows move when nodes are removed. `rowIds` maps the rows of the last synced
// table to node ids. A node id is reused only after a snapshot update has
// dropped its row, so a stale row never reads another node's counts.
//
// Memory is bounded: sets, classifiers, domain sums and layouts not read for
// `idleReads` reads of the index are dropped (and rebuilt by a scan if asked
// again), and at most `maxQueries` query sets are kept.
import {
  podMatches,
  type DomainCounts,
  type DomainQuery,
  type PodClassifier,
  type PodGroup,
  type PodIndex,
  type PodQuery,
  type PodSet,
} from '../framework/cluster-lister.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import type { NodeTableReader } from '../framework/node-view.ts';

export interface PodIndexOptions {
  /** Sets, classifiers and domain sums not read for this many reads of the index are dropped. */
  idleReads?: number;
  /** At most this many query sets are kept; the least recently read goes first. */
  maxQueries?: number;
}

/** What the index reads of the cache. */
export interface IndexHost {
  /** Calls fn for every pod counted on a node, with the node's id. */
  forEachPod(fn: (pod: PodInfo, nodeId: number) => void): void;
}

const DEFAULT_IDLE_READS = 4096;
const DEFAULT_MAX_QUERIES = 256;
/** Reads between sweeps for idle entries. */
const SWEEP_EVERY = 256;

/** A copy of a Map (forEach and set: faster than new Map(m) in V8). */
function copyMap(m: ReadonlyMap<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  m.forEach((v, k) => out.set(k, v));
  return out;
}

/**
 * Where each node falls for one DomainQuery, shared by every set read with
 * it: the domains' values, ascending, and each node id's index into them.
 * Immutable once built; a new one is built for each version.
 */
class DenseLayout {
  readonly version: number;
  lastRead = 0;
  readonly values: number[];
  /** Node id → index into values, or -1. */
  readonly slotOfNode: Int32Array;

  constructor(index: PodIndexes, query: DomainQuery) {
    const { keyId, missingValue, nodes: filter } = query;
    const table = index.table;
    const rows = table?.size ?? 0;
    const rowValue = new Float64Array(rows).fill(Number.NaN);
    const distinct = new Set<number>();
    if (table !== undefined && rows > 0) {
      const view = table.view(0);
      for (let r = 0; r < rows; r++) {
        view.at(r);
        if (filter !== undefined && !filter.includes(view)) continue;
        let value = keyId < 0 ? -1 : view.label(keyId);
        if (value < 0) {
          if (missingValue === undefined) continue;
          value = missingValue;
        }
        rowValue[r] = value;
        distinct.add(value);
      }
    }
    this.values = [...distinct].sort((a, b) => a - b);
    const slotOfValue = new Map<number, number>();
    for (let i = 0; i < this.values.length; i++) slotOfValue.set(this.values[i]!, i);
    this.slotOfNode = new Int32Array(index.nodeIdLimit).fill(-1);
    for (let r = 0; r < rows; r++) if (!Number.isNaN(rowValue[r]!)) this.slotOfNode[index.rowIds[r]!] = slotOfValue.get(rowValue[r]!)!;
    this.version = index.version;
  }
}

/** Each node id's value of one key (-1: lacking it, or not in the table). Immutable once built. */
class KeyLayout {
  readonly version: number;
  lastRead = 0;
  readonly valueOfNode: Int32Array;

  constructor(index: PodIndexes, keyId: number) {
    this.valueOfNode = new Int32Array(index.nodeIdLimit).fill(-1);
    const table = index.table;
    if (table !== undefined && table.size > 0 && keyId >= 0) {
      const view = table.view(0);
      for (let r = 0; r < table.size; r++) this.valueOfNode[index.rowIds[r]!] = view.at(r).label(keyId);
    }
    this.version = index.version;
  }
}

/** One set's counts over a DenseLayout: every domain, zeros included. */
class DenseDomains {
  lastRead = 0;
  private readonly layout: DenseLayout;
  private counts: number[];
  /** What the last read handed out: counts are copied before they change again. */
  private handedOut: DomainCounts | undefined;

  constructor(layout: DenseLayout, set: Counted) {
    this.layout = layout;
    const counts = Array.from(layout.values, () => 0);
    set.forEachNode((id, n) => {
      const slot = layout.slotOfNode[id] ?? -1;
      if (slot >= 0) counts[slot] = counts[slot]! + n;
    });
    this.counts = counts;
  }

  get version(): number {
    return this.layout.version;
  }

  add(nodeId: number, delta: number): void {
    const slot = this.layout.slotOfNode[nodeId] ?? -1;
    if (slot < 0) return;
    if (this.handedOut !== undefined) {
      this.counts = this.counts.slice();
      this.handedOut = undefined;
    }
    this.counts[slot] = this.counts[slot]! + delta;
  }

  read(): DomainCounts {
    return (this.handedOut ??= Object.freeze({ values: this.layout.values, counts: this.counts }));
  }
}

/** One set's occupied domains of a key, value → count (> 0). */
class OccupiedDomains {
  lastRead = 0;
  private readonly layout: KeyLayout;
  private byValue = new Map<number, number>();
  /** The last read handed byValue out: it is copied before it changes again. */
  private handedOut = false;

  constructor(layout: KeyLayout, set: Counted) {
    this.layout = layout;
    set.forEachNode((id, n) => {
      const value = layout.valueOfNode[id] ?? -1;
      if (value >= 0) this.byValue.set(value, (this.byValue.get(value) ?? 0) + n);
    });
  }

  get version(): number {
    return this.layout.version;
  }

  add(nodeId: number, delta: number): void {
    const value = this.layout.valueOfNode[nodeId] ?? -1;
    if (value < 0) return;
    if (this.handedOut) {
      this.byValue = copyMap(this.byValue);
      this.handedOut = false;
    }
    const n = (this.byValue.get(value) ?? 0) + delta;
    if (n === 0) this.byValue.delete(value);
    else this.byValue.set(value, n);
  }

  read(): ReadonlyMap<number, number> {
    this.handedOut = true;
    return this.byValue;
  }
}

/** Pods counted per node id, with the domain sums read of them. */
abstract class Counted implements PodSet {
  total = 0;
  lastRead = 0;
  protected readonly index: PodIndexes;
  private readonly dense = new Map<string, DenseDomains>();
  private readonly occupied = new Map<number, OccupiedDomains>();

  constructor(index: PodIndexes) {
    this.index = index;
  }

  /** The set's pods on the node with this id. */
  abstract count(nodeId: number): number;
  /** Calls fn for each node id with pods of the set. */
  abstract forEachNode(fn: (nodeId: number, n: number) => void): void;
  protected abstract bump(nodeId: number, delta: number): void;

  add(nodeId: number, delta: number): void {
    this.bump(nodeId, delta);
    this.total += delta;
    const version = this.index.version;
    if (this.dense.size > 0) for (const d of this.dense.values()) if (d.version === version) d.add(nodeId, delta);
    if (this.occupied.size > 0) for (const o of this.occupied.values()) if (o.version === version) o.add(nodeId, delta);
  }

  countOn(nodeIndex: number): number {
    const id = this.index.nodeIdAt(nodeIndex);
    return id < 0 ? 0 : this.count(id);
  }

  domainCounts(query: DomainQuery): DomainCounts {
    const key = denseKey(query);
    let d = this.dense.get(key);
    if (d === undefined || d.version !== this.index.version) {
      d = new DenseDomains(this.index.denseLayout(key, query), this);
      this.dense.set(key, d);
    }
    d.lastRead = this.index.reads;
    return d.read();
  }

  occupiedDomains(keyId: number): ReadonlyMap<number, number> {
    let o = this.occupied.get(keyId);
    if (o === undefined || o.version !== this.index.version) {
      o = new OccupiedDomains(this.index.keyLayout(keyId), this);
      this.occupied.set(keyId, o);
    }
    o.lastRead = this.index.reads;
    return o.read();
  }

  /** Drops the domain sums not read since `before`. */
  sweep(before: number): void {
    for (const [key, d] of this.dense) if (d.lastRead < before) this.dense.delete(key);
    for (const [key, o] of this.occupied) if (o.lastRead < before) this.occupied.delete(key);
  }
}

function denseKey(q: DomainQuery): string {
  return `${q.keyId}/${q.missingValue ?? ''}/${q.nodes?.key ?? ''}`;
}

/** Counts in a typed array by node id: a query set (a bounded number of them) read per row. */
class DenseCounted extends Counted {
  private perNode: Int32Array;

  constructor(index: PodIndexes) {
    super(index);
    this.perNode = new Int32Array(Math.max(8, index.nodeIdLimit));
  }

  count(nodeId: number): number {
    return this.perNode[nodeId] ?? 0;
  }

  forEachNode(fn: (nodeId: number, n: number) => void): void {
    const perNode = this.perNode;
    for (let id = 0; id < perNode.length; id++) if (perNode[id] !== 0) fn(id, perNode[id]!);
  }

  protected bump(nodeId: number, delta: number): void {
    if (nodeId >= this.perNode.length) {
      const grown = new Int32Array(Math.max(nodeId + 1, this.perNode.length * 2));
      grown.set(this.perNode);
      this.perNode = grown;
    }
    this.perNode[nodeId] = this.perNode[nodeId]! + delta;
  }
}

/** Counts in a Map by node id: a group (one per distinct key, as many as the pods make), usually on few nodes. */
class SparseCounted extends Counted {
  private readonly perNode = new Map<number, number>();

  count(nodeId: number): number {
    return this.perNode.get(nodeId) ?? 0;
  }

  forEachNode(fn: (nodeId: number, n: number) => void): void {
    this.perNode.forEach((n, id) => fn(id, n));
  }

  protected bump(nodeId: number, delta: number): void {
    const n = (this.perNode.get(nodeId) ?? 0) + delta;
    if (n === 0) this.perNode.delete(nodeId);
    else this.perNode.set(nodeId, n);
  }
}

class QuerySet extends DenseCounted {
  readonly query: PodQuery;
  readonly key: string;

  constructor(index: PodIndexes, query: PodQuery, key: string) {
    super(index);
    this.query = query;
    this.key = key;
  }
}

class Group<T> extends SparseCounted implements PodGroup<T> {
  readonly key: string;
  readonly value: T;

  constructor(index: PodIndexes, key: string, value: T) {
    super(index);
    this.key = key;
    this.value = value;
  }
}

class Classification {
  readonly classifier: PodClassifier<unknown>;
  readonly groups = new Map<string, Group<unknown>>();
  lastRead = 0;
  private readonly index: PodIndexes;

  constructor(index: PodIndexes, classifier: PodClassifier<unknown>) {
    this.index = index;
    this.classifier = classifier;
  }

  podChanged(pod: PodInfo, nodeId: number, delta: number): void {
    const entries = this.classifier.classify(pod);
    for (let i = 0; i < entries.length; i++) {
      const { key, value } = entries[i]!;
      let g = this.groups.get(key);
      if (g === undefined) {
        g = new Group(this.index, key, value);
        this.groups.set(key, g);
      }
      g.add(nodeId, delta);
      if (g.total === 0) this.groups.delete(key);
    }
  }
}

function queryKey(q: PodQuery): string {
  return JSON.stringify([q.namespace, q.selector, q.controllerUid ?? null, q.skipTerminating === true]);
}

export class PodIndexes implements PodIndex {
  /** Bumped when rows come, go or move, or a node's labels or taints change: domain sums are rebuilt. */
  version = 0;
  /** The table of the last snapshot update, and the node id of each of its rows (kept by the cache). */
  table: NodeTableReader | undefined;
  rowIds = new Int32Array(64);
  /** Node ids are below this (kept by the cache). */
  nodeIdLimit = 0;
  /** Reads of the index so far: the clock of idle eviction. */
  reads = 0;
  private readonly host: IndexHost;
  private readonly idleReads: number;
  private readonly maxQueries: number;
  private readonly queries = new Map<string, QuerySet>();
  /** Query sets by their namespace (null: every namespace), the ones a pod change is matched against. */
  private readonly byNamespace = new Map<string | null, QuerySet[]>();
  private readonly classifications = new Map<string, Classification>();
  private readonly namespaceCounts = new Map<string, number>();
  private readonly keys = new WeakMap<PodQuery, string>();
  private readonly denseLayouts = new Map<string, DenseLayout>();
  private readonly keyLayouts = new Map<number, KeyLayout>();

  constructor(host: IndexHost, options: PodIndexOptions = {}) {
    this.host = host;
    this.idleReads = options.idleReads ?? DEFAULT_IDLE_READS;
    this.maxQueries = options.maxQueries ?? DEFAULT_MAX_QUERIES;
  }

  /** The node id of a row of the synced table, or -1. */
  nodeIdAt(row: number): number {
    return row >= 0 && row < (this.table?.size ?? 0) ? this.rowIds[row]! : -1;
  }

  /** Where the nodes fall for a DomainQuery, as of the current version. */
  denseLayout(key: string, query: DomainQuery): DenseLayout {
    let layout = this.denseLayouts.get(key);
    if (layout === undefined || layout.version !== this.version) {
      layout = new DenseLayout(this, query);
      this.denseLayouts.set(key, layout);
    }
    layout.lastRead = this.reads;
    return layout;
  }

  /** Each node's value of a key, as of the current version. */
  keyLayout(keyId: number): KeyLayout {
    let layout = this.keyLayouts.get(keyId);
    if (layout === undefined || layout.version !== this.version) {
      layout = new KeyLayout(this, keyId);
      this.keyLayouts.set(keyId, layout);
    }
    layout.lastRead = this.reads;
    return layout;
  }

  /** A pod was counted on (delta 1) or taken off (delta -1) the node with this id. */
  podChanged(pod: PodInfo, nodeId: number, delta: 1 | -1): void {
    const n = (this.namespaceCounts.get(pod.namespace) ?? 0) + delta;
    if (n === 0) this.namespaceCounts.delete(pod.namespace);
    else this.namespaceCounts.set(pod.namespace, n);
    const own = this.byNamespace.get(pod.namespace);
    if (own !== undefined) for (let i = 0; i < own.length; i++) if (podMatches(own[i]!.query, pod)) own[i]!.add(nodeId, delta);
    const any = this.byNamespace.get(null);
    if (any !== undefined) for (let i = 0; i < any.length; i++) if (podMatches(any[i]!.query, pod)) any[i]!.add(nodeId, delta);
    if (this.classifications.size > 0) for (const c of this.classifications.values()) c.podChanged(pod, nodeId, delta);
  }

  select(query: PodQuery): PodSet {
    let key = this.keys.get(query);
    if (key === undefined) {
      key = queryKey(query);
      this.keys.set(query, key);
    }
    let set = this.queries.get(key);
    if (set === undefined) {
      set = new QuerySet(this, query, key);
      if (query.selector !== null) {
        const s = set;
        this.host.forEachPod((pod, nodeId) => {
          if (podMatches(query, pod)) s.add(nodeId, 1);
        });
        let list = this.byNamespace.get(query.namespace);
        if (list === undefined) {
          list = [];
          this.byNamespace.set(query.namespace, list);
        }
        list.push(set);
      }
      this.queries.set(key, set);
    }
    this.touch(set);
    if (this.queries.size > this.maxQueries) this.dropLeastRecent();
    return set;
  }

  groups<T>(classifier: PodClassifier<T>): Iterable<PodGroup<T>> {
    let c = this.classifications.get(classifier.name);
    if (c === undefined) {
      const created = new Classification(this, classifier);
      this.host.forEachPod((pod, nodeId) => created.podChanged(pod, nodeId, 1));
      this.classifications.set(classifier.name, created);
      c = created;
    }
    this.touch(c);
    return c.groups.values() as Iterable<PodGroup<T>>;
  }

  namespaces(): Iterable<string> {
    return this.namespaceCounts.keys();
  }

  /** How many query sets and classifiers are kept (for tests and debug logs). */
  get size(): { queries: number; classifiers: number } {
    return { queries: this.queries.size, classifiers: this.classifications.size };
  }

  private touch(entry: { lastRead: number }): void {
    entry.lastRead = ++this.reads;
    if (this.reads % SWEEP_EVERY === 0) this.sweep();
  }

  private sweep(): void {
    const before = this.reads - this.idleReads;
    for (const set of this.queries.values()) {
      if (set.lastRead < before) this.drop(set);
      else set.sweep(before);
    }
    for (const [name, c] of this.classifications) {
      if (c.lastRead < before) this.classifications.delete(name);
      else for (const g of c.groups.values()) g.sweep(before);
    }
    for (const [key, layout] of this.denseLayouts) if (layout.lastRead < before || layout.version !== this.version) this.denseLayouts.delete(key);
    for (const [key, layout] of this.keyLayouts) if (layout.lastRead < before || layout.version !== this.version) this.keyLayouts.delete(key);
  }

  private dropLeastRecent(): void {
    let oldest: QuerySet | undefined;
    for (const set of this.queries.values()) if (oldest === undefined || set.lastRead < oldest.lastRead) oldest = set;
    if (oldest !== undefined) this.drop(oldest);
  }

  private drop(set: QuerySet): void {
    this.queries.delete(set.key);
    const list = this.byNamespace.get(set.query.namespace);
    const at = list?.indexOf(set) ?? -1;
    if (at >= 0) {
      list!.splice(at, 1);
      if (list!.length === 0) this.byNamespace.delete(set.query.namespace);
    }
  }
}
