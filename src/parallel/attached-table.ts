// The node table as a worker sees it: the main thread's SharedArrayBuffers,
// read through the same NodeCursor the main thread uses, and a copy of the
// interner kept in step by append-only deltas (docs/snapshot.md).
//
// A worker attaches once per layout (a table's layoutVersion; a new table
// object starts over) and reads `size` rows from each task. Only the main
// thread writes the table, between cycles.
import { StringInterner } from '../cache/interner.ts';
import { NodeCursor, type NodeTable } from '../cache/node-table.ts';
import type { NodeTableReader, NodeView } from '../framework/node-view.ts';

/** The buffers of one layout of a table: what a worker attaches to. */
export interface TableLayout {
  version: number;
  slots: number;
  ints: SharedArrayBuffer;
  allocatable: SharedArrayBuffer;
  requested: SharedArrayBuffer;
  nonZero: SharedArrayBuffer;
  pool: SharedArrayBuffer;
}

export function layoutOf(table: NodeTable): TableLayout {
  return {
    version: table.layoutVersion,
    slots: table.resourceSlots,
    ints: table.ints.buffer as SharedArrayBuffer,
    allocatable: table.allocatableCol.buffer as SharedArrayBuffer,
    requested: table.requestedCol.buffer as SharedArrayBuffer,
    nonZero: table.nonZeroCol.buffer as SharedArrayBuffer,
    pool: table.pool.buffer as SharedArrayBuffer,
  };
}

/** What NodeCursor reads of its table: the attached copy has the same shape. */
type CursorSource = Pick<NodeTable, 'ints' | 'allocatableCol' | 'requestedCol' | 'nonZeroCol' | 'pool' | 'resourceSlots' | 'nameAt'>;

function unavailable(what: string): Error {
  return new Error(`${what} is not available in a worker thread: Filter and Score read CycleState and the NodeView only`);
}

export class AttachedTable implements NodeTableReader, CursorSource {
  interner = new StringInterner();
  size = 0;
  /** Which table (the pool numbers them) and which of its layouts the buffers are; -1 before the first attach. */
  tableId = -1;
  layoutVersion = -1;
  ints: Int32Array = new Int32Array(0);
  allocatableCol: Float64Array = new Float64Array(0);
  requestedCol: Float64Array = new Float64Array(0);
  nonZeroCol: Float64Array = new Float64Array(0);
  pool: Float64Array = new Float64Array(0);
  resourceSlots = 0;

  /** Reads a layout's buffers; a different table also starts the interner over. */
  attach(tableId: number, layout: TableLayout): void {
    if (tableId !== this.tableId) {
      this.tableId = tableId;
      this.interner = new StringInterner();
    }
    this.layoutVersion = layout.version;
    this.resourceSlots = layout.slots;
    this.ints = new Int32Array(layout.ints);
    this.allocatableCol = new Float64Array(layout.allocatable);
    this.requestedCol = new Float64Array(layout.requested);
    this.nonZeroCol = new Float64Array(layout.nonZero);
    this.pool = new Float64Array(layout.pool);
  }

  /** Appends the main interner's strings [from, from + strings.length); false when the copy is behind `from`. */
  appendStrings(from: number, strings: readonly string[]): boolean {
    const have = this.interner.size;
    if (have < from) return false;
    if (have < from + strings.length) StringInterner.fromStrings(strings.slice(have - from), this.interner);
    return true;
  }

  view(index: number): NodeView {
    return new NodeCursor(this as unknown as NodeTable, index);
  }

  nameAt(index: number): string {
    return this.interner.string(this.view(index).nameId());
  }

  indexOf(): number {
    throw unavailable('NodeTableReader.indexOf');
  }

  resourceSlot(): number {
    throw unavailable('NodeTableReader.resourceSlot');
  }

  imageNodeCount(): number {
    throw unavailable('NodeTableReader.imageNodeCount');
  }
}
