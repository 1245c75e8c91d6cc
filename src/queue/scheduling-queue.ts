// The SchedulingQueue: where pods wait between the informer that sees them
// and the scheduling cycle that places them. It follows upstream
// kube-scheduler's PriorityQueue (pkg/scheduler/backend/queue) with its
// queueing hints off: activeQ, backoffQ, unschedulablePods, and the
// moveRequestCycle rule.
//
// A pod's states (each pod is in exactly one; `index` knows which):
//
//   add(pod) ─────────┐
//   update(unknown) ──┤
//                     ▼
//               ┌─ PreEnqueue ─┐  a plugin returns a status
//               │ (every plugin├──────────────────────────▶ gated
//               │  in order)   │◀──────────────────────────  │  update, an event the
//               └──────┬───────┘                             │  gating plugin registered,
//                      │ all pass                            │  activate(): PreEnqueue again
//                      ▼
//   ┌────────────▶ activeQ  (QueueSort.less: priority, then timestamp)
//   │                  │ pop(): attempts++, schedulingCycle++
//   │                  ▼
//   │              inFlight ── done(uid) (bound, or given up) ──▶ forgotten
//   │                  │ the cycle failed
//   │        ┌─────────┴────────────────────────────────┐
//   │        │ requeueAfterError (Error), or no          │ rejected by plugins
//   │        │ rejecting plugin, or a move request /     │ (unschedulablePlugins),
//   │        │ a real update since its pop               │ nothing moved since its pop
//   │        ▼                                           ▼
//   │    backoffQ ◀── still backing off ─────────── unschedulablePods
//   │        │         (an event a rejecting plugin    │
//   │        │          registered, an update, the     │
//   │        │          5 min flush, activate())       │ the same, backoff over
//   │        │ backoff expired (1 s flush)             │
//   └────────┴─────────────── via PreEnqueue ──────────┘
//
//   delete(pod) removes a pod from any state; one deleted while in flight is
//   dropped when the scheduler hands it back.
//
// Backoff: initial × 2^(attempts−1), capped at max (1 s … 10 s by default),
// counted from the failed attempt. The 1 s flush moves expired pods to
// activeQ; a pod moved out of unschedulablePods goes to backoffQ only if its
// backoff has not yet run out.
//
// timestamp (what QueueSort's "earlier first" and the 5 min flush read) is
// set when the pod is added and again at each failed attempt, as upstream.
//
// moveRequestCycle: a cluster event that some plugin registered records the
// current scheduling cycle. A pod that fails in a cycle ≤ that number was in
// flight when the event came, so the event may be exactly what it needed: it
// goes to backoffQ, never to unschedulablePods, and no wake-up is lost.
//
// Differences from upstream, on purpose:
// - Pods are keyed by UID, not namespace/name; the heaps use lazy deletion.
// - No queueing hints (QueueingHintFn, in-flight event lists): the event →
//   plugin map decides, and the moveRequestCycle rule covers the race.
// - Unschedulable and gated pods are indexed by plugin, so an event visits
//   only the pods it can wake; gated pods are a set of their own.
// - PreEnqueue runs before every entry into activeQ, backoff expiry included;
//   a wildcard event re-checks gated pods too.
// - An in-flight pod that is updated keeps the newest PodInfo and is
//   requeued with it; an in-flight pod deleted is not requeued (upstream
//   asks the informer's lister instead).
// - A pod held by no recorded plugin moves on any event, and a rejecting
//   plugin missing from the event map wakes on every event (upstream drops
//   an event no plugin registered before looking at any pod).
// - Assigned-pod events are not pre-filtered by affinity terms here: the
//   events each plugin registered decide which pods they wake.
// - pop() returns undefined after close() even if pods remain.
// - PreEnqueue is one function (the runtime's, which may pick the pod's
//   profile); the gating plugin is not run first on a re-check.
import type { ClusterEvent, PodInfo, QueuedPodInfo, QueueSortPlugin } from '../framework/interfaces.ts';
import type { Result } from '../framework/status.ts';
import { isSuccess } from '../framework/status.ts';
import type { Clock, Timer } from './clock.ts';
import { realClock } from './clock.ts';
import {
  clusterEventLabel,
  EventAssignedPodAdd,
  EventAssignedPodDelete,
  EventAssignedPodUpdate,
  EventAssignedPodUpdateLabel,
  isWildcardEvent,
  matchAnyClusterEvent,
  QueueEvent,
} from './events.ts';
import { LazyHeap } from './lazy-heap.ts';
import { Nominator } from './nominator.ts';
import { PluginIndex } from './plugin-index.ts';
import { deepEqual } from '../api/deep-equal.ts';
import { isPodUpdated } from './pod-updated.ts';
import type { PreEnqueueFn } from './pre-enqueue.ts';

