// The snapshot's node table: one row per node, in typed arrays over
// SharedArrayBuffers, so worker threads read it without copies. See
// docs/snapshot.md for the layout. Strings are interned (StringInterner).
//
//   ints       Int32Array   capacity × INT_COLUMNS   name id, flags, pod count, var-length offsets
//   allocatable Float64Array capacity × slots        resource amounts (cpu in millicores, bytes, counts)
//   requested  Float64Array capacity × slots
//   nonZero    Float64Array capacity × 2             cpu/memory requested with upstream's non-zero defaults
//   pool       Float64Array                          var-length parts: labels (key, value), taints
//                                                    (key, value, effect), host ports (protocol, ip, port),
//                                                    images (id, size)
//
// Writers append a row's var-length parts at the end of the pool; the space
// they replace becomes garbage, reclaimed by compaction when it passes half
// the pool. Only the main thread writes; a cycle's readers never see a write
// in progress because the scheduler updates the table between cycles.
import type { ContainerImage, Taint } from '../api/types.ts';
import type { HostPort } from '../framework/interfaces.ts';
import {
  FIXED_RESOURCE_SLOTS,
  Protocol,
  ResourceSlot,
  TaintEffect,
  type NodeTableReader,
  type NodeView,
} from '../framework/node-view.ts';
import type { StringInterner } from './interner.ts';

const Col = {
  nameId: 0,
  flags: 1,
  podCount: 2,
  labelsOff: 3,
  labelsLen: 4,
  taintsOff: 5,
  taintsLen: 6,
  portsOff: 7,
  portsLen: 8,
  imagesOff: 9,
  imagesLen: 10,
} as const;
const INT_COLUMNS = 11;
const FLAG_UNSCHEDULABLE = 1;

/** What a row is written from: the cache's view of one node and its pods. */
export interface NodeRowData {
  name: string;
  unschedulable: boolean;
  /** By slot name: "cpu" (millicores), "memory", "ephemeral-storage", "pods", extended names. */
  allocatable: ReadonlyMap<string, number>;
  requested: ReadonlyMap<string, number>;
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
  podCount: number;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
  hostPorts: readonly HostPort[];
  images: readonly ContainerImage[];
}

/** Which parts of a row changed; resources and pod count are always rewritten. */
export interface RowParts {
  /** labels, taints, images, unschedulable: the node object changed. */
  spec: boolean;
  /** host ports: the pods on the node changed. */
  ports: boolean;
}

const taintEffects: Record<string, number> = TaintEffect;
const protocols: Record<string, number> = Protocol;
const fixedSlots: Record<string, number> = {
  cpu: ResourceSlot.cpu,
  memory: ResourceSlot.memory,
  'ephemeral-storage': ResourceSlot.ephemeralStorage,
  pods: ResourceSlot.pods,
};

function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, length) * Float64Array.BYTES_PER_ELEMENT));
}
function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, length) * Int32Array.BYTES_PER_ELEMENT));
}

/** How many row writes NodeTable.rowOfWrite remembers (a power of two). */
export const CHANGE_LOG_SIZE = 4096;

export class NodeTable implements NodeTableReader {
  readonly interner: StringInterner;
  size = 0;
  private capacity: number;
  private slots: number;
  ints: Int32Array;
  allocatableCol: Float64Array;
  requestedCol: Float64Array;
  nonZeroCol: Float64Array;
  pool: Float64Array;
  private poolUsed = 0;
  private poolGarbage = 0;
  private readonly names: string[] = [];
  private readonly rows = new Map<string, number>();
  private readonly slotByName = new Map<string, number>(Object.entries(fixedSlots));
  private readonly imageNodes = new Map<number, number>();
  /** Bumped whenever buffers are reallocated, so workers know to re-attach. */
  layoutVersion = 0;
  /**
   * Bumped when a row is added or removed, or when a row's spec part (labels,
   * taints, images, allocatable, unschedulable) is written: what the
   * scheduling batch (src/scheduler/batch.ts) cannot re-check row by row.
   */
  specVersion = 0;
  /** Per row, the write that last changed it (a row moved by remove() counts as changed). */
  private stamps: Float64Array;
  private writes = 0;
  /** The last CHANGE_LOG_SIZE rows written, in order: write w (1-based) is at (w - 1) & (CHANGE_LOG_SIZE - 1). */
  private readonly changeLog = new Int32Array(CHANGE_LOG_SIZE);

