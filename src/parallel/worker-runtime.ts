// The worker side of the pool: keeps the attached node table, the interner
// copy and one Framework per profile, and runs a task with the main thread's
// code: Framework.runFilterPlugins (through filterRows) and
// Framework.scoreNodes. src/workers/filter-score.ts is the entry point that
// gives it the plugin registry.
import { threadId } from 'node:worker_threads';
import type { ClusterLister } from '../framework/cluster-lister.ts';
import type { CycleState } from '../framework/cycle-state.ts';
import type { Handle, PodInfo } from '../framework/interfaces.ts';
import { EXTENSION_POINTS, Framework, type ExtensionPoint, type Registry, type ResolvedProfile } from '../framework/runtime.ts';
import { silentLogger, type Logger } from '../logging/logger.ts';
import { AttachedTable } from './attached-table.ts';
import { filterRows } from './filter-rows.ts';
import type { Reply, SharedSlice, Task, WorkerSyncState } from './protocol.ts';
import { decodeCycle, toWire } from './transfer.ts';

function unavailable(what: string): Error {
  return new Error(`${what} is not available in a worker thread: Filter and Score read CycleState and the NodeView only`);
}

/** Throws on every call: Filter and Score must not read the cluster (the failure names the call). */
const workerLister: ClusterLister = {
  podsOnNode: () => {
    throw unavailable('handle.lister.podsOnNode');
  },
  podsWithAffinity: () => {
    throw unavailable('handle.lister.podsWithAffinity');
  },
  podsWithRequiredAntiAffinity: () => {
    throw unavailable('handle.lister.podsWithRequiredAntiAffinity');
  },
  namespaceLabels: () => {
    throw unavailable('handle.lister.namespaceLabels');
  },
  persistentVolumeClaim: () => {
    throw unavailable('handle.lister.persistentVolumeClaim');
  },
  persistentVolume: () => {
    throw unavailable('handle.lister.persistentVolume');
  },
  storageClass: () => {
    throw unavailable('handle.lister.storageClass');
  },
};

// The Framework wants a queue sort and a binder; a worker runs neither.
const SORT = 'berth.dev/worker-queue-sort';
const BIND = 'berth.dev/worker-bind';

/**
 * The profile a worker builds: the Filter and Score plugins, in the same
 * order and with the same args and weights (so scorePlugins indexes agree
 * with the main thread's), and placeholders where the Framework requires a
 * plugin.
 */
export function workerProfile(profile: ResolvedProfile): ResolvedProfile {
  const points = Object.fromEntries(EXTENSION_POINTS.map((p) => [p, [] as string[]])) as Record<ExtensionPoint, string[]>;
  points.filter = [...profile.points.filter];
  points.score = [...profile.points.score];
  points.queueSort = [SORT];
  points.bind = [BIND];
  return { ...profile, points };
}

function withPlaceholders(registry: Registry): Registry {
  const out = new Map(registry);
  out.set(SORT, { name: SORT, factory: () => ({ name: SORT, less: () => false }) });
  out.set(BIND, { name: BIND, factory: () => ({ name: BIND, bind: () => Promise.reject(unavailable('Bind')) }) });
  return out;
}

export type WorkerHandler = (task: Task) => Promise<Reply>;

function int32Slice({ buffer, offset, length }: SharedSlice): Int32Array {
  return new Int32Array(buffer, offset * Int32Array.BYTES_PER_ELEMENT, length);
}

/** The task handler of one worker thread; `loadRegistry` runs once, on the first task. */
export function createWorkerHandler(loadRegistry: () => Registry | Promise<Registry>): WorkerHandler {
  let registry: Registry | undefined;
  const table = new AttachedTable();
  const frameworks = new Map<number, Framework>();
  let decoded: { blobId: number; pod: PodInfo; state: CycleState } | undefined;
  const workerLogger = silentLogger();

  const syncState = (): WorkerSyncState => ({
    thread: threadId,
    tableId: table.tableId,
    layoutVersion: table.layoutVersion,
    strings: table.interner.size,
    profiles: [...frameworks.keys()],
  });

  const handle = (profile: ResolvedProfile): Handle => {
    const pluginLoggers = new Map<string, Logger>();
    return {
      schedulerName: profile.schedulerName,
      binder: { bind: () => Promise.reject(unavailable('handle.binder')) },
      now: () => {
        throw unavailable('handle.now');
      },
      lister: workerLister,
      // Silent: a worker runs only Filter and Score, which log nothing above debug; stdout's JSON lines stay the main thread's.
      loggerFor: (plugin) => pluginLoggers.get(plugin) ?? pluginLoggers.set(plugin, workerLogger.child({ plugin })).get(plugin)!,
    };
  };

  return async (task: Task): Promise<Reply> => {
    registry ??= withPlaceholders(await loadRegistry());
    if (task.kind === 'ping') return { kind: 'pong', state: syncState() };
    const { sync } = task;
    if (sync.layout !== undefined && (sync.tableId !== table.tableId || sync.layout.version !== table.layoutVersion)) {
      table.attach(sync.tableId, sync.layout);
    }
    if (table.tableId !== sync.tableId || table.layoutVersion !== task.layoutVersion) {
      return { kind: 'resync', state: syncState(), reason: 'layout' };
    }
    if (!table.appendStrings(sync.stringsFrom, sync.strings)) return { kind: 'resync', state: syncState(), reason: 'strings' };
    for (const { id, profile } of sync.profiles ?? []) {
      if (!frameworks.has(id)) frameworks.set(id, new Framework(workerProfile(profile), registry, handle(profile)));
    }
    const fw = frameworks.get(task.profileId);
    if (fw === undefined) return { kind: 'resync', state: syncState(), reason: 'profile' };
    table.size = task.size;

    if (decoded?.blobId !== task.blobId) decoded = { blobId: task.blobId, ...decodeCycle(task.blob) };
    const { pod, state } = decoded;
    const rows = int32Slice(task.rows);

    if (task.kind === 'filter') {
      const v = filterRows(fw, state, pod, table.view(0), rows, task.need, int32Slice(task.verdicts));
      return { kind: 'filter', state: syncState(), processed: v.processed, statuses: v.statuses.map(toWire) };
    }
    if (fw.scorePlugins.length !== task.plugins) {
      throw new Error(`worker built ${fw.scorePlugins.length} score plugins for profile ${fw.schedulerName}, the scheduler ${task.plugins}`);
    }
    const { buffer, offset, stride } = task.raw;
    const raw = new Float64Array(buffer, offset * Float64Array.BYTES_PER_ELEMENT);
    const failure = fw.scoreNodes(state, pod, table, rows, 0, rows.length, raw, stride);
    return {
      kind: 'score',
      state: syncState(),
      failure: failure === null ? null : { pluginIndex: failure.pluginIndex, status: toWire(failure.status) },
    };
  };
}
