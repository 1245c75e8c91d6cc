// How plugins read a node during Filter and Score.
//
// A NodeView is a cursor over one row of the snapshot's node table, which
// lives in typed arrays over SharedArrayBuffers so that worker threads read
// the same memory (see docs/snapshot.md). Strings are interned to integer ids
// (Interner); label keys and values, taint keys, image names and host IPs are
// compared as ids. The runtime moves one cursor from node to node: a plugin
// must not keep a NodeView past the call it was given in.

/** Fixed resource slots; extended/scalar resources get slots from NodeTableReader.resourceSlot(name). */
export const ResourceSlot = {
  /** millicores */
  cpu: 0,
  /** bytes */
  memory: 1,
  /** bytes */
  ephemeralStorage: 2,
  /** count of pods */
  pods: 3,
} as const;
export const FIXED_RESOURCE_SLOTS = 4;

/** Taint effects as stored in the table. */
export const TaintEffect = {
  NoSchedule: 1,
  PreferNoSchedule: 2,
  NoExecute: 3,
} as const;

/** Host-port protocols as stored in the table. */
export const Protocol = { TCP: 1, UDP: 2, SCTP: 3 } as const;

/** Interned strings: the same id in the main thread and in every worker. -1 means "never seen". */
export interface Interner {
  /** The id of s, or -1 if no node carries it (so it can match nothing). */
  lookup(s: string): number;
  /** The string for an id. */
  string(id: number): string;
  /** The value of the string as an integer (for Gt/Lt), or NaN when it is not one. */
  integer(id: number): number;
}

export interface NodeView {
  /** Row of this node in the snapshot table; stable for the snapshot's life. */
  readonly index: number;
  /** Moves this cursor to another row and returns it (no allocation). */
  at(index: number): NodeView;
  name(): string;
  /** Interned id of the node name. */
  nameId(): number;
  unschedulable(): boolean;

  /** Allocatable amount in the slot's unit; 0 when the node does not offer it. */
  allocatable(slot: number): number;
  /** Sum of requests of the pods counted on the node (bound and assumed). */
  requested(slot: number): number;
  /** Like requested, but a container without cpu/memory requests counts upstream's defaults (100m, 200Mi). Only cpu and memory slots. */
  nonZeroRequested(slot: number): number;
  podCount(): number;

  /** The interned value of label key `keyId`, or -1 if the node lacks the label. */
  label(keyId: number): number;
  labelCount(): number;
  labelKeyAt(i: number): number;
  labelValueAt(i: number): number;

  taintCount(): number;
  taintKeyAt(i: number): number;
  /** Interned value; the empty string is interned too. */
  taintValueAt(i: number): number;
  taintEffectAt(i: number): number;

  /** Host ports in use on the node by its pods: (protocol, hostIP id, port). "0.0.0.0" is interned like any IP. */
  hostPortCount(): number;
  hostPortProtocolAt(i: number): number;
  hostPortIpAt(i: number): number;
  hostPortAt(i: number): number;

  /** Images present on the node (status.images), one entry per name. */
  imageCount(): number;
  imageIdAt(i: number): number;
  imageSizeAt(i: number): number;
}

/** The whole table, as plugins see it in PreFilter/PreScore. */
export interface NodeTableReader {
  readonly interner: Interner;
  /** Number of nodes in the snapshot. */
  readonly size: number;
  /** A cursor for node `index`; reuse one with view.at(index) in loops. */
  view(index: number): NodeView;
  /** Index of a node by name, or -1. */
  indexOf(nodeName: string): number;
  /** Slot of a resource name: the fixed ones, or an extended resource some node offers; -1 if none does. */
  resourceSlot(resourceName: string): number;
  /** How many nodes report the image (for ImageLocality's spread factor). */
  imageNodeCount(imageId: number): number;
}
