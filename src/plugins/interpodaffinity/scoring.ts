// InterPodAffinity's PreScore, Score and NormalizeScore (upstream scoring.go, v1.36).
//
// PreScore sums, per topology pair of the node each existing pod runs on:
//   + weight  the incoming pod's preferred affinity terms the pod matches
//   - weight  the incoming pod's preferred anti-affinity terms it matches
//   + hardPodAffinityWeight  the pod's REQUIRED affinity terms the incoming pod matches
//   + weight  the pod's preferred affinity terms the incoming pod matches
//   - weight  the pod's preferred anti-affinity terms the incoming pod matches
// Score is the sum over the node's labels; NormalizeScore maps [min, max] to [0, 100].
//
// The sums come from the lister's pod index: the pods each of the incoming
// pod's terms selects, and existing pods' terms grouped by term, so each
// distinct term is matched against the incoming pod once.
import { podIndexOf, type ClusterLister } from '../../framework/cluster-lister.ts';
import { MAX_NODE_SCORE, type PodInfo } from '../../framework/interfaces.ts';
import type { Labels } from '../../framework/label-selector.ts';
import type { Interner, NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { incomingTerms, queriesFor, scoringTerms, termMatches, type PodTerms, type TermCache } from './terms.ts';
import { addDomains, isEmpty, newCounts, type TopologyCounts } from './topology.ts';

/** What Score reads: plain data keyed by interned ids (upstream's topologyScore). */
export interface PreScoreState {
  topologyScore: TopologyCounts;
}

export interface ScoreContext {
  readonly lister: ClusterLister;
  readonly terms: TermCache;
  readonly interner: Interner;
  readonly hardPodAffinityWeight: number;
}

/** Whether the pod has preferred pod affinity or anti-affinity terms (upstream's hasConstraints). */
export function hasPreferredTerms(pod: PodInfo): boolean {
  const a = pod.pod.spec?.affinity;
  const affinity = a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  const anti = a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  return (Array.isArray(affinity) && affinity.length > 0) || (Array.isArray(anti) && anti.length > 0);
}

/** PreScore's topology scores; null when no pair got any (upstream's Skip). */
export function computePreScoreState(ctx: ScoreContext, pod: PodInfo, terms: PodTerms, nodes: NodeTableReader): PreScoreState | null {
  const { lister, interner } = ctx;
  if (nodes.size === 0) return null;
  const nsLabels: Labels = lister.namespaceLabels(pod.namespace) ?? {};
  const affinity = incomingTerms(terms.preferredAffinity, lister, interner);
  const anti = incomingTerms(terms.preferredAntiAffinity, lister, interner);
  const topologyScore = newCounts();
  const index = podIndexOf(lister, nodes);
  // The incoming pod's preferred terms, over the pods they select.
  for (const t of affinity) for (const q of queriesFor([t], index)) addDomains(topologyScore, t.keyId, index.select(q), t.weight, false);
  for (const t of anti) for (const q of queriesFor([t], index)) addDomains(topologyScore, t.keyId, index.select(q), -t.weight, false);
  // Existing pods' terms that select the incoming pod.
  for (const group of index.groups(scoringTerms)) {
    const { term, required, weight } = group.value;
    if (required && ctx.hardPodAffinityWeight <= 0) continue;
    if (!termMatches(term, pod, nsLabels)) continue;
    addDomains(topologyScore, interner.lookup(term.topologyKey), group, required ? ctx.hardPodAffinityWeight : weight, false);
  }
  return isEmpty(topologyScore) ? null : { topologyScore };
}

/** Hot path: the sum of the node's pairs, no allocation. */
export function scoreNode(s: PreScoreState, node: NodeView): number {
  const { keys, values } = s.topologyScore;
  let score = 0;
  for (let i = 0; i < keys.length; i++) {
    const value = node.label(keys[i]!);
    if (value >= 0) score += values[i]!.get(value) ?? 0;
  }
  return score;
}

/** Upstream's NormalizeScore: min → 0, max → 100, linear and truncated; all 0 when min = max. */
export function normalize(s: PreScoreState, scores: Float64Array, count: number): void {
  if (isEmpty(s.topologyScore)) return;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const v = scores[i]!;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const diff = max - min;
  for (let i = 0; i < count; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
}
