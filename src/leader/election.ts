// Leader election as `berth run` uses it: one LeaderElector on the Lease,
// the fenced client the Scheduler writes through, and what each transition
// does. Winning starts scheduling (the informers are already warm). Losing
// stops at once: the loss is logged and the process exits 1 on the spot, as
// kube-scheduler does, so that nothing more is bound and Kubernetes restarts
// the replica with a clean state (its cache may hold pods it assumed).
import type { ClusterClient } from '../cluster/client.ts';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from '../queue/clock.ts';
import { LeaderElector } from './elector.ts';
import { FencedClusterClient } from './fenced-client.ts';
import type { LeaderElectionConfig } from './options.ts';

export interface SchedulerElectionOptions {
  /** The real client: the Lease calls go through it unfenced. */
  client: ClusterClient;
  config: LeaderElectionConfig;
  identity: string;
  logger: Logger;
  /** What a lost lease does after logging; default: process.exit(1). */
  exit?: (code: number) => void;
  /** Told when this replica starts (true) and stops (false) leading: leader_election_master_status. */
  onLeadingChange?: (leading: boolean) => void;
  /** The elector's clock (tests); default the real one. */
  clock?: Clock;
}

export class SchedulerElection {
  readonly elector: LeaderElector;
  /** The client for the Scheduler: it writes only while this replica leads. */
  readonly client: ClusterClient;
  readonly #logger: Logger;
  readonly #exit: (code: number) => void;
  #onLeading: (() => void) | undefined;

  constructor(options: SchedulerElectionOptions) {
    this.#logger = options.logger;
    this.#exit = options.exit ?? ((code) => process.exit(code));
    this.elector = new LeaderElector({
      client: options.client,
      lease: options.config.lease,
      identity: options.identity,
      leaseDurationMs: options.config.leaseDurationMs,
      renewDeadlineMs: options.config.renewDeadlineMs,
      retryPeriodMs: options.config.retryPeriodMs,
      logger: options.logger,
      ...(options.clock ? { clock: options.clock } : {}),
      callbacks: {
        onStartedLeading: () => {
          options.onLeadingChange?.(true);
          this.#onLeading?.();
        },
        onStoppedLeading: (lost) => {
          options.onLeadingChange?.(false);
          if (!lost) return;
          this.#logger.fatal({ lease: `${options.config.lease.namespace}/${options.config.lease.name}` }, 'leader election lost; exiting');
          this.#exit(1);
        },
      },
    });
    this.client = new FencedClusterClient(options.client, () => this.elector.checkLeadership());
  }

  /** Campaigns in the background; onLeading runs when this replica wins (once). */
  campaign(onLeading: () => void): void {
    this.#onLeading = onLeading;
    void this.elector.run();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  /** Stops campaigning; a leader releases the Lease so that a standby takes over at once. Call after scheduling stopped. */
  stop(): Promise<void> {
    return this.elector.stop();
  }
}
