// newPodInfo: a pod and what the scheduler derives from it once, before any
// cycle (upstream framework.NewPodInfo + CalculateResource). It never throws:
// a pod that cannot be read (a malformed quantity, a priority that is not a
// number) gets `invalid`, naming the field and the reason, and zero requests,
// so every cycle rejects it with that reason instead of crashing.
import { podHostPorts, podRequests } from '../api/resources.ts';
import { QuantityError } from '../api/quantity.ts';
import { podKey, type Pod } from '../api/types.ts';
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
    requests = podRequests(spec);
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
