// Ported from upstream pkg/scheduler/framework/plugins/helper/normalize_score_test.go
// (TestDefaultNormalizeScore).
import { defaultNormalizeScore } from './normalize-score.ts';

describe('defaultNormalizeScore (upstream TestDefaultNormalizeScore)', () => {
  test.each([
    [false, [1, 2, 3, 4], [25, 50, 75, 100]],
    [true, [1, 2, 3, 4], [75, 50, 25, 0]],
    [false, [1000, 10, 20, 30], [100, 1, 2, 3]],
    [true, [1000, 10, 20, 30], [0, 99, 98, 97]],
    [false, [1, 1, 1, 1], [100, 100, 100, 100]],
    [true, [1, 1, 1, 1], [0, 0, 0, 0]],
    [false, [0, 0, 0, 0], [0, 0, 0, 0]],
    [true, [0, 0, 0, 0], [100, 100, 100, 100]],
  ])('reverse=%s %j → %j', (reverse, input, want) => {
    const scores = Float64Array.from(input);
    defaultNormalizeScore(100, reverse, scores, scores.length);
    expect([...scores]).toEqual(want);
  });

  test('only the first `count` scores are touched', () => {
    const scores = Float64Array.of(2, 4, 99);
    defaultNormalizeScore(100, false, scores, 2);
    expect([...scores]).toEqual([50, 100, 99]);
  });
});
