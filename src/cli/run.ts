// berth run: the scheduler against a real cluster.
import { ConfigError, loadConfigFile, resolveConfig, type ResolvedConfig } from '../config/scheduler-config.ts';
import { createKubeClusterClient } from '../cluster/kube/index.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import type { LevelWithSilent } from 'pino';

export interface RunOptions {
  kubeconfig?: string | undefined;
  schedulerName: string;
  config?: string | undefined;
  leaderElect: boolean;
  logLevel: LevelWithSilent;
  bindConcurrency: number;
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
  if (options.leaderElect) {
    process.stderr.write('berth: leader election is not available yet; run a single replica with --leader-elect=false\n');
    return 2;
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
  if (!Number.isInteger(options.bindConcurrency) || options.bindConcurrency < 1) {
    process.stderr.write('berth: --bind-concurrency must be a positive integer\n');
    return 2;
  }
  let client;
  try {
    client = createKubeClusterClient({ kubeconfigPath: options.kubeconfig, logger, identity: `berth-${process.pid}` });
  } catch (err) {
    process.stderr.write(`berth: cannot load cluster configuration: ${(err as Error).message}\n`);
    return 2;
  }
  const scheduler = new Scheduler({ client, config, registry: inTreeRegistry, logger, bindConcurrency: options.bindConcurrency });
  return serveUntilSignal(scheduler, logger, async () => client.close(), config);
}

async function serveUntilSignal(
  scheduler: Scheduler,
  logger: Logger,
  closeClient: () => Promise<void>,
  config: ResolvedConfig,
): Promise<number> {
  let stopping = false;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void scheduler
        .stop()
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
    await scheduler.start();
  } catch (err) {
    logger.error({ err }, 'cannot start the scheduler');
    await closeClient().catch(() => {});
    return 1;
  }
  // A signal during start-up: the shutdown has begun, and nothing is scheduling.
  if (!stopping) logger.info({ profiles: config.profiles.map((p) => p.schedulerName) }, 'scheduling');
  return stopped;
}
