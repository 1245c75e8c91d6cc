import { FakeClock } from './fake-clock.ts';

describe('FakeClock', () => {
  test('fires due timers in time order as it advances, and cancelled ones never', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.every(300, () => fired.push(`slow@${clock.now()}`));
    const fast = clock.every(200, () => fired.push(`fast@${clock.now()}`));
    clock.advance(650);
    expect(fired).toEqual(['fast@200', 'slow@300', 'fast@400', 'slow@600', 'fast@600']); // ties: the older timer first
    expect(clock.now()).toBe(650);
    fast.cancel();
    clock.advance(400);
    expect(fired.slice(5)).toEqual(['slow@900']);
    expect(clock.activeTimers()).toBe(1);
  });
});
