// A pod's inter-pod affinity terms, parsed once per PodInfo (upstream's
// framework.NewPodInfo: GetAffinityTerms / getWeightedAffinityTerms and
// AffinityTerm.Matches in pkg/scheduler/framework/types.go).
//
// A term selects pods by label (labelSelector, with matchLabelKeys and
// mismatchLabelKeys merged in from the owning pod's labels, as the apiserver
// does at pod creation) in a set of namespaces:
//   namespaces and namespaceSelector both unset → the owning pod's namespace
//   otherwise → the listed namespaces, plus those namespaceSelector selects
//   namespaceSelector {} → every namespace
// A list with a term that cannot be parsed is dropped whole, and reported.
//
// The pods a term selects are counted through the lister's pod index: an
// incoming pod's terms as PodQueries, one per namespace they reach
// (queriesFor), and existing pods' terms as groups of identical terms
// (requiredAntiAffinityTerms, scoringTerms), so that a cycle matches each
// distinct term once rather than every pod.
import type { PodAffinityTerm, WeightedPodAffinityTerm } from '../../api/types.ts';
import type { ClusterLister, PodClassifier, PodIndex, PodQuery } from '../../framework/cluster-lister.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import { LabelOp, aggregate, isEverything, parseLabelSelector, selectorMatches, type LabelRequirement, type Labels, type Selector } from '../../framework/label-selector.ts';
import type { Interner } from '../../framework/node-view.ts';

export interface AffinityTerm {
  /** Which pods (labels), matchLabelKeys/mismatchLabelKeys merged in. */
  selector: Selector;
  /** Namespaces named by the term (or the owning pod's own). */
  namespaces: readonly string[];
  /** Namespaces selected by their labels; null selects none, [] all. */
  namespaceSelector: Selector;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface PodTerms {
  requiredAffinity: readonly AffinityTerm[];
  requiredAntiAffinity: readonly AffinityTerm[];
  preferredAffinity: readonly WeightedAffinityTerm[];
  preferredAntiAffinity: readonly WeightedAffinityTerm[];
  /** What could not be parsed, in upstream's words ("requiredAffinityTerms: …"); undefined when all is well. */
  error?: string;
}

export const NO_LABELS: Labels = Object.freeze({});
const NONE: PodTerms = Object.freeze({ requiredAffinity: [], requiredAntiAffinity: [], preferredAffinity: [], preferredAntiAffinity: [] });

export function podLabels(pod: PodInfo): Labels {
  return pod.pod.metadata?.labels ?? NO_LABELS;
}

function mergedKeys(term: PodAffinityTerm, labels: Labels): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  // As the apiserver: nothing is merged into a null selector (it selects nothing anyway).
  if (term.labelSelector === undefined || term.labelSelector === null) return out;
  for (const key of Array.isArray(term.matchLabelKeys) ? term.matchLabelKeys : []) {
    if (typeof key === 'string' && Object.hasOwn(labels, key)) out.push({ key, op: LabelOp.In, values: [labels[key]!] });
  }
  for (const key of Array.isArray(term.mismatchLabelKeys) ? term.mismatchLabelKeys : []) {
    if (typeof key === 'string' && Object.hasOwn(labels, key)) out.push({ key, op: LabelOp.NotIn, values: [labels[key]!] });
  }
  return out;
}

/** newAffinityTerm: the term, or the error of the first selector that cannot be parsed. */
function newAffinityTerm(pod: PodInfo, term: PodAffinityTerm): AffinityTerm | string {
  if (typeof term !== 'object' || term === null) return `Invalid value: ${JSON.stringify(term)}: a pod affinity term must be an object`;
  const selector = parseLabelSelector(term.labelSelector, mergedKeys(term, podLabels(pod)));
  if (selector.error !== undefined) return selector.error;
  const nsSelector = parseLabelSelector(term.namespaceSelector);
  if (nsSelector.error !== undefined) return nsSelector.error;
  const listed = Array.isArray(term.namespaces) ? term.namespaces.filter((n): n is string => typeof n === 'string') : [];
  const namespaces = listed.length === 0 && (term.namespaceSelector === undefined || term.namespaceSelector === null) ? [pod.namespace] : listed;
  return {
    selector: selector.selector,
    namespaces,
    namespaceSelector: nsSelector.selector,
    topologyKey: typeof term.topologyKey === 'string' ? term.topologyKey : '',
  };
}

function list<T>(value: T[] | undefined | null): T[] {
  return Array.isArray(value) ? value : [];
}

function affinityTerms(pod: PodInfo, terms: PodAffinityTerm[]): AffinityTerm[] | string {
  const out: AffinityTerm[] = [];
  for (const t of terms) {
    const parsed = newAffinityTerm(pod, t);
    if (typeof parsed === 'string') return parsed;
    out.push(parsed);
  }
  return out;
}

