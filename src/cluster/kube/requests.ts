// The bodies and paths of the writes, as upstream's kube-scheduler sends them.
// Pure functions: the unit tests pin them against upstream's wire format.
import { randomUUID } from 'node:crypto';
import type { EventRecord, PodConditionUpdate, PodRef } from '../client.ts';

/** events.k8s.io/v1 validation limits (pkg/apis/core/validation/events.go). */
export const NOTE_LENGTH_LIMIT = 1024;
export const REPORTING_INSTANCE_LENGTH_LIMIT = 128;

export function podPath(pod: Pick<PodRef, 'namespace' | 'name'>, subresource?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}`;
  return subresource ? `${base}/${subresource}` : base;
}

export function eventsPath(namespace: string): string {
  return `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;
}

/** v1.Binding as upstream's DefaultBinder builds it: the pod's UID makes the bind a precondition on this incarnation. */
export function bindingBody(pod: PodRef, nodeName: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
    target: { kind: 'Node', name: nodeName },
  };
}

/** metav1.Time: RFC 3339, whole seconds, UTC. */
export function metaTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** A condition update as the port carries it, plus what the caller may know of the current condition. */
export interface PodConditionPatch extends PodConditionUpdate {
  /**
   * Keep this transition time (upstream keeps the old one when the status
   * did not change); default: now.
   */
  lastTransitionTime?: string;
  /** PodObservedGenerationTracking: the pod generation this condition reflects. */
  observedGeneration?: number;
}

/**
 * The strategic-merge patch of pods/status that upstream's
 * util.PatchPodStatus produces when one condition is set: conditions merge
 * by "type", so the one condition replaces its namesake and leaves the others.
 * A nominatedNodeName of "" clears the field (null in a merge patch);
 * undefined leaves it alone.
 */
export function podStatusPatch(condition: PodConditionPatch, nominatedNodeName: string | undefined, now: Date): object {
  const wire: Record<string, unknown> = {
    lastProbeTime: null,
    lastTransitionTime: condition.lastTransitionTime ?? metaTime(now),
  };
  if (condition.message) wire.message = condition.message;
  if (condition.observedGeneration !== undefined) wire.observedGeneration = condition.observedGeneration;
  if (condition.reason) wire.reason = condition.reason;
  wire.status = condition.status;
  wire.type = condition.type;
  const status: Record<string, unknown> = { conditions: [wire] };
  if (nominatedNodeName !== undefined) status.nominatedNodeName = nominatedNodeName === '' ? null : nominatedNodeName;
  return { status };
}

/**
 * A JSON merge patch of the annotations (null removes one). The pod's UID
 * rides along as a guard: the apiserver refuses to change a UID, so a patch
 * meant for an earlier incarnation of the pod fails (422) instead of
 * annotating its successor.
 */
export function annotationsPatch(pod: PodRef, annotations: Record<string, string | null>): object {
  const metadata: Record<string, unknown> = { annotations };
  if (pod.uid) metadata.uid = pod.uid;
  return { metadata };
}

export function evictionBody(pod: PodRef): object {
  return {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: pod.name, namespace: pod.namespace },
    deleteOptions: { preconditions: { uid: pod.uid } },
  };
}

export function deleteOptionsBody(pod: PodRef): object {
  return { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: pod.uid } };
}

/**
 * Now, as Unix microseconds (metav1.MicroTime precision): the wall clock's
 * milliseconds (it follows NTP, unlike performance.timeOrigin + now()), with
 * the microseconds from the monotonic clock.
 */
export function nowMicros(): number {
  return Date.now() * 1000 + Number((process.hrtime.bigint() / 1000n) % 1000n);
}

/** metav1.MicroTime: RFC 3339 with six fractional digits, UTC. */
export function microTime(unixMicros: number): string {
  const millis = Math.floor(unixMicros / 1000);
  const micros = unixMicros - millis * 1000;
  const iso = new Date(millis).toISOString(); // 2006-01-02T15:04:05.000Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** Upstream's message truncation (schedule_one.go truncateMessage), applied to the note's UTF-8 bytes. */
export function truncateNote(note: string): string {
  if (Buffer.byteLength(note, 'utf8') <= NOTE_LENGTH_LIMIT) return note;
  const suffix = ' ...';
  let cut = Buffer.from(note, 'utf8').subarray(0, NOTE_LENGTH_LIMIT - suffix.length).toString('utf8');
  // A character cut in half decodes to U+FFFD; drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + suffix;
}

export interface EventSource {
  /** reportingController: the scheduler's name. */
  controller: string;
  /** reportingInstance: upstream uses "<controller>-<hostname>". */
  instance: string;
}

/**
 * An events.k8s.io/v1 Event as client-go's tools/events recorder makes it
 * (makeEvent): named "<regarding>.<unix nanos in hex>", in the regarding
 * object's namespace ("default" for cluster-scoped objects), eventTime as
 * MicroTime, no series.
 */
export function eventBody(event: EventRecord, source: EventSource, unixMicros: number, sequence: number): object {
  const regarding = event.regarding;
  const namespace = regarding.namespace || 'default';
  // Nanoseconds below the microsecond carry a per-process sequence, so two
  // events about one object in the same microsecond still get distinct names.
  const nanos = BigInt(unixMicros) * 1000n + BigInt(sequence % 1000);
  const reference: Record<string, unknown> = { kind: regarding.kind, name: regarding.name, apiVersion: regarding.apiVersion ?? 'v1' };
  if (regarding.namespace) reference.namespace = regarding.namespace;
  if (regarding.uid) reference.uid = regarding.uid;
  let name = `${regarding.name}.${nanos.toString(16)}`;
  if (name.length > 253) name = randomUUID(); // as GenerateEventName does for names that would be invalid
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace },
    eventTime: microTime(unixMicros),
    reportingController: source.controller,
    reportingInstance: source.instance,
    action: event.action,
    reason: event.reason,
    regarding: reference,
    note: truncateNote(event.note),
    type: event.type,
  };
}
