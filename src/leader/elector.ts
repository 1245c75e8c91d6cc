// Leader election on a Lease, after client-go's tools/leaderelection
// (LeaderElector with ReleaseOnCancel). One replica leads; the others stand
// by and take over when the leader stops renewing.
//
//   new ──run()──▶ acquiring ──won──▶ leading ──renewed every retryPeriod──▶ leading
//                    │  try now, then every retryPeriod x [1, 2.2)  │
//                    │                                              ├─ not renewed within renewDeadline of the
//                    │                                              │  last renewal, or another holder seen:
//                    │                                              │  lost → onStoppedLeading(true), at once
//                    │ stop()                                       │ stop(): release (holderIdentity "",
//                    ▼                                              ▼ leaseDurationSeconds 1) → onStoppedLeading(false)
//                 stopped ◀─────────────────────────────────────────┘
//
// Time. A candidate never trusts the timestamps in the Lease (another
// machine's clock): it notes on its own monotonic clock when it last saw the
// record change, and takes the lease over only when it has seen no change
// for leaseDurationSeconds. The leader times its renewals on the same clock:
// a renewal counts from when its request was sent, and a leader that has not
// renewed within renewDeadline of that moment has lost, even if the call is
// still in flight. As renewDeadline < leaseDuration, it gives up before any
// standby may take over (as long as the clocks run at about the same rate).
//
// Two differences from client-go, both to stop a deposed leader sooner:
// - the renew deadline counts from the last successful renewal, not from the
//   start of the current renew round (up to one retryPeriod earlier);
// - a leader that reads the Lease and finds another holder stops at once
//   instead of retrying until its deadline.
// checkLeadership() lets the caller apply the deadline synchronously before
// each write (a fence against a paused process whose timers have not yet
// fired: see fenced-client.ts).
import { ApiError } from '../cluster/client.ts';
import type { LeaseRef } from '../cluster/client.ts';
import { silentLogger, type Logger } from '../logging/logger.ts';
import { realClock, type Clock, type Timer } from '../queue/clock.ts';
import { LeaseLock, microTime, type LeaderElectionRecord, type LeaseClient } from './lease-lock.ts';

/** client-go's JitterFactor: a candidate retries every retryPeriod x (1 + [0, 1.2)). */
export const JITTER_FACTOR = 1.2;

export interface LeaderCallbacks {
  /** This replica now leads (called once). */
  onStartedLeading(): void;
  /**
   * A replica that led no longer does (called once, only after
   * onStartedLeading). lost: the lease could not be renewed before the
   * renew deadline, or another replica holds it; called synchronously the
   * moment that is known, before anything else runs. Not lost: stop() ended
   * the leadership (after the release).
   */
  onStoppedLeading(lost: boolean): void;
  /** The holder changed to this identity (including the first holder seen, and this replica). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  client: LeaseClient;
  lease: LeaseRef;
  /** Unique per replica: hostname_uuid (options.ts leaderIdentity()). */
  identity: string;
  /** Whole seconds (the Lease records leaseDurationSeconds). */
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  callbacks: LeaderCallbacks;
  /** Release the lease on stop() so that a standby takes over at once (client-go's ReleaseOnCancel). Default true. */
  releaseOnStop?: boolean;
  logger?: Logger;
  /** Monotonic time and timers; default the real clock. */
  clock?: Clock;
  /** Wall-clock time for renewTime and acquireTime; default new Date(). */
  wallClock?: () => Date;
  /** [0, 1) for the jitter; default Math.random. */
  random?: () => number;
}

export type ElectorState = 'new' | 'acquiring' | 'leading' | 'stopped';

export class LeaderElectorOptionsError extends Error {
  override name = 'LeaderElectorOptionsError';
}

export class LeaderElector {
  readonly identity: string;
  readonly #lock: LeaseLock;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #callbacks: LeaderCallbacks;
  readonly #releaseOnStop: boolean;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #wallClock: () => Date;
  readonly #random: () => number;