  constructor(interner: StringInterner, initialCapacity = 64) {
    this.interner = interner;
    this.capacity = initialCapacity;
    this.slots = FIXED_RESOURCE_SLOTS;
    this.ints = sharedInt32(initialCapacity * INT_COLUMNS);
    this.allocatableCol = sharedFloat64(initialCapacity * this.slots);
    this.requestedCol = sharedFloat64(initialCapacity * this.slots);
    this.nonZeroCol = sharedFloat64(initialCapacity * 2);
    this.pool = sharedFloat64(initialCapacity * 64);
    this.stamps = new Float64Array(initialCapacity);
  }

  /** Changes whenever the row at this index is written or replaced (see specVersion for the rest). */
  rowStamp(row: number): number {
    return this.stamps[row]!;
  }

  /** How many row writes there have been: rowStamp values are at most this. */
  get writeCount(): number {
    return this.writes;
  }

  /**
   * The row of write w (1 ≤ w ≤ writeCount), while it is among the last
   * CHANGE_LOG_SIZE writes; -1 for an older one (the caller must look at
   * every row instead). A row written again shows up again.
   */
  rowOfWrite(w: number): number {
    return w > this.writes - CHANGE_LOG_SIZE && w <= this.writes && w > 0 ? this.changeLog[(w - 1) & (CHANGE_LOG_SIZE - 1)]! : -1;
  }

  private stamp(row: number): void {
    this.stamps[row] = ++this.writes;
    this.changeLog[(this.writes - 1) & (CHANGE_LOG_SIZE - 1)] = row;
  }

  get resourceSlots(): number {
    return this.slots;
  }

  view(index: number): NodeView {
    return new NodeCursor(this, index);
  }

  indexOf(nodeName: string): number {
    return this.rows.get(nodeName) ?? -1;
  }

  nameAt(index: number): string {
    return this.names[index] ?? '';
  }

  resourceSlot(resourceName: string): number {
    return this.slotByName.get(resourceName) ?? -1;
  }

  imageNodeCount(imageId: number): number {
    return this.imageNodes.get(imageId) ?? 0;
  }

  /** Adds or rewrites the row of data.name. */
  upsert(data: NodeRowData, parts: RowParts = { spec: true, ports: true }): number {
    let row = this.rows.get(data.name);
    const isNew = row === undefined;
    if (row === undefined) {
      if (this.size === this.capacity) this.grow(this.capacity * 2, this.slots);
      row = this.size++;
      this.rows.set(data.name, row);
      this.names[row] = data.name;
      this.ints.fill(0, row * INT_COLUMNS, (row + 1) * INT_COLUMNS);
      this.ints[row * INT_COLUMNS + Col.nameId] = this.interner.intern(data.name);
    }
    // Allocatable changes only with the node's spec; a pod added or removed rewrites requests alone.
    if (isNew || parts.spec) this.writeAllocatable(row, data.allocatable);
    this.writeRequests(row, data.requested, data.podCount, data.nonZeroMilliCPU, data.nonZeroMemory);
    const base = row * INT_COLUMNS;
    if (isNew || parts.spec) {
      this.specVersion++;
      this.ints[base + Col.flags] = data.unschedulable ? FLAG_UNSCHEDULABLE : 0;
      this.writeLabels(row, data.labels);
      this.writeTaints(row, data.taints);
      this.writeImages(row, data.images);
    }
    if (isNew || parts.ports) this.writePorts(row, data.hostPorts);
    return row;
  }

