// newPodInfo: a pod and what the scheduler derives from it once, before any
// cycle (upstream framework.NewPodInfo + CalculateResource). It never throws:
// a pod that cannot be read (a malformed quantity, a priority that is not a
// number) gets `invalid`, naming the field and the reason, and zero requests,
// so every cycle rejects it with that reason instead of crashing.
import { deepEqual } from '../api/deep-equal.ts';
import { podHostPorts, podRequests } from '../api/resources.ts';
import { QuantityError } from '../api/quantity.ts';
import { podKey, type Container, type Pod, type PodSpec } from '../api/types.ts';
import type { PodInfo, PodResources } from './interfaces.ts';

/** The requests of a pod that asks for nothing (and of an invalid one). */
export const ZERO_REQUESTS: PodResources = Object.freeze({
  milliCPU: 0,
  memory: 0,
  ephemeralStorage: 0,
  scalar: Object.freeze({}) as Record<string, number>,
  nonZeroMilliCPU: 0,
  nonZeroMemory: 0,
});

/**
 * The fields podRequests reads, as a string: pods of one template (a
 * Deployment's, a Job's) share it, so their requests are parsed once.
 * undefined when a field is not what the API would send (then no memo).
 */
function resourceKey(spec: PodSpec): string | undefined {
  let key = '';
  const list = (l: unknown): boolean => {
    if (l === undefined || l === null) return true;
    if (typeof l !== 'object' || Array.isArray(l)) return false;
    for (const name in l) {
      const v = (l as Record<string, unknown>)[name];
      if (typeof v !== 'string' && typeof v !== 'number') return false;
      // Length-prefixed: no two lists read alike.
      const value = typeof v === 'string' ? v : `#${v}`;
      key += `${name.length}:${name}${value.length}:${value}`;
    }
    return true;
  };
  const containers = (cs: unknown, init: boolean): boolean => {
    if (cs === undefined) return true;
    if (!Array.isArray(cs)) return false;
    for (const c of cs as Container[]) {
      if (typeof c !== 'object' || c === null) return false;
      key += init && c.restartPolicy === 'Always' ? 'S[' : '[';
      if (!list(c.resources?.requests)) return false;
      key += ']';
    }
    key += '|';
    return true;
  };
  if (!containers(spec.containers, false) || !containers(spec.initContainers, true)) return undefined;
  if (!list(spec.resources?.requests)) return undefined;
  key += '|';
  if (!list(spec.overhead)) return undefined;
  return key;
}

const MEMO_SIZE = 1024;
const requestsMemo = new Map<string, PodResources>();

/** podRequests, memoized by resourceKey (results are frozen: shared by every pod of the key). */
function requestsOf(spec: PodSpec): PodResources {
  const key = resourceKey(spec);
  if (key === undefined) return podRequests(spec);
  let requests = requestsMemo.get(key);
  if (requests === undefined) {
    requests = podRequests(spec);
    Object.freeze(requests.scalar);
    Object.freeze(requests);
    if (requestsMemo.size >= MEMO_SIZE) requestsMemo.delete(requestsMemo.keys().next().value!);
    requestsMemo.set(key, requests);
  }
  return requests;
}

export function newPodInfo(pod: Pod): PodInfo {
  const spec = pod.spec ?? {};
  let invalid: string | undefined;

  let priority = 0;
  const rawPriority: unknown = spec.priority;
  if (rawPriority !== undefined && rawPriority !== null) {
    if (typeof rawPriority === 'number' && Number.isInteger(rawPriority)) priority = rawPriority;
    else invalid = `spec.priority: Invalid value: ${JSON.stringify(rawPriority)}: must be an integer`;
  }

  let requests = ZERO_REQUESTS;
  try {
    requests = requestsOf(spec);
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    invalid ??= `${err.field ?? 'spec'}: ${err.message}`;
  }
  if (invalid !== undefined) requests = ZERO_REQUESTS;

  const info: PodInfo = {
    pod,
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    priority,
    requests,
    hostPorts: podHostPorts(spec),
  };
  return invalid === undefined ? info : { ...info, invalid };
}

/**
 * The PodInfo of `pod`, a newer object of `old.pod` (an informer update):
 * old's parsed fields are kept when everything newPodInfo reads is equal —
 * the common updates, a bind (spec.nodeName) and the kubelet's status
 * writes, change none of it. Equal requests then stay one object, which the
 * cache relies on to see that the pod still counts alike on its node.
 */
export function updatedPodInfo(old: PodInfo, pod: Pod): PodInfo {
  const a = old.pod;
  if (
    old.invalid === undefined &&
    a.metadata?.namespace === pod.metadata?.namespace &&
    a.metadata?.name === pod.metadata?.name &&
    a.metadata?.uid === pod.metadata?.uid &&
    sameParsedSpec(a.spec, pod.spec)
  ) {
    return { ...old, pod };
  }
  return newPodInfo(pod);
}

/** The spec fields newPodInfo reads (priority, requests, host ports) are equal. */
function sameParsedSpec(a: PodSpec | undefined, b: PodSpec | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return (
    a.priority === b.priority &&
    deepEqual(a.containers, b.containers) &&
    deepEqual(a.initContainers, b.initContainers) &&
    deepEqual(a.overhead, b.overhead) &&
    deepEqual(a.resources, b.resources)
  );
}
