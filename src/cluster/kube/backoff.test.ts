import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  test.each([
    { name: 'no jitter: doubles to the cap', random: 0, want: [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000] },
    { name: 'full jitter draw: half again each delay', random: 1, want: [1200, 2400, 4800, 9600, 19200, 38400, 45000, 45000] },
  ])('$name', ({ random, want }) => {
    const backoff = new Backoff({ initialMs: 800, maxMs: 30_000, jitter: 0.5, random: () => random });
    expect(want.map(() => backoff.next())).toEqual(want);
  });

  test('reset starts again from the initial delay', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});
