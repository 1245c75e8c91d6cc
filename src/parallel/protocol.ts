// The messages between the pool (main thread) and a worker; see
// docs/parallel.md. Everything here is structured-cloneable; the buffers are
// SharedArrayBuffers, so they cross without a copy: the rows a task covers
// and what it computes (verdicts, raw scores) live in the pool's scratch
// buffers, and a reply carries only the statuses.
import type { ResolvedProfile } from '../framework/runtime.ts';
import type { TableLayout } from './attached-table.ts';
import type { CycleBlob, WireStatus } from './transfer.ts';

/** A profile a worker builds its Framework from, numbered by the pool. */
export interface WorkerProfile {
  id: number;
  profile: ResolvedProfile;
}

/**
 * What a worker may be missing. The pool sends what the least up-to-date
 * live worker lacks (as far as their replies told it): the layout when one
 * of them has another, the interner's strings from the smallest count any of
 * them has, the profile when one of them has not built it.
 */
export interface SyncData {
  tableId: number;
  layout: TableLayout | undefined;
  stringsFrom: number;
  strings: string[];
  profiles: WorkerProfile[] | undefined;
}

/** Elements [offset, offset + length) of a typed array over a pool-owned SharedArrayBuffer. */
export interface SharedSlice {
  buffer: SharedArrayBuffer;
  offset: number;
  length: number;
}

interface TaskBase {
  sync: SyncData;
  /** The table's layoutVersion and size this cycle. */
  layoutVersion: number;
  size: number;
  profileId: number;
  /** Numbered per cycle phase, so a worker decodes a blob once for several tasks. */
  blobId: number;
  blob: CycleBlob;
  /** Node table rows (Int32), in the order the algorithm visits them. */
  rows: SharedSlice;
}

/** Filter the rows in order; stop after `need` passed or at a Code.Error. */
export interface FilterTask extends TaskBase {
  kind: 'filter';
  need: number;
  /** Out (Int32, as long as rows): -1 for a row that passed, else the index of its status in the reply. */
  verdicts: SharedSlice;
}

/** Raw scores of every score plugin for the rows. */
export interface ScoreTask extends TaskBase {
  kind: 'score';
  /** How many score plugins the main thread's Framework has (a check that both sides built the same list). */
  plugins: number;
  /** Out (Float64): plugin p's score of rows[i] at offset + p * stride + i (Framework.scoreNodes' layout). */
  raw: { buffer: SharedArrayBuffer; offset: number; stride: number };
}

/** Sent once when the pool starts: the worker loads its registry and answers. */
export interface PingTask {
  kind: 'ping';
}

export type Task = FilterTask | ScoreTask | PingTask;

/** What a worker has, after a task. */
export interface WorkerSyncState {
  thread: number;
  tableId: number;
  layoutVersion: number;
  strings: number;
  profiles: number[];
}

export type Reply =
  | { kind: 'pong'; state: WorkerSyncState }
  /** The task assumed something the worker does not have: send it again with everything. */
  | { kind: 'resync'; state: WorkerSyncState; reason: string }
  | { kind: 'filter'; state: WorkerSyncState; processed: number; statuses: WireStatus[] }
  | { kind: 'score'; state: WorkerSyncState; failure: { pluginIndex: number; status: WireStatus } | null };
