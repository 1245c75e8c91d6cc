// Events, off the hot path: record() builds the Event and queues it (never
// blocks, never throws); a few senders write the queue to the apiserver. A
// full queue drops the new event, a failed write drops that event; both are
// counted (upstream's broadcaster also drops when its 1000-deep queue is full).
import type { EventRecord } from '../client.ts';
import { errorFields, type KubeLogger } from './logger.ts';
import { eventBody, eventsPath, nowMicros, type EventSource } from './requests.ts';
import type { TokenBucket } from './rate-limiter.ts';
import type { KubeTransport } from './transport.ts';

export interface EventSinkOptions {
  transport: KubeTransport;
  limiter: TokenBucket;
  source: EventSource;
  /** Events waiting to be written; default 1000. */
  bufferSize: number;
  /** Event writes in flight at once; default 4. */
  concurrency: number;
  logger: KubeLogger;
}

export interface EventStats {
  recorded: number;
  sent: number;
  /** Dropped because the queue was full (or the client closing). */
  dropped: number;
  /** Dropped because the write failed. */
  failed: number;
  queued: number;
}

interface Pending {
  namespace: string;
  body: object;
}

export class EventSink {
  readonly #options: EventSinkOptions;
  #queue: Pending[] = [];
  #head = 0;
  #inFlight = 0;
  #closed = false;
  #sequence = 0;
  #idle: (() => void) | undefined;
  #lastFailureLog = 0;
  #lastDropLog = 0;
  readonly stats: EventStats = { recorded: 0, sent: 0, dropped: 0, failed: 0, queued: 0 };

  constructor(options: EventSinkOptions) {
    this.#options = options;
  }

  record(event: EventRecord): void {
    this.stats.recorded += 1;
    if (this.#closed || this.#queued() >= this.#options.bufferSize) {
      this.stats.dropped += 1;
      const now = Date.now();
      if (!this.#closed && now - this.#lastDropLog >= 10_000) {
        this.#lastDropLog = now;
        this.#options.logger.warn({ dropped: this.stats.dropped, bufferSize: this.#options.bufferSize }, 'event queue full; events dropped');
      }
      return;
    }
    let body: object;
    try {
      body = eventBody(event, this.#options.source, nowMicros(), this.#sequence++);
    } catch (err) {
      this.stats.failed += 1;
      this.#options.logger.warn(errorFields(err), 'cannot build an event; dropped');
      return;
    }
    this.#queue.push({ namespace: event.regarding.namespace || 'default', body });
    this.stats.queued = this.#queued();
    this.#pump();
  }

  /** Stops taking events and waits for the queue to drain, at most until the deadline; what is left is dropped. */
  async close(deadlineMs: number): Promise<void> {
    this.#closed = true;
    if (this.#queued() > 0 || this.#inFlight > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.#idle = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs))),
      ]);
      clearTimeout(timer);
      this.#idle = undefined;
    }
    const left = this.#queued();
    if (left > 0) {
      this.stats.dropped += left;
      this.#options.logger.warn({ dropped: left }, 'events still queued at close; dropped');
    }
    this.#queue = [];
    this.#head = 0;
    this.stats.queued = 0;
  }

  #queued(): number {
    return this.#queue.length - this.#head;
  }

  #pump(): void {
    while (this.#inFlight < this.#options.concurrency && this.#queued() > 0) {
      const next = this.#queue[this.#head]!;
      this.#head += 1;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#inFlight += 1;
      void this.#send(next).finally(() => {
        this.#inFlight -= 1;
        this.stats.queued = this.#queued();
        this.#pump();
        if (this.#inFlight === 0 && this.#queued() === 0) this.#idle?.();
      });
    }
  }

  async #send(pending: Pending): Promise<void> {
    try {
      const wait = this.#options.limiter.take();
      if (wait !== undefined) await wait;
      await this.#options.transport.call('POST', eventsPath(pending.namespace), { body: pending.body });
      this.stats.sent += 1;
    } catch (err) {
      this.stats.failed += 1;
      // One line a second at most: a broken apiserver must not flood the log too.
      const now = performance.now();
      if (now - this.#lastFailureLog >= 1000) {
        this.#lastFailureLog = now;
        this.#options.logger.warn({ failed: this.stats.failed, ...errorFields(err) }, 'event write failed; dropped');
      }
    }
  }
}