function weightedTerms(pod: PodInfo, terms: WeightedPodAffinityTerm[]): WeightedAffinityTerm[] | string {
  const out: WeightedAffinityTerm[] = [];
  for (const t of terms) {
    const parsed = newAffinityTerm(pod, t?.podAffinityTerm);
    if (typeof parsed === 'string') return parsed;
    const weight = typeof t.weight === 'number' && Number.isFinite(t.weight) ? t.weight : 0;
    out.push({ ...parsed, weight });
  }
  return out;
}

/** framework.NewPodInfo's parse of the four term lists; a list with a bad term is empty, and reported. */
export function parsePodTerms(pod: PodInfo): PodTerms {
  const affinity = pod.pod.spec?.affinity;
  const pa = affinity?.podAffinity;
  const paa = affinity?.podAntiAffinity;
  if (!pa && !paa) return NONE;
  const errors: string[] = [];
  const take = <T>(what: string, parsed: T[] | string): T[] => {
    if (typeof parsed !== 'string') return parsed;
    errors.push(`${what}: ${parsed}`);
    return [];
  };
  const terms: PodTerms = {
    requiredAffinity: take('requiredAffinityTerms', affinityTerms(pod, list(pa?.requiredDuringSchedulingIgnoredDuringExecution))),
    requiredAntiAffinity: take('requiredAntiAffinityTerms', affinityTerms(pod, list(paa?.requiredDuringSchedulingIgnoredDuringExecution))),
    preferredAffinity: take('preferredAffinityTerms', weightedTerms(pod, list(pa?.preferredDuringSchedulingIgnoredDuringExecution))),
    preferredAntiAffinity: take('preferredAntiAffinityTerms', weightedTerms(pod, list(paa?.preferredDuringSchedulingIgnoredDuringExecution))),
  };
  return errors.length > 0 ? { ...terms, error: aggregate(errors) } : terms;
}

/** Parsed terms per PodInfo: a PodInfo is immutable, so each pod is parsed once however often it is read. */
export class TermCache {
  private readonly cache = new WeakMap<PodInfo, PodTerms>();

  of(pod: PodInfo): PodTerms {
    let terms = this.cache.get(pod);
    if (terms === undefined) {
      terms = parsePodTerms(pod);
      this.cache.set(pod, terms);
    }
    return terms;
  }
}

/** The parses the plugin and the classifiers share (any TermCache parses a pod alike). */
export const podTerms = new TermCache();

/**
 * AffinityTerm.Matches(pod, nsLabels) for an existing pod's term and the
 * incoming pod: its namespace is named, or its namespace's labels (empty when
 * the namespace is unknown) satisfy the namespaceSelector.
 */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: Labels): boolean {
  if (term.namespaces.includes(pod.namespace) || selectorMatches(term.namespaceSelector, nsLabels)) {
    return selectorMatches(term.selector, podLabels(pod));
  }
  return false;
}

/**
 * An incoming pod's term, ready for one cycle: upstream unrolls its
 * namespaceSelector into the namespaces the namespace lister knows
 * (mergeAffinityTermNamespacesIfNotEmpty); here each namespace is looked up
 * once, when a pod in it is first met. The topology key is interned (-1: no
 * node has it).
 */
export class IncomingTerm {
  readonly term: AffinityTerm;
  readonly weight: number;
  readonly keyId: number;
  /** namespaceSelector {}: the term reaches every namespace. */
  readonly allNamespaces: boolean;
  private readonly lister: ClusterLister;
  private readonly selected = new Map<string, boolean>();

  constructor(term: AffinityTerm | WeightedAffinityTerm, lister: ClusterLister, interner: Interner) {
    this.term = term;
    this.weight = 'weight' in term ? term.weight : 0;
    this.keyId = interner.lookup(term.topologyKey);
    this.lister = lister;
    this.allNamespaces = isEverything(term.namespaceSelector);
  }

  /** AffinityTerm.Matches(existingPod, nil) after the namespaceSelector was merged. */
  matches(pod: PodInfo): boolean {
    return this.reaches(pod.namespace) && selectorMatches(this.term.selector, podLabels(pod));
  }

  /** The namespace is named, or (known to the lister) selected by the namespaceSelector. */
  reaches(namespace: string): boolean {
    const t = this.term;
    if (this.allNamespaces || t.namespaces.includes(namespace)) return true;
    if (t.namespaceSelector === null) return false;
    let hit = this.selected.get(namespace);
    if (hit === undefined) {
      const labels = this.lister.namespaceLabels(namespace);
      hit = labels !== undefined && selectorMatches(t.namespaceSelector, labels);
      this.selected.set(namespace, hit);
    }
    return hit;
  }
}

export function incomingTerms(terms: readonly (AffinityTerm | WeightedAffinityTerm)[], lister: ClusterLister, interner: Interner): IncomingTerm[] {
  return terms.map((t) => new IncomingTerm(t, lister, interner));
}