/** The sub-queues, as the scheduler_pending_pods{queue} label names them. */
export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'gated';
/** Where a pod is: a sub-queue, or popped and not yet done. */
export type PodLocation = QueueName | 'inFlight';

export interface QueueLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface SchedulingQueueOptions {
  /** The profile's QueueSortPlugin.less: activeQ pops the pod that is less than all others. */
  less: QueueSortPlugin['less'];
  /**
   * Runs the PreEnqueue plugins before a pod enters activeQ: null lets it in,
   * a status keeps it gated (status.plugin names the gating plugin). The
   * runtime's, or runPreEnqueuePlugins(list). Default: nothing gates.
   */
  preEnqueue?: PreEnqueueFn;
  /**
   * plugin name → the events that may make a pod it rejected schedulable
   * (buildPluginEvents() makes it from EnqueueExtensions). A rejecting plugin
   * missing from the map is woken by every event.
   */
  pluginEvents?: ReadonlyMap<string, readonly ClusterEvent[]>;
  clock?: Clock;
  /** Backoff after the first failed attempt (config podInitialBackoffSeconds). Default 1000. */
  podInitialBackoffMs?: number;
  /** Backoff cap (config podMaxBackoffSeconds). Default 10000. */
  podMaxBackoffMs?: number;
  /** A pod unschedulable for longer than this is retried anyway. Default 5 min. */
  podMaxInUnschedulablePodsMs?: number;
  /** How often expired backoffs move to activeQ. Default 1000. */
  backoffFlushIntervalMs?: number;
  /** How often unschedulablePods is checked for pods past podMaxInUnschedulablePodsMs. Default 30000. */
  unschedulableFlushIntervalMs?: number;
  /** A pod entered a sub-queue: scheduler_queue_incoming_pods_total{queue, event}. */
  onIncoming?: (queue: QueueName, event: string) => void;
  logger?: QueueLogger;
}

export const QUEUE_DEFAULTS = {
  podInitialBackoffMs: 1000,
  podMaxBackoffMs: 10_000,
  podMaxInUnschedulablePodsMs: 5 * 60_000,
  backoffFlushIntervalMs: 1000,
  unschedulableFlushIntervalMs: 30_000,
} as const;

export interface PendingPods {
  active: number;
  backoff: number;
  unschedulable: number;
  gated: number;
}

/** One pod as podsInQueue() lists it (for explain and debugging). */
export interface QueuedPodSummary {
  location: PodLocation;
  queued: QueuedPodInfo;
  /** Monotonic ms when its backoff ends; undefined before its first failure. */
  backoffExpiresAt: number | undefined;
}

/** What the queue knows about one pod. */
interface Entry {
  qpi: QueuedPodInfo;
  location: PodLocation;
  /** Monotonic ms when the pod's backoff ends; 0 before its first failure. */
  backoffExpiry: number;
  /** In flight: the newest PodInfo seen since the pop. */
  latest: PodInfo | undefined;
  /** In flight: updated since the pop in a way that may make it schedulable. */
  updatedInFlight: boolean;
  /** In flight: deleted since the pop. */
  deletedInFlight: boolean;
}

