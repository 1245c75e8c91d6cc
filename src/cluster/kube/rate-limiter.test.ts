import { jest } from '@jest/globals';
import { RateLimiterClosedError, TokenBucket } from './rate-limiter.ts';

describe('TokenBucket', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  /** A bucket on the fake clock, and a log of when each take() was granted. */
  function bucket(qps: number, burst: number) {
    const limiter = new TokenBucket({ qps, burst, now: () => Date.now() });
    const granted: number[] = [];
    const take = () => {
      const wait = limiter.take();
      if (wait === undefined) granted.push(Date.now());
      else void wait.then(() => granted.push(Date.now()));
    };
    return { limiter, granted, take };
  }

  test('the burst is granted at once, without a promise', () => {
    const { limiter } = bucket(10, 3);
    expect([limiter.take(), limiter.take(), limiter.take()]).toEqual([undefined, undefined, undefined]);
    expect(limiter.take()).toBeInstanceOf(Promise);
  });

  test('beyond the burst, tokens come at qps, in arrival order', async () => {
    const { granted, take } = bucket(10, 2);
    for (let i = 0; i < 5; i++) take();
    await jest.advanceTimersByTimeAsync(1000);
    expect(granted).toEqual([0, 0, 100, 200, 300]);
  });

  test('an idle bucket refills up to the burst, not beyond', async () => {
    const { granted, take } = bucket(10, 2);
    take();
    take();
    await jest.advanceTimersByTimeAsync(10_000);
    granted.length = 0;
    for (let i = 0; i < 3; i++) take();
    await jest.advanceTimersByTimeAsync(1000);
    expect(granted).toEqual([10_000, 10_000, 10_100]);
  });

  test('qps 0 is unlimited', () => {
    const { limiter } = bucket(0, 1);
    for (let i = 0; i < 10_000; i++) expect(limiter.take()).toBeUndefined();
    expect(limiter.unlimited).toBe(true);
  });

  test('close rejects the waiters and every later take, and leaves no timer', async () => {
    const { limiter } = bucket(1, 1);
    expect(limiter.take()).toBeUndefined();
    const waiting = limiter.take();
    expect(limiter.waiting).toBe(1);
    limiter.close();
    await expect(waiting).rejects.toBeInstanceOf(RateLimiterClosedError);
    await expect(limiter.take()).rejects.toBeInstanceOf(RateLimiterClosedError);
    expect(jest.getTimerCount()).toBe(0);
  });
});
