// Client-side rate limit for writes: a token bucket like client-go's
// flowcontrol.NewTokenBucketRateLimiter (qps refill, burst capacity). Waiters
// are served in arrival order by one timer, so close() can release them all.

export interface RateLimiterOptions {
  /** Tokens per second; 0 (or less) means unlimited. */
  qps: number;
  /** Bucket size; at least 1. */
  burst: number;
  /** Milliseconds, monotonic; injectable for tests. */
  now?: () => number;
}

export class RateLimiterClosedError extends Error {
  override name = 'RateLimiterClosedError';
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;
  #waiters: Waiter[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: RateLimiterOptions) {
    this.#qps = Number.isFinite(options.qps) && options.qps > 0 ? options.qps : 0;
    this.#burst = Math.max(1, Math.floor(options.burst));
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.#burst;
    this.#last = this.#now();
  }

  get unlimited(): boolean {
    return this.#qps === 0;
  }

  /** Requests waiting for a token. */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /**
   * Takes one token. Returns undefined when one was available at once (no
   * promise on the fast path), else a promise that resolves when the token
   * is granted, or rejects if the limiter is closed first.
   */
  take(): Promise<void> | undefined {
    if (this.#closed) return Promise.reject(new RateLimiterClosedError('the rate limiter is closed'));
    if (this.#qps === 0) return undefined;
    if (this.waiting === 0) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return undefined;
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Rejects every waiter and every later take(). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiters = this.#waiters.slice(this.#head);
    this.#waiters = [];
    this.#head = 0;
    for (const w of waiters) w.reject(new RateLimiterClosedError('the rate limiter is closed'));
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#last;
    this.#last = now;
    if (elapsed > 0) this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#qps) / 1000);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, ((1 - this.#tokens) * 1000) / this.#qps);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#grant();
    }, Math.ceil(wait));
  }

  #grant(): void {
    this.#refill();
    while (this.waiting > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      const waiter = this.#waiters[this.#head]!;
      this.#head += 1;
      waiter.resolve();
    }
    if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
    if (this.waiting > 0) this.#schedule();
  }
}
