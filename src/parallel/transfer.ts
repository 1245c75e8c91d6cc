// What crosses from the scheduling thread to a worker for one cycle, and back.
//
// Out: the pod's PodInfo and its CycleState (the values PreFilter/PreScore
// wrote, and the skip sets), serialized once per cycle with v8.serialize into
// a SharedArrayBuffer that every task of the cycle shares, so the main thread
// pays for one copy whatever the number of workers.
//
// Back: statuses as [code, reasons, plugin] (the worker numbers the distinct
// Status objects of a task, so a plugin's shared rejection costs one entry).
//
// Structured cloning keeps the data and drops the prototypes: a class
// instance arrives as a plain object without its methods. So a value is sent
// only if it is plain data all the way down (objects, arrays, Maps, Sets,
// typed arrays, primitives); each state key is checked the first time it is
// seen (a plugin writes the same shape under its key every cycle).
import { deserialize, serialize } from 'node:v8';
import { CycleState } from '../framework/cycle-state.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import { Status, type Code } from '../framework/status.ts';

/** A cycle as a worker receives it. */
export interface CycleBlob {
  buffer: SharedArrayBuffer;
  length: number;
}

interface CycleData {
  pod: PodInfo;
  entries: [string, unknown][];
  skipFilter: string[];
  skipScore: string[];
}

/** The values PreFilter/PreScore wrote. CycleState keeps them private; this module is the one reader. */
export function stateEntries(state: CycleState): [string, unknown][] {
  const data = (state as unknown as { data: unknown }).data;
  if (!(data instanceof Map)) throw new Error('CycleState has no data map: src/parallel/transfer.ts must follow its layout');
  return [...(data as Map<string, unknown>)];
}

const plainPrototypes = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  ArrayBuffer.prototype,
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
]);

/**
 * Where `value` stops being plain data ("" when it is plain): a function, a
 * symbol, or an object whose prototype is not one of the built-in data types
 * (a class instance would lose its methods in the copy).
 */
export function notPlainAt(value: unknown, path = '', seen = new Set<object>()): string {
  const type = typeof value;
  if (type === 'function' || type === 'symbol') return `${path || '<value>'} is a ${type}`;
  if (type !== 'object' || value === null) return '';
  const obj = value as object;
  if (seen.has(obj)) return '';
  seen.add(obj);
  const proto: unknown = Object.getPrototypeOf(obj);
  if (!plainPrototypes.has(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    return `${path || '<value>'} is an instance of ${name}`;
  }
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof Date) return '';
  if (obj instanceof Map) {
    for (const [k, v] of obj) {
      const where = notPlainAt(k, `${path}.<key>`, seen) || notPlainAt(v, `${path}[${String(k)}]`, seen);
      if (where) return where;
    }
    return '';
  }
  if (obj instanceof Set) {
    for (const v of obj) {
      const where = notPlainAt(v, `${path}.<item>`, seen);
      if (where) return where;
    }
    return '';
  }
  for (const key of Object.keys(obj)) {
    const where = notPlainAt((obj as Record<string, unknown>)[key], path ? `${path}.${key}` : key, seen);
    if (where) return where;
  }
  return '';
}

/** Serializes a cycle into shared memory; throws when a value cannot be cloned. */
export function encodeCycle(pod: PodInfo, state: CycleState, entries = stateEntries(state)): CycleBlob {
  const data: CycleData = { pod, entries, skipFilter: [...state.skipFilterPlugins], skipScore: [...state.skipScorePlugins] };
  const bytes = serialize(data);
  const buffer = new SharedArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return { buffer, length: bytes.length };
}

export function decodeCycle(blob: CycleBlob): { pod: PodInfo; state: CycleState } {
  const data = deserialize(new Uint8Array(blob.buffer, 0, blob.length)) as CycleData;
  const state = new CycleState();
  for (const [key, value] of data.entries) state.write(key, value);
  for (const name of data.skipFilter) state.skipFilterPlugins.add(name);
  for (const name of data.skipScore) state.skipScorePlugins.add(name);
  return { pod: data.pod, state };
}

/** A Status as it crosses threads. */
export type WireStatus = [code: Code, reasons: readonly string[], plugin: string];

export function toWire(status: Status): WireStatus {
  return [status.code, status.reasons, status.plugin];
}

export function fromWire([code, reasons, plugin]: WireStatus): Status {
  return new Status(code, reasons, plugin);
}

/**
 * One part of a filter round, as filterRows leaves it: its verdicts (in the
 * array it was given, in rotation order) are -1 for a node that passed, else
 * an index into statuses. Filtering stopped after `processed` rows: the
 * part's share of the nodes still needed was found, a plugin failed
 * (Code.Error), or the rows ran out.
 */
export interface FilterVerdicts {
  processed: number;
  statuses: Status[];
}
