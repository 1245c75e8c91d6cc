// PreFilter and PreScore read the pods that terms select from the cache's pod
// index (existing pods' terms grouped by term, the incoming pod's terms as
// queries per namespace), kept as pods and nodes change. Here the states they
// build over a cluster that changes step by step are compared, after every
// step, with what the scan they replaced builds over the same snapshot
// (reference*, below: every pod of every node matched against every term),
// with the cache's index and with a lister that has none (ScanningIndex).
import type { Namespace, Node, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../../api/types.ts';
import { ClusterCache } from '../../cache/cache.ts';
import { StringInterner } from '../../cache/interner.ts';
import { ClusterObjects, SnapshotLister } from '../../cache/lister.ts';
import { NodeTable } from '../../cache/node-table.ts';
import type { ClusterLister } from '../../framework/cluster-lister.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import type { Labels } from '../../framework/label-selector.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code } from '../../framework/status.ts';
import { makeNode, makePod, testHandle } from '../../testing/builders.ts';
import type { PreFilterState } from './filtering.ts';
import { factory, preFilterStateKey, preScoreStateKey } from './inter-pod-affinity.ts';
import type { PreScoreState } from './scoring.ts';
import { incomingTerms, matchesAll, podTerms, termMatches } from './terms.ts';
import { addTo, entriesOf, isEmpty, newCounts, type TopologyCounts } from './topology.ts';
import { CacheChurn, withoutPodIndex } from '../../testing/cache-churn.ts';
import { seededRandom } from '../../testing/random.ts';

// --- the scan PreFilter and PreScore did before the pod index ---------------------------

function update(counts: TopologyCounts, keyId: number, node: NodeView, delta: number, dropZero: boolean): void {
  if (keyId < 0) return;
  const value = node.label(keyId);
  if (value >= 0) addTo(counts, keyId, value, delta, dropZero);
}

function referencePreFilter(lister: ClusterLister, pod: PodInfo, nodes: NodeTableReader): PreFilterState | null {
  const interner = nodes.interner;
  const terms = podTerms.of(pod);
  const nsLabels: Labels = lister.namespaceLabels(pod.namespace) ?? {};
  const cursor = nodes.size > 0 ? nodes.view(0) : null;
  const existing = newCounts();
  if (cursor !== null) {
    for (const { nodeIndex, pod: other } of lister.podsWithRequiredAntiAffinity()) {
      for (const t of podTerms.of(other).requiredAntiAffinity) {
        if (termMatches(t, pod, nsLabels)) update(existing, interner.lookup(t.topologyKey), cursor.at(nodeIndex), 1, true);
      }
    }
  }
  const affinity = incomingTerms(terms.requiredAffinity, lister, interner);
  const anti = incomingTerms(terms.requiredAntiAffinity, lister, interner);
  if (isEmpty(existing) && affinity.length === 0 && anti.length === 0) return null;
  const affinityKeys = affinity.map((t) => t.keyId);
  const antiAffinityKeys = [...new Set(anti.map((t) => t.keyId).filter((k) => k >= 0))];
  const affinityCounts = newCounts(affinityKeys);
  const antiAffinityCounts = newCounts(antiAffinityKeys);
  if (cursor !== null) {
    for (let i = 0; i < nodes.size; i++) {
      const node = cursor.at(i);
      for (const other of lister.podsOnNode(i)) {
        if (matchesAll(affinity, other)) for (const t of affinity) update(affinityCounts, t.keyId, node, 1, true);
        for (const t of anti) if (t.matches(other)) update(antiAffinityCounts, t.keyId, node, 1, true);
      }
    }
  }
  return { affinityKeys, antiAffinityKeys, selfMatch: matchesAll(affinity, pod), existingAntiAffinityCounts: existing, affinityCounts, antiAffinityCounts };
}

function referencePreScore(lister: ClusterLister, hardPodAffinityWeight: number, pod: PodInfo, nodes: NodeTableReader): PreScoreState | null {
  const interner = nodes.interner;
  if (nodes.size === 0) return null;
  const terms = podTerms.of(pod);
  const nsLabels: Labels = lister.namespaceLabels(pod.namespace) ?? {};
  const affinity = incomingTerms(terms.preferredAffinity, lister, interner);
  const anti = incomingTerms(terms.preferredAntiAffinity, lister, interner);
  const topologyScore = newCounts();
  const cursor = nodes.view(0);
  for (let i = 0; i < nodes.size; i++) {
    const node = cursor.at(i);
    for (const other of lister.podsOnNode(i)) {
      for (const t of affinity) if (t.matches(other)) update(topologyScore, t.keyId, node, t.weight, false);
      for (const t of anti) if (t.matches(other)) update(topologyScore, t.keyId, node, -t.weight, false);
      const theirs = podTerms.of(other);
      if (hardPodAffinityWeight > 0) {
        for (const t of theirs.requiredAffinity) if (termMatches(t, pod, nsLabels)) update(topologyScore, interner.lookup(t.topologyKey), node, hardPodAffinityWeight, false);
      }
      for (const t of theirs.preferredAffinity) if (termMatches(t, pod, nsLabels)) update(topologyScore, interner.lookup(t.topologyKey), node, t.weight, false);
      for (const t of theirs.preferredAntiAffinity) if (termMatches(t, pod, nsLabels)) update(topologyScore, interner.lookup(t.topologyKey), node, -t.weight, false);
    }
  }
  return isEmpty(topologyScore) ? null : { topologyScore };
}



