// A Clock for tests: time moves only when advance() is called, and timers
// fire in due order as it passes them.
import type { Clock, Timer } from './clock.ts';

interface FakeTimer {
  readonly id: number;
  readonly intervalMs: number;
  readonly fn: () => void;
  dueAt: number;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private nowMs: number;
  private nextId = 0;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(startMs = 1_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  every(intervalMs: number, fn: () => void): Timer {
    if (!(intervalMs > 0)) throw new RangeError('intervalMs must be a positive number');
    const timer: FakeTimer = { id: this.nextId++, intervalMs, fn, dueAt: this.nowMs + intervalMs, cancelled: false };
    this.timers.set(timer.id, timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.timers.delete(timer.id);
      },
    };
  }

  /** Timers still armed: a closed queue must leave none. */
  activeTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.dueAt <= target && (next === undefined || t.dueAt < next.dueAt || (t.dueAt === next.dueAt && t.id < next.id))) next = t;
      }
      if (next === undefined) break;
      this.nowMs = next.dueAt;
      next.dueAt += next.intervalMs;
      next.fn();
    }
    this.nowMs = target;
  }
}
