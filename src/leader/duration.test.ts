import { parseDuration } from './duration.ts';

describe('parseDuration (Go time.ParseDuration)', () => {
  test.each([
    ['15s', 15_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['1000000ns', 1],
    ['0', 0],
    ['-2s', -2000],
    ['+2s', 2000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  test.each(['', '15', 's', '1 s', '1S', '1d', '15s ', 'abc', '1.2.3s', '--1s', '1s2'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
