// Prometheus metrics under upstream kube-scheduler's names, labels and
// buckets (pkg/scheduler/metrics/metrics.go), so that existing dashboards and
// alerts work unchanged. One SchedulerMetrics per scheduler, each with its
// own Registry (never prom-client's global one), so that tests and
// simulations can run several in one process.
//
// Who records what:
//   the scheduler  attempts (result, duration), per-pod attempts and SLI
//   the runtime    extension point durations, sampled plugin durations (FrameworkRecorder)
//   the queue      incoming pods (onIncoming); pending and unschedulable pods
//                  are read from it when Prometheus scrapes (attach)
//   leadership     leader_election_master_status (setLeader)
//   the batch      scheduler_batch_* (batchRecorder; src/scheduler/batch.ts)
//
// Every label value comes from a fixed set or from configuration: result,
// queue and status are closed sets, profile and plugin come from the config
// and the plugin registry, event from the queue's event names, attempts is
// capped at "15+" as upstream.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import type { QueuedPodInfo } from '../framework/interfaces.ts';
import type { BatchRecorder } from '../scheduler/batch.ts';
import type { Clock } from '../queue/clock.ts';
import type { PendingPods, QueueName, QueuedPodSummary } from '../queue/scheduling-queue.ts';
import { FastHistogram } from './fast-histogram.ts';
import { FrameworkRecorder } from './framework-recorder.ts';

/** Upstream's pluginMetricsSamplePercent: plugin durations are recorded in this share of cycles. */
export const PLUGIN_METRICS_SAMPLE_PERCENT = 10;

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';
export const ATTEMPT_RESULTS: readonly AttemptResult[] = ['scheduled', 'unschedulable', 'error'];
export const QUEUE_NAMES: readonly QueueName[] = ['active', 'backoff', 'unschedulable', 'gated'];

/** The metric names, as upstream spells them. */
export const METRIC = {
  scheduleAttempts: 'scheduler_schedule_attempts_total',
  schedulingAttemptDuration: 'scheduler_scheduling_attempt_duration_seconds',
  pendingPods: 'scheduler_pending_pods',
  extensionPointDuration: 'scheduler_framework_extension_point_duration_seconds',
  pluginExecutionDuration: 'scheduler_plugin_execution_duration_seconds',
  queueIncomingPods: 'scheduler_queue_incoming_pods_total',
  podSchedulingAttempts: 'scheduler_pod_scheduling_attempts',
  podSchedulingSLIDuration: 'scheduler_pod_scheduling_sli_duration_seconds',
  unschedulablePods: 'scheduler_unschedulable_pods',
  preemptionAttempts: 'scheduler_preemption_attempts_total',
  preemptionVictims: 'scheduler_preemption_victims',
  leaderElectionMasterStatus: 'leader_election_master_status',
  batchAttempts: 'scheduler_batch_attempts_total',
  batchCacheFlushed: 'scheduler_batch_cache_flushed_total',
  batchRescoreAttempts: 'scheduler_batch_rescore_attempts_total',
} as const;

/** What the metrics read from the queue at scrape time. */
export interface QueueView {
  pendingPods(): PendingPods;
  podsInQueue(): QueuedPodSummary[];
}

export interface SchedulerMetricsOptions {
  /** Where the metrics are registered; default: a registry of their own. */
  registry?: Registry;
  /** Node.js process metrics (prom-client's default metrics); default true. */
  processMetrics?: boolean;
  /** Share of cycles whose plugin durations are recorded, 0–100; default upstream's 10. */
  pluginSamplePercent?: number;
  /** Source of the sampling draws, in [0, 1); default Math.random. */
  random?: () => number;
  /** The Lease's name: leader_election_master_status{name}. Default "berth". */
  leaseName?: string;
}

/** Upstream's getAttemptsLabel: attempts as a number, capped so the label stays bounded. */
export function attemptsLabel(attempts: number): string {
  return attempts >= 15 ? '15+' : String(attempts);
}

export class SchedulerMetrics {
  readonly registry: Registry;
  readonly scheduleAttempts: Counter<'result' | 'profile'>;
  readonly schedulingAttemptDuration: Histogram<'result' | 'profile'>;
  readonly pendingPods: Gauge<'queue'>;
  readonly extensionPointDuration: FastHistogram<'extension_point' | 'status' | 'profile'>;
  readonly pluginExecutionDuration: FastHistogram<'plugin' | 'extension_point' | 'status'>;
  readonly queueIncomingPods: Counter<'queue' | 'event'>;
  readonly podSchedulingAttempts: Histogram;
  readonly podSchedulingSLIDuration: Histogram<'attempts'>;
  readonly unschedulablePods: Gauge<'plugin' | 'profile'>;
  /** Registered for dashboards; Berth has no preemption yet, so they stay at 0. */
  readonly preemptionAttempts: Counter;
  readonly preemptionVictims: Histogram;
  readonly leaderElectionMasterStatus: Gauge<'name'>;
  /** Opportunistic batching (src/scheduler/batch.ts), as upstream's KEP-5598 metrics. */
  readonly batchAttempts: Counter<'profile' | 'result'>;
  readonly batchCacheFlushed: Counter<'profile' | 'reason'>;
  readonly batchRescoreAttempts: Counter<'profile'>;

