// Plugins for the pool's tests, loaded by the workers through
// PoolOptions.registryModules (the module exports `registryEntries`).
//
//   CrashingFilter  ends its worker thread (process.exit) in Filter when the
//                   pod asks for it: annotation berth.test/crash-worker
//                   "always", or "once" (the first worker to create the file
//                   named by berth.test/crash-marker exits). On the main
//                   thread it never crashes.
//   ListerFilter    reads handle.lister in Filter, which no per-node code may
//                   do: in a worker the read fails and says so.
//   ClassStateFilter  writes a class instance into CycleState: the pool
//                   keeps such pods inline.
import { closeSync, openSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import type { CycleState } from '../../framework/cycle-state.ts';
import type { FilterPlugin, Handle, PodInfo, PreFilterPlugin, PreFilterResult } from '../../framework/interfaces.ts';
import type { NodeView } from '../../framework/node-view.ts';
import type { RegistryEntry } from '../../framework/runtime.ts';
import type { Result } from '../../framework/status.ts';

export const CRASH_ANNOTATION = 'berth.test/crash-worker';
export const MARKER_ANNOTATION = 'berth.test/crash-marker';
export const WORKER_EXIT_CODE = 7;

const stateKey = 'PreFilterCrashingFilter';

interface CrashState {
  mode: string;
  marker: string;
}

/** Whether this caller is the first to create the marker file. */
function firstToCreate(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch {
    return false;
  }
}

const crashingFilter = {
  name: 'CrashingFilter',
  preFilter(state: CycleState, pod: PodInfo): PreFilterResult {
    const annotations = pod.pod.metadata?.annotations ?? {};
    state.write(stateKey, { mode: annotations[CRASH_ANNOTATION] ?? '', marker: annotations[MARKER_ANNOTATION] ?? '' } satisfies CrashState);
    return { status: null };
  },
  filter(state: CycleState): Result {
    const s = state.read<CrashState>(stateKey);
    if (!isMainThread && s && (s.mode === 'always' || (s.mode === 'once' && firstToCreate(s.marker)))) process.exit(WORKER_EXIT_CODE);
    return null;
  },
} satisfies PreFilterPlugin & FilterPlugin;

function listerFilter(handle: Handle): FilterPlugin {
  return {
    name: 'ListerFilter',
    filter(_state: CycleState, _pod: PodInfo, node: NodeView): Result {
      handle.lister.podsOnNode(node.index);
      return null;
    },
  };
}

/** A value that structured cloning would strip of its methods. */
class Marker {
  has(): boolean {
    return true;
  }
}

/** Writes a class instance into CycleState: the pool must keep such a pod inline (and say so). */
const classStateFilter = {
  name: 'ClassStateFilter',
  preFilter(state: CycleState): PreFilterResult {
    state.write('PreFilterClassStateFilter', { marker: new Marker() });
    return { status: null };
  },
  filter(state: CycleState): Result {
    // Throws where the instance lost its methods (a worker's copy).
    state.read<{ marker: Marker }>('PreFilterClassStateFilter')?.marker.has();
    return null;
  },
} satisfies PreFilterPlugin & FilterPlugin;

export const registryEntries: readonly RegistryEntry[] = [
  { name: crashingFilter.name, factory: () => crashingFilter },
  { name: 'ListerFilter', factory: (_args, handle) => listerFilter(handle) },
  { name: classStateFilter.name, factory: () => classStateFilter },
];
