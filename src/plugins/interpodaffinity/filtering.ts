// InterPodAffinity's PreFilter and Filter (upstream filtering.go, v1.36).
//
// PreFilter counts, per topology pair (node label key, value) and keyed by
// interned ids:
//   existingAntiAffinityCounts  existing pods whose required anti-affinity
//                               terms select the incoming pod (symmetry)
//   affinityCounts              existing pods that match ALL the incoming
//                               pod's required affinity terms (+1 per term)
//   antiAffinityCounts          existing pods matching each of its required
//                               anti-affinity terms
// Filter then only reads node.label(key) and these counts.
//
// The counts come from the lister's pod index: existing pods' anti-affinity
// terms grouped by term (each distinct term matched once against the pod),
// and the pods the incoming pod's terms select, by namespace.
import { podIndexOf, type ClusterLister, type PodIndex } from '../../framework/cluster-lister.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import type { Labels } from '../../framework/label-selector.ts';
import type { Interner, NodeTableReader, NodeView } from '../../framework/node-view.ts';
import {
  incomingTerms,
  matchesAll,
  queriesFor,
  requiredAntiAffinityTerms,
  termMatches,
  type IncomingTerm,
  type PodTerms,
  type TermCache,
} from './terms.ts';
import { addDomains, addTo, cloneCounts, countOf, isEmpty, newCounts, type TopologyCounts } from './topology.ts';

/** Upstream's reasons, word for word. */
export const ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

/** What Filter reads: plain data keyed by interned ids, so a worker thread can run it on a copy. */
export interface PreFilterState {
  /** Topology key id of each required affinity term of the incoming pod; -1 when no node has the key. */
  affinityKeys: number[];
  /** Topology key ids of its required anti-affinity terms (a key no node has can reject no node). */
  antiAffinityKeys: number[];
  /** The incoming pod matches all its own affinity terms: the first of a group may go wherever the keys exist. */
  selfMatch: boolean;
  existingAntiAffinityCounts: TopologyCounts;
  affinityCounts: TopologyCounts;
  antiAffinityCounts: TopologyCounts;
}

/** What computing the state reads, besides the pod. */
export interface FilterContext {
  readonly lister: ClusterLister;
  readonly terms: TermCache;
  readonly interner: Interner;
}

/** Adds `delta` to the pair (topologyKey, node's value of it), if the node has the key. */
function update(counts: TopologyCounts, keyId: number, node: NodeView, delta: number): void {
  if (keyId < 0) return;
  const value = node.label(keyId);
  if (value >= 0) addTo(counts, keyId, value, delta, true);
}

/**
 * PreFilter's counts; null when there is nothing to check (upstream's Skip:
 * no existing pod's anti-affinity selects the pod and it has no required
 * terms of its own).
 */
export function computePreFilterState(ctx: FilterContext, pod: PodInfo, terms: PodTerms, nodes: NodeTableReader): PreFilterState | null {
  const { lister, interner } = ctx;
  const nsLabels: Labels = lister.namespaceLabels(pod.namespace) ?? {};
  const index: PodIndex | null = nodes.size > 0 ? podIndexOf(lister, nodes) : null;

  const existing = newCounts();
  if (index !== null) {
    for (const group of index.groups(requiredAntiAffinityTerms)) {
      const t = group.value;
      if (termMatches(t, pod, nsLabels)) addDomains(existing, interner.lookup(t.topologyKey), group, 1, true);
    }
  }

  const affinity = incomingTerms(terms.requiredAffinity, lister, interner);
  const anti = incomingTerms(terms.requiredAntiAffinity, lister, interner);
  if (isEmpty(existing) && affinity.length === 0 && anti.length === 0) return null;

  const affinityKeys = affinity.map((t) => t.keyId);
  const antiAffinityKeys = [...new Set(anti.map((t) => t.keyId).filter((k) => k >= 0))];
  const affinityCounts = newCounts(affinityKeys);
  const antiAffinityCounts = newCounts(antiAffinityKeys);
  if (index !== null) {
    // Pods matching all the affinity terms count once in each term's domain.
    const matchingAll = queriesFor(affinity, index).map((q) => index.select(q));
    for (const t of affinity) for (const set of matchingAll) addDomains(affinityCounts, t.keyId, set, 1, true);
    for (const t of anti) for (const q of queriesFor([t], index)) addDomains(antiAffinityCounts, t.keyId, index.select(q), 1, true);
  }
  return {
    affinityKeys,
    antiAffinityKeys,
    selfMatch: matchesAll(affinity, pod),
    existingAntiAffinityCounts: existing,
    affinityCounts,
    antiAffinityCounts,
  };
}

