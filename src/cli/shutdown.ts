// The last resort of a graceful shutdown: it ends whatever hangs. After the
// first SIGTERM or SIGINT the shutdown has limitMs; a second signal ends the
// process at once with status 1, as kube-scheduler does.
import type { Logger } from '../logging/logger.ts';

/** Under Kubernetes' default terminationGracePeriodSeconds (30 s), after the 10 s the binds in flight get. */
export const SHUTDOWN_LIMIT_MS = 25_000;

export function boundShutdown(logger: Logger, limitMs = SHUTDOWN_LIMIT_MS): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    signalled = true;
    setTimeout(() => {
      logger.error({ limitMs }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, limitMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