const queryCache = new WeakMap<LabelRequirement[], Map<string | null, PodQuery>>();

/** The query for one selector and namespace, the same object every cycle (the index keys it once). */
function queryOf(selector: LabelRequirement[], namespace: string | null): PodQuery {
  let byNamespace = queryCache.get(selector);
  if (byNamespace === undefined) {
    byNamespace = new Map();
    queryCache.set(selector, byNamespace);
  }
  let q = byNamespace.get(namespace);
  if (q === undefined) {
    q = { namespace, selector };
    byNamespace.set(namespace, q);
  }
  return q;
}

/**
 * The pods matching every one of the terms (podMatchesAllAffinityTerms; one
 * term: AffinityTerm.Matches), as queries over distinct namespaces, for the
 * pod index. Empty when no pod can match (no terms, a nil selector).
 */
export function queriesFor(terms: readonly IncomingTerm[], index: PodIndex): PodQuery[] {
  if (terms.length === 0) return [];
  let selector: LabelRequirement[] | undefined;
  for (const t of terms) {
    if (t.term.selector === null) return [];
    selector = selector === undefined ? t.term.selector : [...selector, ...t.term.selector];
  }
  const narrowing = terms.filter((t) => !t.allNamespaces);
  if (narrowing.length === 0) return [queryOf(selector!, null)];
  // A namespace must be reached by the first narrowing term: named by it, or selected (then it has pods).
  const first = narrowing[0]!;
  const candidates = new Set(first.term.namespaces);
  if (first.term.namespaceSelector !== null) for (const ns of index.namespaces()) candidates.add(ns);
  const out: PodQuery[] = [];
  for (const ns of candidates) if (narrowing.every((t) => t.reaches(ns))) out.push(queryOf(selector!, ns));
  return out;
}

/** podMatchesAllAffinityTerms: false for no terms. */
export function matchesAll(terms: readonly IncomingTerm[], pod: PodInfo): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!t.matches(pod)) return false;
  return true;
}

// --- existing pods' terms, grouped --------------------------------------------------------

const termKeys = new WeakMap<AffinityTerm, string>();

/** Identifies a term by what decides which pods it selects and where. */
function termKey(t: AffinityTerm): string {
  let key = termKeys.get(t);
  if (key === undefined) {
    key = JSON.stringify([t.topologyKey, t.namespaces, t.namespaceSelector, t.selector]);
    termKeys.set(t, key);
  }
  return key;
}

function hasPodAffinity(pod: PodInfo): boolean {
  const a = pod.pod.spec?.affinity;
  return Boolean(a?.podAffinity || a?.podAntiAffinity);
}

type Entries<T> = readonly { key: string; value: T }[];
const NO_ENTRIES: Entries<never> = Object.freeze([]);

function memoized<T>(classify: (pod: PodInfo) => Entries<T>): (pod: PodInfo) => Entries<T> {
  const memo = new WeakMap<PodInfo, Entries<T>>();
  return (pod) => {
    if (!hasPodAffinity(pod)) return NO_ENTRIES;
    let entries = memo.get(pod);
    if (entries === undefined) {
      entries = classify(pod);
      memo.set(pod, entries);
    }
    return entries;
  };
}

/** Existing pods by their required anti-affinity terms (the symmetry rule of PreFilter). */
export const requiredAntiAffinityTerms: PodClassifier<AffinityTerm> = {
  name: 'InterPodAffinity/requiredAntiAffinity',
  classify: memoized((pod) => podTerms.of(pod).requiredAntiAffinity.map((t) => ({ key: termKey(t), value: t }))),
};

/** An existing pod's term as PreScore weighs it. */
export interface ScoringTerm {
  term: AffinityTerm;
  /** A required affinity term: weighs hardPodAffinityWeight. */
  required: boolean;
  /** Preferred terms: the weight, negative for anti-affinity. */
  weight: number;
}

/** Existing pods by the terms PreScore weighs: required affinity, preferred affinity and anti-affinity. */
export const scoringTerms: PodClassifier<ScoringTerm> = {
  name: 'InterPodAffinity/scoring',
  classify: memoized((pod) => {
    const terms = podTerms.of(pod);
    const out: { key: string; value: ScoringTerm }[] = [];
    for (const t of terms.requiredAffinity) out.push({ key: `required ${termKey(t)}`, value: { term: t, required: true, weight: 0 } });
    for (const t of terms.preferredAffinity) out.push({ key: `${t.weight} ${termKey(t)}`, value: { term: t, required: false, weight: t.weight } });
    for (const t of terms.preferredAntiAffinity) out.push({ key: `${-t.weight} ${termKey(t)}`, value: { term: t, required: false, weight: -t.weight } });
    return out;
  }),
};
