// berth run: the scheduler against a real cluster.
import { ConfigError, MAX_WORKERS, loadConfigFile, resolveConfig, type ResolvedConfig } from '../config/scheduler-config.ts';
import { createKubeClusterClient } from '../cluster/kube/index.ts';
import { createLogger, flushLogs, type Logger } from '../logging/logger.ts';
import { SchedulerElection } from '../leader/election.ts';
import {
  LeaderElectionConfigError,
  leaderIdentity,
  resolveLeaderElection,
  type LeaderElectionConfig,
  type LeaderElectionFlags,
} from '../leader/options.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { SchedulerMetrics } from '../metrics/metrics.ts';
import { ServingConfigError, resolveServing, type ServingConfig, type ServingFlags } from '../server/options.ts';
import { serveScheduler } from '../server/scheduler-server.ts';
import type { RunningServer } from '../server/server.ts';
import { boundShutdown } from './shutdown.ts';
import type { LevelWithSilent } from 'pino';

export interface RunOptions extends ServingFlags {
  kubeconfig?: string | undefined;
  schedulerName: string;
  config?: string | undefined;
  leaderElection: LeaderElectionFlags;
  logLevel: LevelWithSilent;
  bindConcurrency: number;
  /** Worker threads for Filter and Score (a --workers flag); over the config file's parallelism.workers. */
  workers?: number | undefined;
}

/** Loads, defaults and validates the configuration; a bad one is reported with its file and field paths. */
export function loadSchedulerConfig(path: string | undefined, schedulerName: string): ResolvedConfig {
  const raw = path ? loadConfigFile(path) : {};
  try {
    return resolveConfig(raw, inTreeRegistry, defaultPlugins, schedulerName);
  } catch (err) {
    // resolveConfig does not know the file; decoding errors already name it.
    if (err instanceof ConfigError && path) throw new ConfigError(err.errors, path);
    throw err;
  }
}

export async function runCommand(options: RunOptions): Promise<number> {
  const logger = createLogger({ level: options.logLevel });
  let election: LeaderElectionConfig | undefined;
  if (options.leaderElection.leaderElect) {
    try {
      election = resolveLeaderElection(options.leaderElection);
    } catch (err) {
      if (!(err instanceof LeaderElectionConfigError)) throw err;
      process.stderr.write(`berth: ${err.message}\n`);
      return 2;
    }
  }
  let config: ResolvedConfig;
  try {
    config = loadSchedulerConfig(options.config, options.schedulerName);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`berth: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (options.workers !== undefined) {
    if (!Number.isInteger(options.workers) || options.workers < 0 || options.workers > MAX_WORKERS) {
      process.stderr.write(`berth: --workers must be an integer in the range [0, ${MAX_WORKERS}]\n`);
      return 2;
    }
    config = { ...config, parallelism: { ...config.parallelism, workers: options.workers } };
  }
  if (!Number.isInteger(options.bindConcurrency) || options.bindConcurrency < 1) {
    process.stderr.write('berth: --bind-concurrency must be a positive integer\n');
    return 2;
  }
  let serving: ServingConfig | undefined;
  try {
    serving = resolveServing(options);
  } catch (err) {
    if (!(err instanceof ServingConfigError)) throw err;
    process.stderr.write(`berth: ${err.message}\n`);
    return 2;
  }
  // hostname_uuid: the Lease holder and the reportingInstance of Events.
  const identity = leaderIdentity();
  let client;
  try {
    client = createKubeClusterClient({ kubeconfigPath: options.kubeconfig, logger, identity });
  } catch (err) {
    process.stderr.write(`berth: cannot load cluster configuration: ${(err as Error).message}\n`);
    return 2;
  }
  const metrics = new SchedulerMetrics({ leaseName: election?.lease.name ?? 'berth' });
  // A single replica leads for good; under leader election the election sets it as the lease is won and lost.
  if (!election) metrics.setLeader(true);
  // Under leader election the scheduler writes through a fenced client: only while this replica leads.
  const leader = election
    ? new SchedulerElection({ client, config: election, identity, logger, onLeadingChange: (leading) => metrics.setLeader(leading) })
    : undefined;
  const scheduler = new Scheduler({ client: leader?.client ?? client, config, registry: inTreeRegistry, logger, bindConcurrency: options.bindConcurrency, metrics });
  // The secure port opens before the caches sync: /readyz says "not yet" meanwhile.
  let server: RunningServer | undefined;
  if (serving) {
    try {
      server = await serveScheduler({ serving, scheduler, metrics, logger });
    } catch (err) {
      // An operator's mistake (two replicas on one port), not a bug: no stack trace.
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? 'address already in use (replicas on one host need a --secure-port each)' : (err as Error).message;
      logger.error({ address: serving.host, port: serving.port, code, reason }, 'cannot serve on the secure port');
      await client.close().catch(() => {});
      return 1;
    }
  }
  boundShutdown(logger);
  // Last in the shutdown, once scheduling has stopped and the lease is released: probes answer until then.
  const closeAll = async () => {
    await server?.close();
    await client.close();
    await flushLogs(logger);
  };
  return serveUntilSignal(scheduler, logger, closeAll, config, leader);
}

async function serveUntilSignal(
  scheduler: Scheduler,
  logger: Logger,
  closeClient: () => Promise<void>,
  config: ResolvedConfig,
  leader?: SchedulerElection,
): Promise<number> {
  let stopping = false;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // Scheduling stops and binds in flight end before the Lease is released.
      void scheduler
        .stop()
        .then(() => leader?.stop())
        .then(closeClient)
        .then(() => resolve(0), (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  try {
    await scheduler.startInformers();
  } catch (err) {
    logger.error({ err }, 'cannot start the scheduler');
    await closeClient().catch(() => {});
    return 1;
  }
  // A signal during start-up: the shutdown has begun, and nothing is scheduling.
  const startScheduling = () => {
    if (stopping) return;
    scheduler.startScheduling();
    logger.info({ profiles: config.profiles.map((p) => p.schedulerName), parallelism: config.parallelism }, 'scheduling');
  };
  // A standby keeps its informers warm and schedules only once it leads.
  if (leader && !stopping) leader.campaign(startScheduling);
  else startScheduling();
  return stopped;
}
