// Upstream's helper.DefaultNormalizeScore (pkg/scheduler/framework/plugins/helper),
// on Berth's score arrays: scales scores to [0, maxScore] by the highest one,
// in integer arithmetic as upstream's int64; `reverse` flips them (fewer is
// better).
export function defaultNormalizeScore(maxScore: number, reverse: boolean, scores: Float64Array, count: number): void {
  let max = 0;
  for (let i = 0; i < count; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) scores.fill(maxScore, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) {
    const s = Math.trunc((maxScore * scores[i]!) / max);
    scores[i] = reverse ? maxScore - s : s;
  }
}
