// Capped exponential backoff with jitter, the shape of client-go's reflector
// backoff (800 ms doubling to 30 s): the nth delay is
// min(max, initial * factor^n), stretched by up to `jitter` of itself at random
// so that many informers restarting together do not retry in lockstep.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 0..1: the delay grows by up to this fraction of itself at random. */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions) {
    this.#initialMs = Math.max(0, options.initialMs);
    this.#maxMs = Math.max(this.#initialMs, options.maxMs);
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.5;
    this.#random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call lengthens the one after. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempt);
    if (base < this.#maxMs) this.#attempt += 1;
    return Math.round(base * (1 + this.#jitter * this.#random()));
  }

  /** After a success: the next delay is the initial one again. */
  reset(): void {
    this.#attempt = 0;
  }
}
