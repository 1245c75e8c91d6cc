// PreFilter and PreScore read matching pods per domain from the cache's pod
// index, which keeps them as pods and nodes change. Here the states they build
// over a cluster that changes step by step (adds, assumes, forgets, removes,
// label updates, terminating pods, node changes) are compared, after every
// step, with what the scan they replaced builds over the same snapshot
// (reference*, below: every pod of every node), with the cache's index and
// with a lister that has none (ScanningIndex).
import type { Node, Pod, TopologySpreadConstraint } from '../../api/types.ts';
import { StringInterner } from '../../cache/interner.ts';
import { ClusterObjects, SnapshotLister } from '../../cache/lister.ts';
import { ClusterCache } from '../../cache/cache.ts';
import { NodeTable } from '../../cache/node-table.ts';
import type { ClusterLister } from '../../framework/cluster-lister.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code } from '../../framework/status.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { compileTolerations, hasUntoleratedTaint } from '../../framework/tolerations.ts';
import { makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { HONOR, LABEL_HOSTNAME, systemDefaultConstraints } from './args.ts';
import { podConstraints, type Constraint } from './constraints.ts';
import { SelectorKind, selectorMatches, type PodSelector } from './labels.ts';
import { compileRequiredNodeAffinity, matchesNodeAffinity } from './node-inclusion.ts';
import { factory, preFilterStateKey, preScoreStateKey } from './pod-topology-spread.ts';
import {
  MAX_INT32,
  NO_VALUE,
  criticalPathsOf,
  newCriticalPaths,
  toSortedArrays,
  updateCriticalPaths,
  type PreFilterState,
  type PreScoreState,
} from './state.ts';
import { CacheChurn, withoutPodIndex } from '../../testing/cache-churn.ts';
import { seededRandom } from '../../testing/random.ts';

// --- the scan PreFilter and PreScore did before the pod index ---------------------------

function countMatching(pods: readonly PodInfo[], selector: PodSelector, namespace: string): number {
  if (selector.kind === SelectorKind.Everything || selector.kind === SelectorKind.Nothing) return 0;
  return pods.filter((p) => p.namespace === namespace && !p.pod.metadata?.deletionTimestamp && selectorMatches(selector, p.pod)).length;
}

function hasAllKeys(keyIds: readonly number[], node: NodeView): boolean {
  return keyIds.every((k) => k >= 0 && node.label(k) >= 0);
}

function referencePreFilter(lister: ClusterLister, pod: PodInfo, constraints: readonly Constraint[], nodes: NodeTableReader): PreFilterState {
  const keyIds = constraints.map((c) => nodes.interner.lookup(c.topologyKey));
  const affinity = compileRequiredNodeAffinity(pod.pod, nodes);
  const tolerations = compileTolerations(pod.pod.spec?.tolerations, nodes.interner);
  const domains = constraints.map(() => new Map<number, number>());
  if (nodes.size > 0 && keyIds.every((k) => k >= 0)) {
    const view = nodes.view(0);
    for (let i = 0; i < nodes.size; i++) {
      view.at(i);
      if (!hasAllKeys(keyIds, view)) continue;
      constraints.forEach((c, j) => {
        if (c.nodeAffinityPolicy === HONOR && !matchesNodeAffinity(affinity, view)) return;
        if (c.nodeTaintsPolicy === HONOR && hasUntoleratedTaint(tolerations, view)) return;
        const value = view.label(keyIds[j]!);
        domains[j]!.set(value, (domains[j]!.get(value) ?? 0) + countMatching(lister.podsOnNode(i), c.selector, pod.namespace));
      });
    }
  }
  const out = constraints.map((c, j) => {
    const { keys, counts } = toSortedArrays(domains[j]!);
    const paths = newCriticalPaths();
    for (let k = 0; k < keys.length; k++) updateCriticalPaths(paths, keys[k]!, counts[k]!);
    return {
      keyId: keyIds[j]!,
      maxSkew: c.maxSkew,
      minDomains: c.minDomains,
      selfMatch: selectorMatches(c.selector, pod.pod) ? 1 : 0,
      honorAffinity: c.nodeAffinityPolicy === HONOR,
      honorTaints: c.nodeTaintsPolicy === HONOR,
      selector: c.selector,
      domains: keys,
      counts,
      paths,
    };
  });
  return { namespace: pod.namespace, constraints: out, affinity, tolerations };
}

function referencePreScore(lister: ClusterLister, pod: PodInfo, constraints: readonly Constraint[], nodes: NodeTableReader, feasible: Int32Array, requireAll: boolean): PreScoreState {
  const keyIds = constraints.map((c) => nodes.interner.lookup(c.topologyKey));
  const perNode = constraints.map((c) => c.topologyKey === LABEL_HOSTNAME);
  const emptyId = nodes.interner.lookup('');
  const missing = emptyId >= 0 ? emptyId : -2;
  const valueOf = (view: NodeView, keyId: number): number => {
    const v = keyId < 0 ? -1 : view.label(keyId);
    return v < 0 ? missing : v;
  };
  const view = nodes.view(0);
  const domains = constraints.map(() => new Map<number, number>());
  const ignored: number[] = [];
  for (const f of feasible) {
    view.at(f);
    if (requireAll && !hasAllKeys(keyIds, view)) ignored.push(f);
    else constraints.forEach((_, j) => !perNode[j] && domains[j]!.set(valueOf(view, keyIds[j]!), 0));
  }
  ignored.sort((a, b) => a - b);
  const isFeasible = new Set(feasible);
  const hostKeys = constraints.map((): number[] => []);
  const hostCounts = constraints.map((): number[] => []);
  const affinity = compileRequiredNodeAffinity(pod.pod, nodes);
  const tolerations = compileTolerations(pod.pod.spec?.tolerations, nodes.interner);
  for (let i = 0; i < nodes.size; i++) {
    view.at(i);
    if (requireAll && !hasAllKeys(keyIds, view)) continue;
    constraints.forEach((c, j) => {
      const pods = lister.podsOnNode(i);
      if (perNode[j]) {
        if (!isFeasible.has(i) || view.label(keyIds[j]!) < 0) return;
        hostKeys[j]!.push(i);
        hostCounts[j]!.push(countMatching(pods, c.selector, pod.namespace));
        return;
      }
      if (c.nodeAffinityPolicy === HONOR && !matchesNodeAffinity(affinity, view)) return;
      if (c.nodeTaintsPolicy === HONOR && hasUntoleratedTaint(tolerations, view)) return;
      const value = valueOf(view, keyIds[j]!);
      const current = domains[j]!.get(value);
      if (current !== undefined) domains[j]!.set(value, current + countMatching(pods, c.selector, pod.namespace));
    });
  }
  const scored = feasible.length - ignored.length;
  const out = constraints.map((c, j) => {
    const { keys, counts } = perNode[j] ? { keys: hostKeys[j]!, counts: hostCounts[j]! } : toSortedArrays(domains[j]!);
    return { keyId: keyIds[j]!, maxSkew: c.maxSkew, weight: Math.log((perNode[j] ? scored : domains[j]!.size) + 2), perNode: perNode[j]!, keys, counts };
  });
  return { constraints: out, ignored };
}



test('criticalPathsOf is updateCriticalPaths over distinct domains in order', () => {
  const random = seededRandom(7);
  for (let round = 0; round < 500; round++) {
    const n = Math.floor(random() * 12);
    const values = Array.from({ length: n }, (_, i) => i * 3 + 1);
    const counts = values.map(() => Math.floor(random() * 4));
    const want = newCriticalPaths();
    for (let i = 0; i < n; i++) updateCriticalPaths(want, values[i]!, counts[i]!);
    expect(criticalPathsOf(values, counts)).toEqual(want);
  }
  expect(criticalPathsOf([], [])).toEqual([NO_VALUE, MAX_INT32, NO_VALUE, MAX_INT32]);
});

describe('PodTopologySpread over the pod index agrees with counting every pod, as the cluster changes', () => {
  test.each([1, 2, 3, 4, 5, 6])('seed %i', (seed) => {
    const random = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const cache = new ClusterCache({}, { podIndex: { idleReads: 200, maxQueries: 6 } });
    const table = new NodeTable(new StringInterner(), 2);
    const lister = new SnapshotLister(cache, table, new ClusterObjects());
    // Even seeds: the System default constraints (pods without constraints spread by their controller).
    const system = seed % 2 === 0;
    const args = system ? {} : { defaultingType: 'List', defaultConstraints: [] };
    const defaults = system ? systemDefaultConstraints : [];
    const indexed = factory(args, testHandle({ lister }));
    const counted = factory(args, testHandle({ lister: withoutPodIndex(lister) }));

    const names = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    const nodeObj = (name: string): Node => {
      const b = makeNode(name).labels(random() < 0.85 ? { zone: pick(['z0', 'z1', 'z2', '']), rack: pick(['r0', 'r1']) } : {});
      if (random() < 0.6) b.label('topology.kubernetes.io/zone', pick(['z0', 'z1']));
      if (random() < 0.25) b.taint('dedicated', 'x', 'NoSchedule');
      if (random() < 0.3) b.label('disk', 'ssd');
      return b.obj();
    };
    const owner = (p: Pod, uid: string): void => {
      p.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, controller: true }];
    };
    const existing = (nodeName: string | undefined): PodInfo => {
      const b = makePod(`p${Math.floor(random() * 1e9)}`, pick(['a', 'a', 'b']));
      if (random() < 0.8) b.label('app', pick(['x', 'y']));
      if (random() < 0.3) b.label('tier', pick(['web', 'db']));
      if (nodeName) b.node(nodeName);
      const p = b.obj();
      if (random() < 0.4) owner(p, pick(['rs-1', 'rs-2']));
      if (random() < 0.1) p.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
      return newPodInfo(p);
    };
    const constraint = (): TopologySpreadConstraint => ({
      maxSkew: 1 + Math.floor(random() * 2),
      topologyKey: pick(['zone', 'kubernetes.io/hostname', 'rack', 'nope']),
      whenUnsatisfiable: pick(['DoNotSchedule', 'ScheduleAnyway']),
      labelSelector: pick([{ matchLabels: { app: 'x' } }, { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, {}]),
      ...(random() < 0.3 ? { matchLabelKeys: ['tier'] } : {}),
      ...(random() < 0.3 ? { nodeAffinityPolicy: pick(['Honor', 'Ignore']) } : {}),
      ...(random() < 0.3 ? { nodeTaintsPolicy: pick(['Honor', 'Ignore']) } : {}),
    });
    const incoming = (): PodInfo => {
      const b = makePod('incoming', pick(['a', 'b'])).label('app', 'x');
      if (random() < 0.5) b.label('tier', 'web');
      const n = Math.floor(random() * 3);
      for (let i = 0; i < n; i++) b.spreadConstraint(constraint());
      if (random() < 0.3) b.nodeSelector({ disk: 'ssd' });
      if (random() < 0.3) b.toleration({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' });
      const p = b.obj();
      if (n === 0 && random() < 0.7) owner(p, pick(['rs-1', 'rs-2']));
      return newPodInfo(p);
    };

    for (const n of names.slice(0, 5)) cache.addNode(nodeObj(n));
    cache.updateSnapshot(table);
    const churn = new CacheChurn({ cache, names, random, newPod: existing, node: nodeObj, sync: () => cache.updateSnapshot(table), terminating: 0.2, labelled: 0.6 });

    for (let step = 0; step < 200; step++) {
      churn.step();

      for (let k = 0; k < 3; k++) {
        const pod = incoming();
        const rows = Array.from({ length: table.size }, (_, i) => i).filter(() => random() < 0.7);
        if (random() < 0.3) rows.reverse();
        const feasible = Int32Array.from(rows);
        const hard = podConstraints(pod.pod, defaults, 'DoNotSchedule').constraints!;
        const soft = podConstraints(pod.pod, defaults, 'ScheduleAnyway').constraints!;
        const own = pod.pod.spec?.topologySpreadConstraints ?? [];
        const wantPre = hard.length === 0 ? undefined : referencePreFilter(lister, pod, hard, table);
        const wantScore = soft.length === 0 || table.size === 0 ? undefined : referencePreScore(lister, pod, soft, table, feasible, own.length > 0 || !system);
        for (const plugin of [indexed, counted]) {
          const state = new CycleState();
          expect(plugin.preFilter(state, pod, table).status?.code).toBe(wantPre === undefined ? Code.Skip : undefined);
          expect(state.read(preFilterStateKey)).toEqual(wantPre);
          expect(plugin.preScore(state, pod, table, feasible)?.code).toBe(wantScore === undefined ? Code.Skip : undefined);
          expect(state.read(preScoreStateKey)).toEqual(wantScore);
        }
      }
    }
  });
});