/** A backoffQ item: the expiry is copied so a later change to the entry cannot corrupt the heap. */
interface BackoffItem {
  readonly uid: string;
  readonly expiry: number;
}

export function newQueuedPodInfo(podInfo: PodInfo, now: number): QueuedPodInfo {
  return {
    podInfo,
    initialAttemptTimestamp: now,
    timestamp: now,
    attempts: 0,
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
  };
}

export class SchedulingQueue {
  readonly nominator = new Nominator();

  private readonly clock: Clock;
  private readonly preEnqueue: PreEnqueueFn | undefined;
  private readonly pluginEvents: ReadonlyMap<string, readonly ClusterEvent[]>;
  /** isEventOfInterest's answers, per event object. */
  private readonly eventsOfInterest = new WeakMap<ClusterEvent, boolean>();
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly onIncoming: ((queue: QueueName, event: string) => void) | undefined;
  private readonly logger: QueueLogger | undefined;

  /** Every pod the queue holds or has in flight, by UID. */
  private readonly index = new Map<string, Entry>();
  /**
   * Values are QueuedPodInfo objects that are never mutated while in the heap:
   * an update pushes a new object and the old node goes stale.
   */
  private readonly activeQ: LazyHeap<QueuedPodInfo>;
  private readonly backoffQ = new LazyHeap<BackoffItem>((a, b) => a.expiry < b.expiry);
  private readonly unschedulable = new PluginIndex<Entry>();
  private readonly gated = new PluginIndex<Entry>();
  private inFlightCount = 0;

  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private waiters: (() => void)[] = [];
  private readonly timers: Timer[];

  constructor(options: SchedulingQueueOptions) {
    const opts = { ...QUEUE_DEFAULTS, ...definedOnly(options) };
    requirePositive('podInitialBackoffMs', opts.podInitialBackoffMs);
    requirePositive('podMaxBackoffMs', opts.podMaxBackoffMs);
    if (opts.podMaxBackoffMs < opts.podInitialBackoffMs) {
      throw new RangeError('options.podMaxBackoffMs must be greater than or equal to options.podInitialBackoffMs');
    }
    requirePositive('podMaxInUnschedulablePodsMs', opts.podMaxInUnschedulablePodsMs);
    requirePositive('backoffFlushIntervalMs', opts.backoffFlushIntervalMs);
    requirePositive('unschedulableFlushIntervalMs', opts.unschedulableFlushIntervalMs);

    this.clock = options.clock ?? realClock;
    this.preEnqueue = options.preEnqueue;
    this.pluginEvents = options.pluginEvents ?? new Map();
    this.initialBackoffMs = opts.podInitialBackoffMs;
    this.maxBackoffMs = opts.podMaxBackoffMs;
    this.maxInUnschedulableMs = opts.podMaxInUnschedulablePodsMs;
    this.onIncoming = options.onIncoming;
    this.logger = options.logger;

    this.activeQ = new LazyHeap<QueuedPodInfo>(options.less);
    this.timers = [
      this.clock.every(opts.backoffFlushIntervalMs, () => this.flushBackoffCompleted()),
      this.clock.every(opts.unschedulableFlushIntervalMs, () => this.flushUnschedulableLeftover()),
    ];
  }

  // ── the scheduler's side ────────────────────────────────────────────────

  /**
   * The next pod to schedule, waiting while activeQ is empty; undefined once
   * the queue is closed. The pod stays in flight until it is handed back or
   * done(uid) is called.
   */
  /** pop() without waiting: the next pod if activeQ has one, else undefined. */
  tryPop(): QueuedPodInfo | undefined {
    if (this.closed) return undefined;
    const qpi = this.activeQ.pop();
    return qpi === undefined ? undefined : this.startFlight(qpi);
  }

  async pop(): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const qpi = this.activeQ.pop();
      if (qpi !== undefined) return this.startFlight(qpi);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Incremented by every pop: the cycle number to hand back with a failed pod. */
  schedulingCycle(): number {
    return this.cycle;
  }