  private readonly leaseName: string;
  private readonly samplePercent: number;
  private readonly random: () => number;
  private queue: QueueView | undefined;
  private clock: Pick<Clock, 'now'> = { now: () => performance.now() };
  /** The attempt each popped pod is in: its start and profile, until its result is recorded. */
  private readonly attempts = new WeakMap<QueuedPodInfo, { profile: string; start: number }>();
  /** Every (plugin, profile) ever exported, so that a count that drops to 0 shows 0, not nothing. */
  private readonly unschedulableSeen = new Map<string, { plugin: string; profile: string }>();

  constructor(options: SchedulerMetricsOptions = {}) {
    const registry = options.registry ?? new Registry();
    const registers = [registry];
    this.registry = registry;
    this.leaseName = options.leaseName ?? 'berth';
    this.samplePercent = options.pluginSamplePercent ?? PLUGIN_METRICS_SAMPLE_PERCENT;
    if (!(this.samplePercent >= 0 && this.samplePercent <= 100)) throw new RangeError('options.pluginSamplePercent must be in [0, 100]');
    this.random = options.random ?? Math.random;

    this.scheduleAttempts = new Counter({
      name: METRIC.scheduleAttempts,
      help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
      labelNames: ['result', 'profile'],
      registers,
    });
    this.schedulingAttemptDuration = new Histogram({
      name: METRIC.schedulingAttemptDuration,
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.pendingPods = new Gauge({
      name: METRIC.pendingPods,
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
      labelNames: ['queue'],
      registers,
      collect: () => this.collectPending(),
    });
    for (const queue of QUEUE_NAMES) this.pendingPods.set({ queue }, 0);
    this.extensionPointDuration = new FastHistogram({
      name: METRIC.extensionPointDuration,
      help: 'Latency for running all plugins of a specific extension point.',
      labelNames: ['extension_point', 'status', 'profile'],
      buckets: exponentialBuckets(0.0001, 2, 12),
      registry,
    });
    this.pluginExecutionDuration = new FastHistogram({
      name: METRIC.pluginExecutionDuration,
      help: 'Duration for running a plugin at a specific extension point.',
      labelNames: ['plugin', 'extension_point', 'status'],
      buckets: exponentialBuckets(0.00001, 1.5, 20),
      registry,
    });
    this.queueIncomingPods = new Counter({
      name: METRIC.queueIncomingPods,
      help: 'Number of pods added to scheduling queues by event and queue type.',
      labelNames: ['queue', 'event'],
      registers,
    });
    this.podSchedulingAttempts = new Histogram({
      name: METRIC.podSchedulingAttempts,
      help: 'Number of attempts to successfully schedule a pod.',
      buckets: exponentialBuckets(1, 2, 5),
      registers,
    });
    this.podSchedulingSLIDuration = new Histogram({
      name: METRIC.podSchedulingSLIDuration,
      help: 'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.',
      labelNames: ['attempts'],
      buckets: exponentialBuckets(0.01, 2, 20),
      registers,
    });
    this.unschedulablePods = new Gauge({
      name: METRIC.unschedulablePods,
      help: 'The number of unschedulable pods broken down by plugin name. A pod will increment the gauge for all plugins that caused it to not schedule and so this metric have meaning only when broken down by plugin.',
      labelNames: ['plugin', 'profile'],
      registers,
      collect: () => this.collectUnschedulable(),
    });
    this.preemptionAttempts = new Counter({
      name: METRIC.preemptionAttempts,
      help: 'Total preemption attempts in the cluster till now',
      registers,
    });
    this.preemptionVictims = new Histogram({
      name: METRIC.preemptionVictims,
      help: 'Number of selected preemption victims',
      buckets: exponentialBuckets(1, 2, 7),
      registers,
    });
    this.leaderElectionMasterStatus = new Gauge({
      name: METRIC.leaderElectionMasterStatus,
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ['name'],
      registers,
    });
    this.batchAttempts = new Counter({
      name: METRIC.batchAttempts,
      help: 'Counts of results when we attempt to use batching.',
      labelNames: ['profile', 'result'],
      registers,
    });
    this.batchCacheFlushed = new Counter({
      name: METRIC.batchCacheFlushed,
      help: 'Counts of cache flushes by reason.',
      labelNames: ['profile', 'reason'],
      registers,
    });
    this.batchRescoreAttempts = new Counter({
      name: METRIC.batchRescoreAttempts,
      help: 'Counts of rescore attempts during opportunistic batching.',
      labelNames: ['profile'],
      registers,
    });
    this.setLeader(false);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  // --- wiring ----------------------------------------------------------------

  /** The runtime's recorder for one profile. */
  frameworkRecorder(profile: string): FrameworkRecorder {
    return new FrameworkRecorder({
      profile,
      points: this.extensionPointDuration,
      plugins: this.pluginExecutionDuration,
      samplePercent: this.samplePercent,
      random: this.random,
    });
  }

  /** The batch's recorder (src/scheduler/batch.ts): result and reason values come from closed sets. */
  batchRecorder(): BatchRecorder {
    return {
      attempt: (profile, result) => this.batchAttempts.inc({ profile, result }),
      flushed: (profile, reason) => this.batchCacheFlushed.inc({ profile, reason }),
      rescored: (profile, nodes) => this.batchRescoreAttempts.inc({ profile }, nodes),
    };
  }

  /** The queue whose pods are counted at each scrape, and the clock its timestamps use. */
  attach(queue: QueueView, clock: Pick<Clock, 'now'>): void {
    this.queue = queue;
    this.clock = clock;
  }

  /** The queue's onIncoming hook: scheduler_queue_incoming_pods_total{queue, event}. */
  readonly onIncoming = (queue: QueueName, event: string): void => {
    this.queueIncomingPods.inc({ queue, event });
  };

  /** Whether this replica holds the lease; true for good when leader election is off. */
  setLeader(isLeader: boolean): void {
    this.leaderElectionMasterStatus.set({ name: this.leaseName }, isLeader ? 1 : 0);
  }

  // --- the scheduler's side --------------------------------------------------

  /** A scheduling attempt begins (the pod was popped and has a profile). */
  attemptStarted(qpi: QueuedPodInfo, profile: string): void {
    this.attempts.set(qpi, { profile, start: this.clock.now() });
  }

  /**
   * The attempt ended: bound, rejected, or failed. Recorded once per attempt
   * (a second call for the same attempt does nothing). A bound pod also
   * records its number of attempts and its time since it entered the queue.
   */
  attemptFinished(qpi: QueuedPodInfo, result: AttemptResult): void {
    const attempt = this.attempts.get(qpi);
    if (attempt === undefined) return;
    this.attempts.delete(qpi);
    const now = this.clock.now();
    const labels = { result, profile: attempt.profile };
    this.scheduleAttempts.inc(labels);
    this.schedulingAttemptDuration.observe(labels, Math.max(0, now - attempt.start) / 1000);
    if (result === 'scheduled') {
      this.podSchedulingAttempts.observe(qpi.attempts);
      this.podSchedulingSLIDuration.observe({ attempts: attemptsLabel(qpi.attempts) }, Math.max(0, now - qpi.initialAttemptTimestamp) / 1000);
    }
  }

  // --- exposition --------------------------------------------------------------

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text Prometheus scrapes. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private collectPending(): void {
    if (this.queue === undefined) return;
    const pending = this.queue.pendingPods();
    for (const queue of QUEUE_NAMES) this.pendingPods.set({ queue }, pending[queue]);
  }

  /**
   * As upstream: a pod waiting in the queue counts once for each plugin that
   * rejected it in its last attempt (and for its gating plugin while gated);
   * a pod in flight does not count (upstream decrements at pop).
   */
  private collectUnschedulable(): void {
    if (this.queue === undefined) return;
    const counts = new Map<string, number>();
    for (const { location, queued } of this.queue.podsInQueue()) {
      if (location === 'inFlight') continue;
      const profile = queued.podInfo.pod.spec?.schedulerName ?? 'default-scheduler';
      const plugins = new Set([...queued.unschedulablePlugins, ...queued.pendingPlugins]);
      if (location === 'gated' && queued.gatingPlugin) plugins.add(queued.gatingPlugin);
      for (const plugin of plugins) {
        const key = `${plugin}\u0000${profile}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (!this.unschedulableSeen.has(key)) this.unschedulableSeen.set(key, { plugin, profile });
      }
    }
    for (const [key, labels] of this.unschedulableSeen) this.unschedulablePods.set(labels, counts.get(key) ?? 0);
  }
}
