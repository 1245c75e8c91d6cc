// Cluster events as the queue sees them: which registered event an incoming
// one matches, the labels metrics use, and the plugin → events map built
// from the plugins' EnqueueExtensions.
import type { ClusterEvent, EnqueueExtensions, Plugin } from '../framework/interfaces.ts';

/** Moves every unschedulable pod, whatever rejected it. */
export const WILDCARD_EVENT: ClusterEvent = Object.freeze({ resource: '*', action: '*' });

export const EventAssignedPodAdd: ClusterEvent = Object.freeze({ resource: 'AssignedPod', action: 'Add' });
export const EventAssignedPodUpdate: ClusterEvent = Object.freeze({ resource: 'AssignedPod', action: 'Update' });
export const EventAssignedPodUpdateLabel: ClusterEvent = Object.freeze({ resource: 'AssignedPod', action: 'UpdatePodLabel' });
export const EventAssignedPodDelete: ClusterEvent = Object.freeze({ resource: 'AssignedPod', action: 'Delete' });

/**
 * The `event` label of scheduler_queue_incoming_pods_total for moves that are
 * not cluster events (as upstream's framework constants); cluster events are
 * labelled by clusterEventLabel().
 */
export const QueueEvent = {
  UnscheduledPodAdd: 'UnschedulablePodAdd',
  UnscheduledPodUpdate: 'UnschedulablePodUpdate',
  ScheduleAttemptFailure: 'ScheduleAttemptFailure',
  BackoffComplete: 'BackoffComplete',
  ForceActivate: 'ForceActivate',
  UnschedulableTimeout: 'UnschedulableTimeout',
} as const;

export function isWildcardEvent(event: ClusterEvent): boolean {
  return event.resource === '*' && event.action === '*';
}

/** "NodeAdd", "AssignedPodDelete", "WildCard": upstream's ClusterEvent.Label(). */
export function clusterEventLabel(event: ClusterEvent): string {
  if (isWildcardEvent(event)) return 'WildCard';
  return `${event.resource === '*' ? 'WildCard' : event.resource}${event.action === '*' ? 'All' : event.action}`;
}

/**
 * Whether an incoming event is one a plugin registered, as upstream's
 * MatchClusterEvents: a registered "*" matches anything; a registered "Pod"
 * also matches "AssignedPod"; a registered "Update" matches every specific
 * update ("UpdateNodeLabel", …) but a registered specific update does not
 * match a generic incoming "Update", since the queue always reports the most
 * specific event it can. An incoming wildcard event matches only a registered
 * wildcard (the queue moves everything on it anyway).
 */
export function matchClusterEvent(registered: ClusterEvent, incoming: ClusterEvent): boolean {
  if (isWildcardEvent(registered)) return true;
  const resourceMatches =
    registered.resource === '*' ||
    registered.resource === incoming.resource ||
    (registered.resource === 'Pod' && incoming.resource === 'AssignedPod');
  if (!resourceMatches || incoming.action === '*') return false;
  return (
    registered.action === '*' ||
    registered.action === incoming.action ||
    (registered.action === 'Update' && incoming.action.startsWith('Update'))
  );
}

export function matchAnyClusterEvent(registered: readonly ClusterEvent[], incoming: ClusterEvent): boolean {
  for (const r of registered) if (matchClusterEvent(r, incoming)) return true;
  return false;
}

function hasEnqueueExtensions(plugin: Plugin): plugin is Plugin & EnqueueExtensions {
  return typeof (plugin as Partial<EnqueueExtensions>).eventsToRegister === 'function';
}

/**
 * plugin name → the events that may make a pod it rejected schedulable. As
 * upstream, a plugin without EnqueueExtensions is woken by every event, so a
 * pod it rejects can never be stranded.
 */
export function buildPluginEvents(plugins: readonly Plugin[]): Map<string, ClusterEvent[]> {
  const map = new Map<string, ClusterEvent[]>();
  for (const plugin of plugins) {
    const events = hasEnqueueExtensions(plugin) ? plugin.eventsToRegister() : [WILDCARD_EVENT];
    const list = map.get(plugin.name) ?? [];
    list.push(...events);
    map.set(plugin.name, list);
  }
  return map;
}