  #state: ElectorState = 'new';
  #stopping = false;
  #done: Promise<void> | undefined;
  /** The record last read or written, and when (monotonic) it was seen to change. */
  #observed: LeaderElectionRecord | undefined;
  #observedRaw: string | undefined;
  #observedTime = Number.NEGATIVE_INFINITY;
  /** When the request of the last successful acquire or renewal was sent (monotonic). */
  #renewedAt = Number.NEGATIVE_INFINITY;
  #reportedLeader = '';
  readonly #wakers = new Set<() => void>();

  constructor(options: LeaderElectorOptions) {
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = options;
    if (!(retryPeriodMs > 0)) throw new LeaderElectorOptionsError('options.retryPeriodMs must be greater than zero');
    if (!(leaseDurationMs >= 1000) || leaseDurationMs % 1000 !== 0) {
      throw new LeaderElectorOptionsError('options.leaseDurationMs must be a whole number of seconds, at least 1000');
    }
    if (!(leaseDurationMs > renewDeadlineMs)) throw new LeaderElectorOptionsError('options.leaseDurationMs must be greater than options.renewDeadlineMs');
    if (!(renewDeadlineMs > JITTER_FACTOR * retryPeriodMs)) {
      throw new LeaderElectorOptionsError(`options.renewDeadlineMs must be greater than options.retryPeriodMs x ${JITTER_FACTOR}`);
    }
    if (!options.identity) throw new LeaderElectorOptionsError('options.identity must not be empty');
    this.identity = options.identity;
    this.#lock = new LeaseLock(options.client, options.lease);
    this.#leaseDurationMs = leaseDurationMs;
    this.#renewDeadlineMs = renewDeadlineMs;
    this.#retryPeriodMs = retryPeriodMs;
    this.#callbacks = options.callbacks;
    this.#releaseOnStop = options.releaseOnStop ?? true;
    this.#clock = options.clock ?? realClock;
    this.#wallClock = options.wallClock ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    this.#log = (options.logger ?? silentLogger()).child({ lease: this.#lock.describe(), identity: this.identity });
  }

  get state(): ElectorState {
    return this.#state;
  }

  /** This replica leads (and has not yet found out otherwise). */
  isLeader(): boolean {
    return this.#state === 'leading';
  }

  /** The holder last seen in the Lease; "" when none was seen or it is released. */
  leader(): string {
    return this.#observed?.holderIdentity ?? '';
  }

  /**
   * True while this replica leads within its renew deadline. Past the
   * deadline it declares the loss now (onStoppedLeading(true)) and answers
   * false: a caller asks before each write, so that a process that was
   * paused past its deadline writes nothing even before its timers fire.
   */
  checkLeadership(): boolean {
    if (this.#state !== 'leading') return false;
    if (this.#clock.now() >= this.#renewedAt + this.#renewDeadlineMs) {
      this.#lose('renew deadline passed');
      return false;
    }
    return true;
  }

  /** Campaigns, then leads until the lease is lost or stop() is called; resolves then. */
  run(): Promise<void> {
    this.#done ??= this.#run();
    return this.#done;
  }

  /** Stops campaigning or leading; a leader releases the lease first (releaseOnStop). Resolves when done. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wakeAll();
    if (this.#done) await this.#done;
    else this.#state = 'stopped';
  }

  // --- the loops --------------------------------------------------------------

  async #run(): Promise<void> {
    if (this.#stopping) {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'acquiring';
    this.#log.info('attempting to acquire leader lease');
    const acquired = await this.#acquire();
    if (!acquired) {
      this.#state = 'stopped';
      return;
    }
    if (this.#stopping) {
      // Won in the same moment stop() was called: hand it straight back.
      if (this.#releaseOnStop) await this.#release();
      this.#state = 'stopped';
      return;
    }
    this.#state = 'leading';
    this.#log.info('successfully acquired lease');
    this.#call('onStartedLeading', () => this.#callbacks.onStartedLeading());
    await this.#renew();
    if (this.#state === 'leading') {
      // stop() ended the leadership: give the lease up, then say so.
      if (this.#releaseOnStop) await this.#release();
      this.#state = 'stopped';
      this.#call('onStoppedLeading', () => this.#callbacks.onStoppedLeading(false));
    }
  }

  /** Tries now, then every retryPeriod with jitter, until it holds the lease or is stopped. */
  async #acquire(): Promise<boolean> {
    while (!this.#stopping) {
      const ok = await this.#attempt();
      this.#maybeReportTransition();
      if (ok) return true;
      this.#log.debug({ holder: this.leader() }, 'lease not acquired');
      await this.#sleep(this.#retryPeriodMs * (1 + this.#random() * JITTER_FACTOR));
    }
    return false;
  }

