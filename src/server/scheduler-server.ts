// The secure port of one scheduler: its health checks, its readiness, its
// metrics. Extra checks (leader election's, when it has one) are appended.
import type { Logger } from '../logging/logger.ts';
import type { SchedulerMetrics } from '../metrics/metrics.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { pingCheck, schedulingLoopCheck, syncedCheck, type HealthCheck } from './health.ts';
import type { ServingConfig } from './options.ts';
import { startServer, type RunningServer } from './server.ts';

export interface SchedulerServerOptions {
  serving: ServingConfig;
  scheduler: Scheduler;
  metrics: SchedulerMetrics;
  logger: Logger;
  /** More /healthz checks, e.g. the leader election watchdog. */
  livenessChecks?: readonly HealthCheck[];
  /** How long one scheduling cycle may run before /healthz fails. */
  stallMs?: number;
}

export function serveScheduler(options: SchedulerServerOptions): Promise<RunningServer> {
  const { scheduler } = options;
  const loop = schedulingLoopCheck(
    {
      heartbeat: () => scheduler.heartbeat(),
      activePods: () => scheduler.queue.pendingPods().active,
      now: () => performance.now(),
    },
    options.stallMs,
  );
  return startServer({
    port: options.serving.port,
    host: options.serving.host,
    tls: options.serving.tls,
    livenessChecks: [pingCheck, loop, ...(options.livenessChecks ?? [])],
    readinessChecks: [pingCheck, syncedCheck(() => scheduler.hasSynced())],
    metrics: options.metrics,
    logger: options.logger,
  });
}