  /**
   * The pod is no longer in flight (bound, or given up). Handing a pod back
   * with addUnschedulableIfNotPresent or requeueAfterError ends its flight
   * too, so done() after those does nothing.
   */
  done(uid: string): void {
    const entry = this.index.get(uid);
    if (entry?.location !== 'inFlight') return;
    this.index.delete(uid);
    this.inFlightCount--;
  }

  /**
   * A pod whose scheduling attempt failed, popped in cycle
   * podSchedulingCycle. It waits in unschedulablePods for an event its
   * rejecting plugins registered, unless something moved since it was
   * popped (then backoffQ) or no plugin rejected it (an error: backoffQ).
   * Returns where it went; undefined if the queue already holds the pod or
   * it was deleted while in flight.
   */
  addUnschedulableIfNotPresent(qpi: QueuedPodInfo, podSchedulingCycle: number): QueueName | undefined {
    const uid = qpi.podInfo.uid;
    let entry = this.index.get(uid);
    if (entry !== undefined && entry.location !== 'inFlight') return undefined;
    if (entry?.deletedInFlight === true) {
      this.done(uid);
      return undefined;
    }
    const movedSincePop = this.moveRequestCycle >= podSchedulingCycle || entry?.updatedInFlight === true;
    const latest = entry?.latest;
    const queued = latest !== undefined && latest !== qpi.podInfo ? { ...qpi, podInfo: latest } : qpi;
    if (entry === undefined) {
      entry = newEntry(queued);
      this.index.set(uid, entry);
    } else {
      this.endFlight(entry);
      entry.qpi = queued;
    }

    const now = this.clock.now();
    queued.timestamp = now;
    entry.backoffExpiry = now + this.backoffDurationMs(queued.attempts);

    const rejected = queued.unschedulablePlugins.size > 0 || queued.pendingPlugins.size > 0;
    if (!rejected || movedSincePop) {
      this.toBackoff(entry, QueueEvent.ScheduleAttemptFailure);
      return 'backoff';
    }
    this.toUnschedulable(entry, QueueEvent.ScheduleAttemptFailure);
    return 'unschedulable';
  }

  /**
   * A pod whose attempt failed with an error (Code.Error, an API failure):
   * no plugin rejected it, so it retries after its backoff, as upstream does
   * with a pod that has no unschedulable plugins.
   */
  requeueAfterError(qpi: QueuedPodInfo): QueueName | undefined {
    qpi.unschedulablePlugins.clear();
    qpi.pendingPlugins.clear();
    return this.addUnschedulableIfNotPresent(qpi, this.cycle);
  }

  // ── the informers' side ─────────────────────────────────────────────────

  /** A new unscheduled pod. A pod already known is treated as an update. */
  add(podInfo: PodInfo): void {
    const existing = this.index.get(podInfo.uid);
    if (existing !== undefined) {
      this.update(existing.latest ?? existing.qpi.podInfo, podInfo);
      return;
    }
    this.enqueueNew(podInfo, QueueEvent.UnscheduledPodAdd);
  }

  /**
   * An unscheduled pod changed. In activeQ or backoffQ it is updated in
   * place; in unschedulablePods or gated, a change that may make it
   * schedulable (isPodUpdated) moves it on (PreEnqueue runs again); in flight,
   * the newest version is kept for when it comes back. An unknown pod is
   * added.
   */
  update(oldPodInfo: PodInfo, newPodInfo: PodInfo): void {
    const entry = this.index.get(newPodInfo.uid);
    if (entry === undefined) {
      this.enqueueNew(newPodInfo, QueueEvent.UnscheduledPodUpdate);
      return;
    }
    this.nominator.update(oldPodInfo, newPodInfo);
    const changed = isPodUpdated(oldPodInfo.pod, newPodInfo.pod);
    switch (entry.location) {
      case 'inFlight':
        entry.latest = newPodInfo;
        if (changed) entry.updatedInFlight = true;
        return;
      case 'active':
        entry.qpi = { ...entry.qpi, podInfo: newPodInfo };
        this.activeQ.push(newPodInfo.uid, entry.qpi);
        return;
      case 'backoff':
        entry.qpi = { ...entry.qpi, podInfo: newPodInfo };
        return;
      case 'unschedulable':
      case 'gated':
        entry.qpi = { ...entry.qpi, podInfo: newPodInfo };
        if (changed) this.requeue(entry, QueueEvent.UnscheduledPodUpdate, false);
        return;
    }
  }