  /**
   * Rewrites the requests of a row (all upsert writes when only its pods
   * changed; the cache calls it directly then, without building row data).
   */
  writeRequests(row: number, requested: ReadonlyMap<string, number>, podCount: number, nonZeroMilliCPU: number, nonZeroMemory: number): void {
    for (const name of requested.keys()) this.ensureSlot(name);
    const start = row * this.slots;
    this.requestedCol.fill(0, start, start + this.slots);
    for (const [name, amount] of requested) this.requestedCol[start + this.slotByName.get(name)!] = amount;
    this.requestedCol[start + ResourceSlot.pods] = podCount;
    this.nonZeroCol[row * 2] = nonZeroMilliCPU;
    this.nonZeroCol[row * 2 + 1] = nonZeroMemory;
    this.stamp(row);
    this.ints[row * INT_COLUMNS + Col.podCount] = podCount;
  }

  /** Removes a node's row; the last row moves into its place. */
  remove(nodeName: string): void {
    const row = this.rows.get(nodeName);
    if (row === undefined) return;
    this.forgetImages(row);
    const base = row * INT_COLUMNS;
    this.poolGarbage +=
      this.ints[base + Col.labelsLen]! +
      this.ints[base + Col.taintsLen]! +
      this.ints[base + Col.portsLen]! +
      this.ints[base + Col.imagesLen]!;
    const last = this.size - 1;
    if (row !== last) {
      const lastName = this.names[last]!;
      this.ints.copyWithin(base, last * INT_COLUMNS, (last + 1) * INT_COLUMNS);
      this.allocatableCol.copyWithin(row * this.slots, last * this.slots, (last + 1) * this.slots);
      this.requestedCol.copyWithin(row * this.slots, last * this.slots, (last + 1) * this.slots);
      this.nonZeroCol.copyWithin(row * 2, last * 2, last * 2 + 2);
      this.names[row] = lastName;
      this.rows.set(lastName, row);
      this.stamp(row);
    }
    this.specVersion++;
    this.names.length = last;
    this.rows.delete(nodeName);
    this.size = last;
  }

  private ensureSlot(name: string): number {
    let slot = this.slotByName.get(name);
    if (slot === undefined) {
      slot = this.slots;
      this.slotByName.set(name, slot);
      this.grow(this.capacity, this.slots + 1);
    }
    return slot;
  }

  private writeAllocatable(row: number, allocatable: ReadonlyMap<string, number>): void {
    for (const name of allocatable.keys()) this.ensureSlot(name);
    const start = row * this.slots;
    this.allocatableCol.fill(0, start, start + this.slots);
    for (const [name, amount] of allocatable) this.allocatableCol[start + this.slotByName.get(name)!] = amount;
  }

  private reserve(row: number, offCol: number, lenCol: number, length: number): number {
    const base = row * INT_COLUMNS;
    const replaced = this.ints[base + lenCol]!;
    this.poolGarbage += replaced;
    if (this.poolUsed + length > this.pool.length) {
      if (this.poolGarbage > this.poolUsed / 2) {
        this.compact();
        // Compaction kept the part this write replaces; it is garbage again.
        this.poolGarbage = replaced;
      }
      if (this.poolUsed + length > this.pool.length) this.growPool(Math.max(this.pool.length * 2, this.poolUsed + length));
    }
    const offset = this.poolUsed;
    this.poolUsed += length;
    this.ints[base + offCol] = offset;
    this.ints[base + lenCol] = length;
    return offset;
  }

  private writeLabels(row: number, labels: Readonly<Record<string, string>>): void {
    const keys = Object.keys(labels);
    const off = this.reserve(row, Col.labelsOff, Col.labelsLen, keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.pool[off + i * 2] = this.interner.intern(key);
      this.pool[off + i * 2 + 1] = this.interner.intern(String(labels[key]));
    }
  }