  /** Renews every retryPeriod; retries a failed renewal until the deadline, then declares the loss. */
  async #renew(): Promise<void> {
    while (this.#state === 'leading' && !this.#stopping) {
      await this.#sleep(this.#retryPeriodMs);
      for (;;) {
        if (this.#state !== 'leading' || this.#stopping) return;
        const deadline = this.#renewedAt + this.#renewDeadlineMs;
        const left = deadline - this.#clock.now();
        if (left <= 0) {
          this.#lose('renew deadline passed');
          return;
        }
        const outcome = await this.#within(this.#attempt(), left);
        if (this.#state !== 'leading') return; // checkLeadership() declared the loss meanwhile
        this.#maybeReportTransition();
        if (outcome === true) {
          this.#log.trace('renewed lease');
          break;
        }
        if (outcome === 'deadline') {
          this.#lose('renew deadline passed');
          return;
        }
        const holder = this.leader();
        if (holder !== '' && holder !== this.identity) {
          this.#lose('lease taken by another holder', holder);
          return;
        }
        await this.#sleep(Math.min(this.#retryPeriodMs, deadline - this.#clock.now()));
      }
    }
  }

  #lose(reason: string, holder?: string): void {
    if (this.#state !== 'leading') return;
    this.#state = 'stopped';
    this.#wakeAll();
    const sinceRenewalMs = Math.round(this.#clock.now() - this.#renewedAt);
    this.#log.error({ reason, holder, sinceRenewalMs }, 'failed to renew lease');
    this.#call('onStoppedLeading', () => this.#callbacks.onStoppedLeading(true));
  }

  // --- one attempt (client-go tryAcquireOrRenew) -------------------------------

  /** One attempt that never rejects: a renewal left behind at its deadline must not fail unheard. */
  #attempt(): Promise<boolean> {
    return this.#tryAcquireOrRenew().catch((err: unknown) => {
      this.#log.error({ err: errorFields(err) }, 'leader election attempt failed');
      return false;
    });
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const started = this.#clock.now();
    const now = microTime(this.#wallClock());
    const call = { timeoutMs: this.#renewDeadlineMs };
    const record: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.#leaseDurationMs / 1000,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };

    // 1. The leader renews optimistically: the Lease it wrote last is assumed current.
    const observed = this.#observed;
    if (observed && this.#holds(observed) && this.#isLeaseValid(started)) {
      record.acquireTime = observed.acquireTime;
      record.leaseTransitions = observed.leaseTransitions;
      try {
        await this.#lock.update(record, call);
        this.#setObserved(record, started);
        return true;
      } catch (err) {
        this.#log.warn({ err: errorFields(err) }, 'failed to update lock optimistically, falling back to slow path');
      }
    }

    // 2. Read the Lease, or create it.
    let old: { record: LeaderElectionRecord; raw: string };
    try {
      old = await this.#lock.get(call);
    } catch (err) {
      if (!(err instanceof ApiError && err.isNotFound)) {
        this.#log.warn({ err: errorFields(err) }, 'error retrieving resource lock');
        return false;
      }
      try {
        await this.#lock.create(record, call);
      } catch (createErr) {
        this.#log.warn({ err: errorFields(createErr) }, 'error initially creating leader election record');
        return false;
      }
      this.#setObserved(record, started);
      return true;
    }

    // 3. Held by someone else, and seen to change within its lease duration: not ours to take.
    if (old.raw !== this.#observedRaw) {
      this.#observed = old.record;
      this.#observedRaw = old.raw;
      this.#observedTime = this.#clock.now();
    }
    const current = old.record;
    if (current.holderIdentity !== '' && !this.#holds(current) && this.#observedTime + current.leaseDurationSeconds * 1000 > started) {
      return false;
    }

    // 4. Take it (or renew it, when it is ours): a conflict means someone wrote it since our read.
    if (this.#holds(current)) {
      record.acquireTime = current.acquireTime;
      record.leaseTransitions = current.leaseTransitions;
    } else {
      record.leaseTransitions = current.leaseTransitions + 1;
    }
    try {
      await this.#lock.update(record, call);
    } catch (err) {
      this.#log.warn({ err: errorFields(err) }, 'failed to update lock');
      return false;
    }
    this.#setObserved(record, started);
    return true;
  }

  /** Clears holderIdentity (and shortens the duration to 1 s), as client-go's release. */
  async #release(): Promise<void> {
    const observed = this.#observed;
    if (!observed || !this.#holds(observed)) return;
    const now = microTime(this.#wallClock());
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: observed.leaseTransitions,
    };
    try {
      await this.#lock.update(record, { timeoutMs: this.#renewDeadlineMs });
      this.#observed = record;
      this.#observedTime = this.#clock.now();
      this.#log.info('released lease');
    } catch (err) {
      this.#log.warn({ err: errorFields(err) }, 'failed to release lock');
    }
  }

  #holds(record: LeaderElectionRecord): boolean {
    return record.holderIdentity === this.identity;
  }