function countIncoming(
  affinity: readonly IncomingTerm[],
  anti: readonly IncomingTerm[],
  other: PodInfo,
  node: NodeView,
  affinityCounts: TopologyCounts,
  antiAffinityCounts: TopologyCounts,
  delta: number,
): void {
  if (matchesAll(affinity, other)) for (const t of affinity) update(affinityCounts, t.keyId, node, delta);
  for (const t of anti) if (t.matches(other)) update(antiAffinityCounts, t.keyId, node, delta);
}

/**
 * upstream's updateWithPod: the state as if `other` were added (+1) to or
 * removed (-1) from `node`. Returns a new state: CycleState copies share
 * values, so the original must stay as it is.
 */
export function updatedWithPod(
  ctx: FilterContext,
  s: PreFilterState,
  pod: PodInfo,
  terms: PodTerms,
  other: PodInfo,
  node: NodeView,
  delta: number,
): PreFilterState {
  const { lister, interner } = ctx;
  const next: PreFilterState = {
    ...s,
    existingAntiAffinityCounts: cloneCounts(s.existingAntiAffinityCounts),
    affinityCounts: cloneCounts(s.affinityCounts),
    antiAffinityCounts: cloneCounts(s.antiAffinityCounts),
  };
  const nsLabels: Labels = lister.namespaceLabels(pod.namespace) ?? {};
  for (const t of ctx.terms.of(other).requiredAntiAffinity) {
    if (termMatches(t, pod, nsLabels)) update(next.existingAntiAffinityCounts, interner.lookup(t.topologyKey), node, delta);
  }
  const affinity = incomingTerms(terms.requiredAffinity, lister, interner);
  const anti = incomingTerms(terms.requiredAntiAffinity, lister, interner);
  countIncoming(affinity, anti, other, node, next.affinityCounts, next.antiAffinityCounts, delta);
  return next;
}

// --- Filter (hot path: integer compares, no allocation) ------------------------------

/** No existing pod whose required anti-affinity selects the pod runs in the node's domain of that term. */
export function satisfyExistingPodsAntiAffinity(s: PreFilterState, node: NodeView): boolean {
  const { keys, values } = s.existingAntiAffinityCounts;
  for (let i = 0; i < keys.length; i++) {
    const value = node.label(keys[i]!);
    if (value >= 0 && (values[i]!.get(value) ?? 0) > 0) return false;
  }
  return true;
}

/** No pod matching one of the pod's anti-affinity terms runs in the node's domain of that term. */
export function satisfyPodAntiAffinity(s: PreFilterState, node: NodeView): boolean {
  const keys = s.antiAffinityKeys;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = node.label(key);
    if (value >= 0 && countOf(s.antiAffinityCounts, key, value) > 0) return false;
  }
  return true;
}

/**
 * The node has every term's topology key, and a pod matching all terms runs
 * in the node's domain of each; or no such pod runs anywhere and the pod
 * matches its own terms (the first of a group).
 */
export function satisfyPodAffinity(s: PreFilterState, node: NodeView): boolean {
  const keys = s.affinityKeys;
  let podsExist = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = key < 0 ? -1 : node.label(key);
    // All topology labels must exist on the node.
    if (value < 0) return false;
    if (countOf(s.affinityCounts, key, value) <= 0) podsExist = false;
  }
  return podsExist || (s.selfMatch && isEmpty(s.affinityCounts));
}