  private writeTaints(row: number, taints: readonly Taint[]): void {
    const off = this.reserve(row, Col.taintsOff, Col.taintsLen, taints.length * 3);
    for (let i = 0; i < taints.length; i++) {
      const t = taints[i]!;
      this.pool[off + i * 3] = this.interner.intern(t.key ?? '');
      this.pool[off + i * 3 + 1] = this.interner.intern(t.value ?? '');
      this.pool[off + i * 3 + 2] = taintEffects[t.effect] ?? 0;
    }
  }

  private writePorts(row: number, ports: readonly HostPort[]): void {
    const off = this.reserve(row, Col.portsOff, Col.portsLen, ports.length * 3);
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i]!;
      this.pool[off + i * 3] = protocols[p.protocol] ?? 0;
      this.pool[off + i * 3 + 1] = this.interner.intern(p.hostIP);
      this.pool[off + i * 3 + 2] = p.port;
    }
  }

  private writeImages(row: number, images: readonly ContainerImage[]): void {
    this.forgetImages(row);
    // A node may list one name under two images: count it once per node.
    // Names that are not strings, and names that are not a list, are left out.
    const namesOf = (image: ContainerImage): readonly unknown[] => (Array.isArray(image.names) ? image.names : []);
    const seen = new Set<string>();
    for (const image of images) for (const name of namesOf(image)) if (typeof name === 'string') seen.add(name);
    const off = this.reserve(row, Col.imagesOff, Col.imagesLen, seen.size * 2);
    seen.clear();
    let i = 0;
    for (const image of images) {
      const size = typeof image.sizeBytes === 'number' && Number.isFinite(image.sizeBytes) ? image.sizeBytes : 0;
      for (const name of namesOf(image)) {
        if (typeof name !== 'string' || seen.has(name)) continue;
        seen.add(name);
        const id = this.interner.intern(name);
        this.pool[off + i * 2] = id;
        this.pool[off + i * 2 + 1] = size;
        this.imageNodes.set(id, (this.imageNodes.get(id) ?? 0) + 1);
        i++;
      }
    }
  }

  private forgetImages(row: number): void {
    const base = row * INT_COLUMNS;
    const off = this.ints[base + Col.imagesOff]!;
    const len = this.ints[base + Col.imagesLen]!;
    for (let i = 0; i < len; i += 2) {
      const id = this.pool[off + i]!;
      const n = (this.imageNodes.get(id) ?? 1) - 1;
      if (n <= 0) this.imageNodes.delete(id);
      else this.imageNodes.set(id, n);
    }
  }

  private compact(): void {
    const next = sharedFloat64(this.pool.length);
    let used = 0;
    const parts = [
      [Col.labelsOff, Col.labelsLen],
      [Col.taintsOff, Col.taintsLen],
      [Col.portsOff, Col.portsLen],
      [Col.imagesOff, Col.imagesLen],
    ] as const;
    for (let row = 0; row < this.size; row++) {
      const base = row * INT_COLUMNS;
      for (const [offCol, lenCol] of parts) {
        const off = this.ints[base + offCol]!;
        const len = this.ints[base + lenCol]!;
        next.set(this.pool.subarray(off, off + len), used);
        this.ints[base + offCol] = used;
        used += len;
      }
    }
    this.pool = next;
    this.poolUsed = used;
    this.poolGarbage = 0;
    this.layoutVersion++;
  }

  private growPool(length: number): void {
    const next = sharedFloat64(length);
    next.set(this.pool.subarray(0, this.poolUsed));
    this.pool = next;
    this.layoutVersion++;
  }

  private grow(capacity: number, slots: number): void {
    const ints = sharedInt32(capacity * INT_COLUMNS);
    ints.set(this.ints.subarray(0, this.size * INT_COLUMNS));
    const nonZero = sharedFloat64(capacity * 2);
    nonZero.set(this.nonZeroCol.subarray(0, this.size * 2));
    const allocatable = sharedFloat64(capacity * slots);
    const requested = sharedFloat64(capacity * slots);
    for (let row = 0; row < this.size; row++) {
      allocatable.set(this.allocatableCol.subarray(row * this.slots, (row + 1) * this.slots), row * slots);
      requested.set(this.requestedCol.subarray(row * this.slots, (row + 1) * this.slots), row * slots);
    }
    const stamps = new Float64Array(capacity);
    stamps.set(this.stamps.subarray(0, this.size));
    this.stamps = stamps;
    this.ints = ints;
    this.nonZeroCol = nonZero;
    this.allocatableCol = allocatable;
    this.requestedCol = requested;
    this.capacity = capacity;
    this.slots = slots;
    this.layoutVersion++;
  }
}

