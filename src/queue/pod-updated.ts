// Whether a pod update can change its scheduling result, as upstream's
// isPodUpdated: everything but the status and the bookkeeping metadata
// (resourceVersion, generation, managedFields, finalizers) counts. The
// scheduler's own writes (the PodScheduled condition, nominatedNodeName) live
// in the status, so they never wake the pod they were written on.
import { deepEqual, isPlainObject } from '../api/deep-equal.ts';
import type { Pod } from '../api/types.ts';

const IGNORED_METADATA = new Set(['resourceVersion', 'generation', 'managedFields', 'finalizers']);

export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  if (oldPod === newPod) return false;
  if (!deepEqual(oldPod.spec, newPod.spec)) return true;
  if (!equalExcept(oldPod.metadata, newPod.metadata, IGNORED_METADATA)) return true;
  // Any other top-level field but status (apiVersion, kind, fields we do not declare).
  return !equalExcept(oldPod, newPod, TOP_LEVEL_COMPARED_ELSEWHERE);
}

const TOP_LEVEL_COMPARED_ELSEWHERE = new Set(['spec', 'metadata', 'status']);

function equalExcept(a: unknown, b: unknown, ignored: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (!isPlainObject(a) || !isPlainObject(b)) return deepEqual(a, b);
  for (const k of Object.keys(a)) if (!ignored.has(k) && !deepEqual(a[k], b[k])) return false;
  for (const k of Object.keys(b)) if (!ignored.has(k) && !(k in a) && b[k] !== undefined) return false;
  return true;
}