  #isLeaseValid(now: number): boolean {
    return this.#observed !== undefined && this.#observedTime + this.#observed.leaseDurationSeconds * 1000 > now;
  }

  /** A record this replica wrote: seen now, and renewed as of when the request was sent. */
  #setObserved(record: LeaderElectionRecord, sentAt: number): void {
    this.#observed = record;
    this.#observedTime = this.#clock.now();
    this.#renewedAt = sentAt;
  }

  #maybeReportTransition(): void {
    const holder = this.leader();
    if (holder === this.#reportedLeader || holder === '') return;
    this.#reportedLeader = holder;
    this.#log.info({ leader: holder }, 'new leader elected');
    this.#call('onNewLeader', () => this.#callbacks.onNewLeader?.(holder));
  }

  #call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err, callback: name }, 'leader election callback failed');
    }
  }

  // --- time -------------------------------------------------------------------

  /** Waits ms, or less if stop() or a loss wakes it. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopping || this.#state === 'stopped' || !(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        timer.cancel();
        this.#wakers.delete(wake);
        resolve();
      };
      const timer: Timer = this.#clock.every(ms, wake);
      this.#wakers.add(wake);
    });
  }

  #wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** The attempt's result, or 'deadline' if ms pass first (the attempt is then left to finish unheeded). */
  async #within(attempt: Promise<boolean>, ms: number): Promise<boolean | 'deadline'> {
    let timer: Timer | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = this.#clock.every(ms, () => resolve('deadline'));
    });
    try {
      return await Promise.race([attempt, deadline]);
    } finally {
      timer?.cancel();
    }
  }
}

/** What a log line needs of an error from the API: no request bodies, no headers. */
function errorFields(err: unknown): { message: string; status?: number; reason?: string } {
  if (err instanceof ApiError) return { message: err.message, status: err.status, reason: err.reason };
  return { message: err instanceof Error ? err.message : String(err) };
}