/**
 * A NodeView over one row. It reads the table's current arrays on every call,
 * so a cursor stays valid across reallocations; `at()` moves it.
 */
export class NodeCursor implements NodeView {
  index: number;
  private readonly table: NodeTable;

  constructor(table: NodeTable, index: number) {
    this.table = table;
    this.index = index;
  }

  at(index: number): this {
    this.index = index;
    return this;
  }

  private int(col: number): number {
    return this.table.ints[this.index * INT_COLUMNS + col]!;
  }

  name(): string {
    return this.table.nameAt(this.index);
  }
  nameId(): number {
    return this.int(Col.nameId);
  }
  unschedulable(): boolean {
    return (this.int(Col.flags) & FLAG_UNSCHEDULABLE) !== 0;
  }
  allocatable(slot: number): number {
    if (slot < 0 || slot >= this.table.resourceSlots) return 0;
    return this.table.allocatableCol[this.index * this.table.resourceSlots + slot]!;
  }
  requested(slot: number): number {
    if (slot < 0 || slot >= this.table.resourceSlots) return 0;
    return this.table.requestedCol[this.index * this.table.resourceSlots + slot]!;
  }
  nonZeroRequested(slot: number): number {
    if (slot === ResourceSlot.cpu) return this.table.nonZeroCol[this.index * 2]!;
    if (slot === ResourceSlot.memory) return this.table.nonZeroCol[this.index * 2 + 1]!;
    return this.requested(slot);
  }
  podCount(): number {
    return this.int(Col.podCount);
  }

  label(keyId: number): number {
    if (keyId < 0) return -1;
    const off = this.int(Col.labelsOff);
    const len = this.int(Col.labelsLen);
    const pool = this.table.pool;
    for (let i = 0; i < len; i += 2) if (pool[off + i] === keyId) return pool[off + i + 1]!;
    return -1;
  }
  labelCount(): number {
    return this.int(Col.labelsLen) / 2;
  }
  labelKeyAt(i: number): number {
    return this.table.pool[this.int(Col.labelsOff) + i * 2]!;
  }
  labelValueAt(i: number): number {
    return this.table.pool[this.int(Col.labelsOff) + i * 2 + 1]!;
  }

  taintCount(): number {
    return this.int(Col.taintsLen) / 3;
  }
  taintKeyAt(i: number): number {
    return this.table.pool[this.int(Col.taintsOff) + i * 3]!;
  }
  taintValueAt(i: number): number {
    return this.table.pool[this.int(Col.taintsOff) + i * 3 + 1]!;
  }
  taintEffectAt(i: number): number {
    return this.table.pool[this.int(Col.taintsOff) + i * 3 + 2]!;
  }

  hostPortCount(): number {
    return this.int(Col.portsLen) / 3;
  }
  hostPortProtocolAt(i: number): number {
    return this.table.pool[this.int(Col.portsOff) + i * 3]!;
  }
  hostPortIpAt(i: number): number {
    return this.table.pool[this.int(Col.portsOff) + i * 3 + 1]!;
  }
  hostPortAt(i: number): number {
    return this.table.pool[this.int(Col.portsOff) + i * 3 + 2]!;
  }

  imageCount(): number {
    return this.int(Col.imagesLen) / 2;
  }
  imageIdAt(i: number): number {
    return this.table.pool[this.int(Col.imagesOff) + i * 2]!;
  }
  imageSizeAt(i: number): number {
    return this.table.pool[this.int(Col.imagesOff) + i * 2 + 1]!;
  }
}