  /** The pod is gone (deleted, or bound by someone else): out of every sub-queue. */
  delete(podInfo: PodInfo): void {
    this.nominator.delete(podInfo.uid);
    const entry = this.index.get(podInfo.uid);
    if (entry === undefined) return;
    if (entry.location === 'inFlight') {
      entry.deletedInFlight = true;
      return;
    }
    this.detach(entry);
    this.index.delete(podInfo.uid);
  }

  /**
   * Moves these pods to activeQ now, skipping their backoff (gated pods
   * still go through PreEnqueue). For a pod in flight, records a move
   * request so that a failure sends it to backoffQ.
   */
  activate(uids: Iterable<string>): void {
    for (const uid of uids) {
      const entry = this.index.get(uid);
      if (entry === undefined) continue;
      if (entry.location === 'inFlight') this.moveRequestCycle = this.cycle;
      else if (entry.location !== 'active') this.requeue(entry, QueueEvent.ForceActivate, true);
    }
  }

  /**
   * A cluster event: every unschedulable pod that a plugin registered for it
   * rejected (or that no plugin is recorded against) moves to activeQ, or to
   * backoffQ while it is still backing off; gated pods whose gating plugin
   * registered it go through PreEnqueue again. The wildcard event moves all.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent): void {
    const wildcard = isWildcardEvent(event);
    // Most events (every bind) find nothing waiting: nothing to select.
    if (this.unschedulable.size > 0 || this.gated.size > 0) {
      const label = clusterEventLabel(event);
      const interested = (plugin: string): boolean => wildcard || this.pluginInterested(plugin, event);
      for (const entry of this.unschedulable.select(interested)) {
        let immediate = false;
        for (const p of entry.qpi.pendingPlugins) {
          if (interested(p)) immediate = true;
        }
        this.requeue(entry, label, immediate);
      }
      for (const entry of this.gated.select(interested)) {
        this.requeue(entry, label, false);
      }
    }
    if (wildcard || this.isEventOfInterest(event)) this.moveRequestCycle = this.cycle;
  }

  /** A pod was bound (by Berth or anyone): it may satisfy affinity or spread. */
  assignedPodAdded(_podInfo: PodInfo): void {
    this.moveAllToActiveOrBackoffQueue(EventAssignedPodAdd);
  }

  /** A bound pod changed: labels (affinity, spread), or resources (a resize). Status-only changes move nothing. */
  assignedPodUpdated(oldPodInfo: PodInfo, newPodInfo: PodInfo): void {
    if (!deepEqual(oldPodInfo.pod.metadata?.labels ?? {}, newPodInfo.pod.metadata?.labels ?? {})) {
      this.moveAllToActiveOrBackoffQueue(EventAssignedPodUpdateLabel);
    } else if (isPodUpdated(oldPodInfo.pod, newPodInfo.pod)) {
      this.moveAllToActiveOrBackoffQueue(EventAssignedPodUpdate);
    }
  }

  /** A bound pod went away: its room is free. */
  assignedPodDeleted(_podInfo: PodInfo): void {
    this.moveAllToActiveOrBackoffQueue(EventAssignedPodDelete);
  }

  // ── observation ─────────────────────────────────────────────────────────

  /** For scheduler_pending_pods{queue}. In-flight pods are not pending. */
  pendingPods(): PendingPods {
    return {
      active: this.activeQ.size,
      backoff: this.backoffQ.size,
      unschedulable: this.unschedulable.size,
      gated: this.gated.size,
    };
  }

