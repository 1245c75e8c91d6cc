// The queue's view of time: a monotonic millisecond clock and repeating
// timers. Injected so tests drive the queue with a FakeClock and never sleep.

export interface Timer {
  /** Stops the timer; calling it again does nothing. */
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (not wall-clock time). */
  now(): number;
  /**
   * Calls fn every intervalMs until cancelled. The timer never keeps the
   * process alive on its own (production timers are unref'd).
   */
  every(intervalMs: number, fn: () => void): Timer;
}

export const realClock: Clock = {
  now: () => performance.now(),
  every(intervalMs, fn) {
    const handle = setInterval(fn, intervalMs);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};