/** The state with each count as sorted [key, value, n] (the order of keys is not part of its meaning). */
function normalized(s: PreFilterState | PreScoreState | undefined): unknown {
  if (s === undefined) return undefined;
  if ('topologyScore' in s) return entriesOf(s.topologyScore);
  return {
    affinityKeys: s.affinityKeys,
    antiAffinityKeys: s.antiAffinityKeys,
    selfMatch: s.selfMatch,
    existing: entriesOf(s.existingAntiAffinityCounts),
    affinity: entriesOf(s.affinityCounts),
    anti: entriesOf(s.antiAffinityCounts),
  };
}

describe('InterPodAffinity over the pod index agrees with reading every pod, as the cluster changes', () => {
  test.each([1, 2, 3, 4])('seed %i', (seed) => {
    const random = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const cache = new ClusterCache({}, { podIndex: { idleReads: 200, maxQueries: 6 } });
    const table = new NodeTable(new StringInterner(), 2);
    const objects = new ClusterObjects();
    const ns = (name: string, labels: Record<string, string>): Namespace => ({ metadata: { name, labels } });
    for (const n of [ns('a', { team: 't1' }), ns('b', { team: 't2' }), ns('c', { team: 't1' })]) objects.put(objects.namespaces, n);
    const lister = new SnapshotLister(cache, table, objects);
    const args = { hardPodAffinityWeight: pick([0, 1, 5]) };
    const indexed = factory(args, testHandle({ lister }));
    const counted = factory(args, testHandle({ lister: withoutPodIndex(lister) }));

    const names = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    const nodeObj = (name: string): Node => makeNode(name).labels(random() < 0.85 ? { zone: pick(['z0', 'z1', 'z2']), rack: pick(['r0', 'r1']) } : {}).obj();
    const term = (): PodAffinityTerm => ({
      labelSelector: pick([{ matchLabels: { app: 'x' } }, { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, { matchLabels: { app: 'y' } }]),
      topologyKey: pick(['zone', 'kubernetes.io/hostname', 'rack', 'nope']),
      ...pick([{}, {}, { namespaces: ['a', 'b'] }, { namespaceSelector: { matchLabels: { team: 't1' } } }, { namespaceSelector: {} }]),
    });
    const terms = (max: number): PodAffinityTerm[] => Array.from({ length: Math.floor(random() * (max + 1)) }, term);
    const weighted = (max: number): WeightedPodAffinityTerm[] => terms(max).map((podAffinityTerm) => ({ weight: 1 + Math.floor(random() * 5), podAffinityTerm }));
    const withTerms = (p: Pod, max: number): Pod => {
      if (random() < 0.5) return p;
      p.spec!.affinity = {
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms(max), preferredDuringSchedulingIgnoredDuringExecution: weighted(max) },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms(max), preferredDuringSchedulingIgnoredDuringExecution: weighted(max) },
      };
      return p;
    };
    const existing = (nodeName: string | undefined): PodInfo => {
      const b = makePod(`p${Math.floor(random() * 1e9)}`, pick(['a', 'b', 'c', 'd']));
      if (random() < 0.8) b.label('app', pick(['x', 'y']));
      if (nodeName) b.node(nodeName);
      return newPodInfo(withTerms(b.obj(), 1));
    };
    const incoming = (): PodInfo => {
      const b = makePod('incoming', pick(['a', 'b', 'd'])).label('app', pick(['x', 'y']));
      return newPodInfo(withTerms(b.obj(), 2));
    };

    for (const n of names.slice(0, 5)) cache.addNode(nodeObj(n));
    cache.updateSnapshot(table);
    const churn = new CacheChurn({ cache, names, random, newPod: existing, node: nodeObj, sync: () => cache.updateSnapshot(table), terminating: 0, labelled: 0.6 });

    for (let step = 0; step < 200; step++) {
      churn.step();

      for (let k = 0; k < 3; k++) {
        const pod = incoming();
        const wantPre = normalized(referencePreFilter(lister, pod, table) ?? undefined);
        const wantScore = normalized(referencePreScore(lister, args.hardPodAffinityWeight, pod, table) ?? undefined);
        const feasible = Int32Array.from({ length: table.size }, (_, i) => i);
        for (const plugin of [indexed, counted]) {
          const state = new CycleState();
          const pre = plugin.preFilter(state, pod, table);
          expect(pre.status?.code).toBe(wantPre === undefined ? Code.Skip : undefined);
          expect(normalized(state.read<PreFilterState>(preFilterStateKey))).toEqual(wantPre);
          const score = plugin.preScore(state, pod, table, feasible);
          expect(score?.code).toBe(wantScore === undefined ? Code.Skip : undefined);
          expect(normalized(state.read<PreScoreState>(preScoreStateKey))).toEqual(wantScore);
        }
      }
    }
  });
});