  inFlightPods(): number {
    return this.inFlightCount;
  }

  /** Where one pod is, or undefined if the queue does not know it. */
  getPod(uid: string): QueuedPodSummary | undefined {
    const entry = this.index.get(uid);
    return entry === undefined ? undefined : summarize(entry);
  }

  /** Every pod the queue knows, in no particular order (explain, debug dumps). */
  podsInQueue(): QueuedPodSummary[] {
    return Array.from(this.index.values(), summarize);
  }

  /** Stops the timers and releases every pop() waiting; later pops return undefined. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.wake();
  }

  // ── flushes (timers) ────────────────────────────────────────────────────

  /** Moves every pod whose backoff has run out to activeQ (upstream's flushBackoffQCompleted). */
  flushBackoffCompleted(): void {
    const now = this.clock.now();
    for (let head = this.backoffQ.peek(); head !== undefined && head.expiry <= now; head = this.backoffQ.peek()) {
      this.backoffQ.pop();
      const entry = this.index.get(head.uid);
      if (entry?.location !== 'backoff') continue;
      this.toActiveOrGated(entry, QueueEvent.BackoffComplete);
    }
  }

  /** Retries pods unschedulable for longer than podMaxInUnschedulablePodsMs (upstream's flushUnschedulablePodsLeftover). */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    let moved = false;
    for (const entry of this.unschedulable.values()) {
      if (now - entry.qpi.timestamp > this.maxInUnschedulableMs) {
        this.requeue(entry, QueueEvent.UnschedulableTimeout, false);
        moved = true;
      }
    }
    if (moved) this.moveRequestCycle = this.cycle;
  }

  // ── internals ───────────────────────────────────────────────────────────

  private enqueueNew(podInfo: PodInfo, event: string): void {
    const entry = newEntry(newQueuedPodInfo(podInfo, this.clock.now()));
    this.index.set(podInfo.uid, entry);
    this.nominator.add(podInfo);
    this.toActiveOrGated(entry, event);
  }

  private startFlight(qpi: QueuedPodInfo): QueuedPodInfo {
    const entry = this.index.get(qpi.podInfo.uid);
    this.cycle++;
    qpi.attempts++;
    if (entry !== undefined) {
      entry.location = 'inFlight';
      entry.latest = undefined;
      entry.updatedInFlight = false;
      entry.deletedInFlight = false;
      this.inFlightCount++;
    }
    return qpi;
  }

  private endFlight(entry: Entry): void {
    this.inFlightCount--;
    entry.latest = undefined;
    entry.updatedInFlight = false;
    entry.deletedInFlight = false;
  }

  /**
   * Moves a waiting pod on toward activeQ: to backoffQ if it is still backing
   * off (unless immediate), else to activeQ through PreEnqueue. A gated pod
   * passes PreEnqueue first or stays gated.
   */
  private requeue(entry: Entry, event: string, immediate: boolean): void {
    let passedPreEnqueue = false;
    if (entry.location === 'gated') {
      const gate = this.runPreEnqueue(entry.qpi);
      if (gate !== undefined) {
        entry.qpi.gatingPlugin = gate;
        this.gated.set(entry.qpi.podInfo.uid, entry, [gate]);
        return;
      }
      passedPreEnqueue = true;
    }
    this.detach(entry);
    if (!immediate && this.isBackingOff(entry)) {
      this.toBackoff(entry, event);
      return;
    }
    this.toActiveOrGated(entry, event, passedPreEnqueue);
  }

  /** Into activeQ if every PreEnqueue plugin lets it; else into the gated set. */
  private toActiveOrGated(entry: Entry, event: string, passedPreEnqueue = false): void {
    const uid = entry.qpi.podInfo.uid;
    const gate = passedPreEnqueue ? undefined : this.runPreEnqueue(entry.qpi);
    if (gate !== undefined) {
      entry.qpi.gatingPlugin = gate;
      entry.location = 'gated';
      this.gated.set(uid, entry, [gate]);
      this.onIncoming?.('gated', event);
      return;
    }
    entry.qpi.gatingPlugin = undefined;
    entry.location = 'active';
    this.activeQ.push(uid, entry.qpi);
    this.onIncoming?.('active', event);
    this.wake();
  }

  private toBackoff(entry: Entry, event: string): void {
    const uid = entry.qpi.podInfo.uid;
    entry.location = 'backoff';
    this.backoffQ.push(uid, { uid, expiry: entry.backoffExpiry });
    this.onIncoming?.('backoff', event);
  }

  private toUnschedulable(entry: Entry, event: string): void {
    const qpi = entry.qpi;
    entry.location = 'unschedulable';
    this.unschedulable.set(qpi.podInfo.uid, entry, [...qpi.unschedulablePlugins, ...qpi.pendingPlugins]);
    this.onIncoming?.('unschedulable', event);
  }

  /** Takes the pod out of its sub-queue (it stays in the index). */
  private detach(entry: Entry): void {
    const uid = entry.qpi.podInfo.uid;
    switch (entry.location) {
      case 'active':
        this.activeQ.delete(uid);
        break;
      case 'backoff':
        this.backoffQ.delete(uid);
        break;
      case 'unschedulable':
        this.unschedulable.delete(uid);
        break;
      case 'gated':
        this.gated.delete(uid);
        break;
      case 'inFlight':
        break;
    }
  }

  /** The name of the plugin that gates the pod, or undefined if PreEnqueue lets it in. */
  private runPreEnqueue(qpi: QueuedPodInfo): string | undefined {
    if (this.preEnqueue === undefined) return undefined;
    let status: Result;
    try {
      status = this.preEnqueue(qpi.podInfo);
    } catch (err) {
      // The runtime catches plugin throws; if one still escapes, keep the pod
      // gated rather than lose it or crash a timer.
      this.logger?.warn({ pod: qpi.podInfo.key, err }, 'PreEnqueue threw');
      return 'PreEnqueue';
    }
    if (isSuccess(status)) return undefined;
    return status?.plugin || 'PreEnqueue';
  }

  private isBackingOff(entry: Entry): boolean {
    return entry.backoffExpiry > this.clock.now();
  }

  /** Upstream's calculateBackoffDuration: none before the first attempt, then doubling to the cap. */
  private backoffDurationMs(attempts: number): number {
    if (attempts <= 0) return 0;
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(attempts - 1, 60));
  }

  private pluginInterested(plugin: string, event: ClusterEvent): boolean {
    const events = this.pluginEvents.get(plugin);
    return events === undefined || matchAnyClusterEvent(events, event);
  }

  /** Whether any registered plugin cares about the event (upstream's isEventOfInterest). */
  private isEventOfInterest(event: ClusterEvent): boolean {
    // The plugins' events are fixed: one answer per event object (most are module constants).
    let known = this.eventsOfInterest.get(event);
    if (known === undefined) {
      known = false;
      for (const events of this.pluginEvents.values()) {
        if (matchAnyClusterEvent(events, event)) {
          known = true;
          break;
        }
      }
      this.eventsOfInterest.set(event, known);
    }
    return known;
  }

  /** Releases every waiting pop() to look at activeQ again, after the current synchronous batch. */
  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

function newEntry(qpi: QueuedPodInfo): Entry {
  return { qpi, location: 'active', backoffExpiry: 0, latest: undefined, updatedInFlight: false, deletedInFlight: false };
}

function summarize(entry: Entry): QueuedPodSummary {
  return {
    location: entry.location,
    queued: entry.qpi,
    backoffExpiresAt: entry.backoffExpiry === 0 ? undefined : entry.backoffExpiry,
  };
}

function requirePositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`options.${name} must be a positive number`);
  }
}

/** The options that are set, so that `undefined` never overrides a default. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
