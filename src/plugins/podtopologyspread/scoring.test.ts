// Ported from upstream pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go
// (TestPreScoreSkip, TestPreScoreStateEmptyNodes, TestPodTopologySpreadScore)
// with NodeInclusionPolicy and MatchLabelKeys on (their feature-gate-off
// cases are left out). Upstream's Service and ReplicaSet objects become the
// pod's controller owner reference (README: default constraints).
import type { LabelSelector, Node, Pod, TopologySpreadConstraint } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import type { Interner } from '../../framework/node-view.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle, type PodBuilder } from '../../testing/builders.ts';
import type { PodTopologySpreadArgs } from './args.ts';
import { factory, preScoreStateKey } from './pod-topology-spread.ts';
import type { PreScoreState } from './state.ts';

const fooSelector: LabelSelector = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };
const barSelector: LabelSelector = { matchExpressions: [{ key: 'bar', operator: 'Exists' }] };
const HOSTNAME = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const DNS = 'DoNotSchedule';
const SA = 'ScheduleAnyway';
const SYSTEM: PodTopologySpreadArgs = { defaultingType: 'System', defaultConstraints: [] };
const LIST: PodTopologySpreadArgs = { defaultingType: 'List', defaultConstraints: [] };
const FOO = { foo: '' };
const BAR = { bar: '' };
const FOO_BAR = { foo: '', bar: '' };

interface SpreadOptions {
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

function spread(maxSkew: number, topologyKey: string, whenUnsatisfiable: string, labelSelector: LabelSelector | undefined, o: SpreadOptions = {}): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable, ...(labelSelector ? { labelSelector } : {}), ...o };
}

/** A node with exactly these labels (upstream's st.MakeNode has no hostname label unless given). */
function node(nodeName: string, labels: Record<string, string>, tainted = false): Node {
  const b = makeNode(nodeName);
  if (tainted) b.taint('node.kubernetes.io/unschedulable', '', 'NoSchedule');
  const n = b.obj();
  n.metadata!.labels = { ...labels };
  return n;
}

/** Nodes labelled with their name as kubernetes.io/hostname, and more labels. */
function hosts(names: string[], labels: (n: string) => Record<string, string> = () => ({})): Node[] {
  return names.map((n) => node(n, { [HOSTNAME]: n, ...labels(n) }));
}

function pod(podName: string, nodeName: string, labels: Record<string, string> = {}, namespace = 'default'): Pod {
  const b = makePod(podName, namespace).node(nodeName);
  for (const [k, v] of Object.entries(labels)) b.label(k, v);
  return b.obj();
}

/** count pods named prefix1..prefixN on nodeName with these labels. */
function pods(prefix: string, nodeName: string, count: number, labels: Record<string, string> = FOO): Pod[] {
  return Array.from({ length: count }, (_, i) => pod(`${prefix}${i + 1}`, nodeName, labels));
}

function incoming(labels: Record<string, string>, constraints: TopologySpreadConstraint[], more?: (b: PodBuilder) => void): PodInfo {
  const b = makePod('p');
  for (const [k, v] of Object.entries(labels)) b.label(k, v);
  for (const c of constraints) b.spreadConstraint(c);
  more?.(b);
  return b.info();
}

/** The pod, owned by a ReplicaSet (or another controller kind). */
function owned(p: Pod, uid = 'rs1', kind = 'ReplicaSet', apiVersion = 'apps/v1'): Pod {
  const raw = structuredClone(p);
  raw.metadata!.ownerReferences = [{ apiVersion, kind, name: uid, uid, controller: true }];
  return raw;
}

function ownedInfo(p: PodInfo, uid?: string, kind?: string, apiVersion?: string): PodInfo {
  return newPodInfo(owned(p.pod, uid, kind, apiVersion));
}

// --- TestPreScoreSkip ---------------------------------------------------------------------

describe('PodTopologySpread PreScore Skip (upstream TestPreScoreSkip)', () => {
  test.each<[string, PodInfo, PodTopologySpreadArgs, Node[]]>([
    ["the pod doesn't have soft topology spread Constraints", incoming({}, []), LIST, hosts(['node-a', 'node-b'])],
    [
      // Upstream: "default constraints and a replicaset that doesn't match" (its owner is not in the lister).
      'default constraints and a pod without a ReplicationController, ReplicaSet or StatefulSet controller',
      ownedInfo(incoming({ foo: 'bar', baz: 'sup' }, []), 'job-1', 'Job', 'batch/v1'),
      { defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: 'planet', whenUnsatisfiable: SA }] },
      [node('node-a', { planet: 'mars' })],
    ],
    ['system default constraints and a pod without a controller', incoming({ foo: 'bar' }, []), SYSTEM, hosts(['node-a'])],
    ['the pod has only hard constraints', incoming(FOO, [spread(1, 'zone', DNS, fooSelector)]), LIST, hosts(['node-a'])],
    ['no nodes', incoming(FOO, [spread(1, 'zone', SA, fooSelector)]), LIST, []],
  ])('%s', (_name, p, args, nodes) => {
    const snap = buildSnapshot(nodes);
    const plugin = factory(args, testHandle({ lister: snap.lister }));
    const state = new CycleState();
    const feasible = Int32Array.from(nodes.map((n) => snap.table.indexOf(n.metadata!.name!)));
    expect(plugin.preScore(state, p, snap.table, feasible)?.code).toBe(Code.Skip);
    expect(state.read(preScoreStateKey)).toBeUndefined();
  });
});

// --- TestPreScoreStateEmptyNodes ---------------------------------------------------------

interface WantScoreConstraint {
  maxSkew: number;
  /** kubernetes.io/hostname: the nodes counted (the feasible ones that Score will see). */
  nodes?: string[];
  /** Domain counts by topology value (not for kubernetes.io/hostname, which is counted per node). */
  counts?: Record<string, number>;
  /** ln(size + 2). */
  size: number;
}

function summarize(s: PreScoreState, interner: Interner, nodeName: (index: number) => string): { constraints: WantScoreConstraint[]; ignored: string[] } {
  return {
    constraints: s.constraints.map((c) => ({
      maxSkew: c.maxSkew,
      ...(c.perNode ? { nodes: c.keys.map(nodeName) } : { counts: Object.fromEntries(c.keys.map((k, i) => [k >= 0 ? interner.string(k) : '', c.counts[i]!])) }),
      size: Math.round(Math.exp(c.weight) - 2),
    })),
    ignored: s.ignored.map(nodeName),
  };
}

interface PreScoreCase {
  name: string;
  pod: PodInfo;
  nodes: Node[];
  /** Nodes that failed Filter. */
  failed?: Node[];
  existing?: Pod[];
  args?: PodTopologySpreadArgs;
  want: { constraints: WantScoreConstraint[]; ignored?: string[] };
}

const policyNodes = (taintX = false) => [
  node('node-a', { zone: 'zone1', foo: '', [HOSTNAME]: 'node-a' }),
  node('node-b', { zone: 'zone1', foo: '', [HOSTNAME]: 'node-b' }),
  node('node-x', { zone: 'zone2', [HOSTNAME]: 'node-x' }, taintX),
];
const zones12 = { constraints: [{ maxSkew: 1, counts: { zone1: 0, zone2: 0 }, size: 2 }] };

const preScoreCases: PreScoreCase[] = [
  {
    name: 'normal case',
    pod: incoming(FOO, [spread(1, 'zone', SA, fooSelector), spread(1, HOSTNAME, SA, fooSelector)]),
    nodes: hosts(['node-a', 'node-b', 'node-x'], (n) => ({ zone: n === 'node-x' ? 'zone2' : 'zone1' })),
    want: { constraints: [{ maxSkew: 1, counts: { zone1: 0, zone2: 0 }, size: 2 }, { maxSkew: 1, nodes: ['node-a', 'node-b', 'node-x'], size: 3 }] },
  },
  {
    name: 'null selector',
    pod: incoming(FOO, [spread(1, 'zone', SA, undefined)]),
    nodes: hosts(['node-a', 'node-b', 'node-x'], (n) => ({ zone: n === 'node-x' ? 'zone2' : 'zone1' })),
    want: zones12,
  },
  {
    name: "node-x doesn't have label zone",
    pod: incoming(FOO, [spread(1, 'zone', SA, fooSelector), spread(1, HOSTNAME, SA, barSelector)]),
    nodes: [...hosts(['node-a', 'node-b'], () => ({ zone: 'zone1' })), node('node-x', { [HOSTNAME]: 'node-x' })],
    want: { constraints: [{ maxSkew: 1, counts: { zone1: 0 }, size: 1 }, { maxSkew: 1, nodes: ['node-a', 'node-b'], size: 2 }], ignored: ['node-x'] },
  },
  {
    // Nodes with no zone are not excluded: they are one more zone, "".
    name: 'system default constraints and a replicaset',
    pod: ownedInfo(incoming({ foo: 'tar', baz: 'sup' }, [])),
    nodes: [...hosts(['node-a', 'node-b'], () => ({ [ZONE]: 'mars' })), ...hosts(['node-c', 'node-d'])],
    args: SYSTEM,
    want: { constraints: [{ maxSkew: 3, nodes: ['node-a', 'node-b', 'node-c', 'node-d'], size: 4 }, { maxSkew: 5, counts: { mars: 0, '': 0 }, size: 2 }] },
  },
  {
    name: 'default constraints and a replicaset',
    pod: ownedInfo(incoming({ foo: 'tar', baz: 'sup' }, [])),
    nodes: [node('node-a', { rack: 'rack1', [HOSTNAME]: 'node-a', planet: 'mars' })],
    args: {
      defaultingType: 'List',
      defaultConstraints: [
        { maxSkew: 1, topologyKey: HOSTNAME, whenUnsatisfiable: SA },
        { maxSkew: 2, topologyKey: 'rack', whenUnsatisfiable: DNS },
        { maxSkew: 2, topologyKey: 'planet', whenUnsatisfiable: SA },
      ],
    },
    want: { constraints: [{ maxSkew: 1, nodes: ['node-a'], size: 1 }, { maxSkew: 2, counts: { mars: 0 }, size: 1 }] },
  },
  {
    name: 'default constraints and a replicaset, but pod has constraints',
    pod: ownedInfo(incoming({ foo: 'bar', baz: 'sup' }, [spread(1, 'zone', DNS, barSelector), spread(2, 'planet', SA, { matchLabels: { baz: 'sup' } })])),
    nodes: [node('node-a', { planet: 'mars', galaxy: 'andromeda' })],
    args: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: 'galaxy', whenUnsatisfiable: SA }] },
    want: { constraints: [{ maxSkew: 2, counts: { mars: 0 }, size: 1 }] },
  },
  {
    name: 'NodeAffinityPolicy honored with labelSelectors',
    pod: incoming(FOO, [spread(1, 'zone', SA, barSelector)], (b) => b.nodeSelector({ foo: '' })),
    nodes: policyNodes(),
    want: zones12,
  },
  {
    name: 'NodeAffinityPolicy ignored with labelSelectors',
    pod: incoming(FOO, [spread(1, 'zone', SA, barSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeSelector({ foo: '' })),
    nodes: policyNodes(),
    want: zones12,
  },
  {
    name: 'NodeAffinityPolicy honored with nodeAffinity',
    pod: incoming(FOO, [spread(1, 'zone', SA, barSelector)], (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    nodes: policyNodes(),
    want: zones12,
  },
  {
    name: 'NodeAffinityPolicy ignored with nodeAffinity',
    pod: incoming(FOO, [spread(1, 'zone', SA, barSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    nodes: policyNodes(),
    want: zones12,
  },
  {
    name: 'NodeTaintsPolicy honored',
    pod: incoming(FOO, [spread(1, 'zone', SA, barSelector, { nodeTaintsPolicy: 'Honor' })]),
    nodes: policyNodes(true),
    want: zones12,
  },
  {
    name: 'NodeTaintsPolicy ignored',
    pod: incoming(FOO, [spread(1, 'zone', SA, barSelector)]),
    nodes: policyNodes(true),
    want: zones12,
  },
  // Berth
  {
    name: 'only the domains of feasible nodes are counted, with the pods of every node in them',
    pod: incoming(FOO, [spread(1, 'zone', SA, fooSelector)]),
    nodes: [node('node-a', { zone: 'zone1' })],
    failed: [node('node-b', { zone: 'zone1' }), node('node-y', { zone: 'zone2' })],
    existing: [...pods('p-b', 'node-b', 2), ...pods('p-y', 'node-y', 3)],
    want: { constraints: [{ maxSkew: 1, counts: { zone1: 2 }, size: 1 }] },
  },
  {
    name: 'hostname: the pods of each feasible node, and no other node',
    pod: incoming(FOO, [spread(1, HOSTNAME, SA, fooSelector)]),
    nodes: hosts(['node-b', 'node-a']),
    failed: hosts(['node-y']),
    existing: [...pods('p-a', 'node-a', 2), ...pods('p-y', 'node-y', 3)],
    want: { constraints: [{ maxSkew: 1, nodes: ['node-b', 'node-a'], size: 2 }] },
  },
];

describe('PodTopologySpread PreScore state (upstream TestPreScoreStateEmptyNodes)', () => {
  test.each(preScoreCases.map((tc) => [tc.name, tc] as const))('%s', (_name, tc) => {
    const snap = buildSnapshot([...tc.nodes, ...(tc.failed ?? [])], tc.existing ?? []);
    const plugin = factory(tc.args ?? LIST, testHandle({ lister: snap.lister }));
    const state = new CycleState();
    const feasible = Int32Array.from(tc.nodes.map((n) => snap.table.indexOf(n.metadata!.name!)));
    expect(plugin.preScore(state, tc.pod, snap.table, feasible)).toBeNull();
    const s = state.read<PreScoreState>(preScoreStateKey)!;
    expect(summarize(s, snap.table.interner, (i) => snap.table.view(i).name())).toEqual({ ignored: [], ...tc.want });
  });
});

// --- TestPodTopologySpreadScore ---------------------------------------------------------

interface ScoreCase {
  name: string;
  pod: PodInfo;
  existing?: Pod[];
  /** Feasible nodes. */
  nodes: Node[];
  /** Nodes that failed Filter (nodes + failedNodes = all nodes). */
  failedNodes?: Node[];
  args?: PodTopologySpreadArgs;
  want: Record<string, number>;
}

const abcd = () => hosts(['node-a', 'node-b', 'node-c', 'node-d']);
const spread2103 = () => [...pods('p-a', 'node-a', 2), ...pods('p-b', 'node-b', 1), ...pods('p-d', 'node-d', 3)];
const spread4321 = () => [...pods('p-a', 'node-a', 4), ...pods('p-b', 'node-b', 3), ...pods('p-c', 'node-c', 2), ...pods('p-d', 'node-d', 1)];
const spread4213 = () => [...pods('p-a', 'node-a', 4), ...pods('p-b', 'node-b', 2), ...pods('p-x', 'node-x', 1), ...pods('p-y', 'node-y', 3)];
const zoneHosts = (names: string[]) => hosts(names, (n) => ({ zone: n === 'node-a' || n === 'node-b' ? 'zone1' : 'zone2' }));
const policyScoreNodes = (taintC = false) => [
  node('node-a', { node: 'node-a', foo: '' }),
  node('node-b', { node: 'node-b', foo: '' }),
  node('node-c', { node: 'node-c' }, taintC),
];
const policyScorePods = () => [...pods('p-a', 'node-a', 2), ...pods('p-b', 'node-b', 1), ...pods('p-c', 'node-c', 1)];
const onHost = (n: number) => [spread(n, HOSTNAME, SA, fooSelector)];

const scoreCases: ScoreCase[] = [
  {
    name: 'one constraint on node, no existing pods',
    pod: incoming(FOO, onHost(1)),
    nodes: hosts(['node-a', 'node-b']),
    want: { 'node-a': 100, 'node-b': 100 },
  },
  {
    name: 'one constraint on node, only one node is candidate',
    pod: incoming(FOO, onHost(1)),
    existing: [...pods('p-a', 'node-a', 2), ...pods('p-b', 'node-b', 1)],
    nodes: hosts(['node-a']),
    failedNodes: hosts(['node-b']),
    want: { 'node-a': 100 },
  },
  {
    name: 'one constraint on node, all nodes have the same number of matching pods',
    pod: incoming(FOO, onHost(1)),
    existing: [...pods('p-a', 'node-a', 1), ...pods('p-b', 'node-b', 1)],
    nodes: hosts(['node-a', 'node-b']),
    want: { 'node-a': 100, 'node-b': 100 },
  },
  {
    name: 'one constraint on node, all 4 nodes are candidates',
    pod: incoming(FOO, onHost(1)),
    existing: spread2103(),
    nodes: abcd(),
    want: { 'node-a': 20, 'node-b': 60, 'node-c': 100, 'node-d': 0 },
  },
  {
    name: 'one constraint on node, null selector',
    pod: incoming(FOO, [spread(1, HOSTNAME, SA, undefined)]),
    existing: spread2103(),
    nodes: abcd(),
    want: { 'node-a': 100, 'node-b': 100, 'node-c': 100, 'node-d': 100 },
  },
  {
    name: 'one constraint on node, all 4 nodes are candidates, maxSkew=2',
    pod: incoming(FOO, onHost(2)),
    existing: spread2103(),
    nodes: abcd(),
    want: { 'node-a': 33, 'node-b': 66, 'node-c': 100, 'node-d': 16 },
  },
  {
    name: 'one constraint on node, all 4 nodes are candidates, maxSkew=3',
    pod: incoming(FOO, onHost(3)),
    existing: spread4321(),
    nodes: abcd(),
    want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
  },
  {
    // Upstream: "system defaulting, nodes don't have zone, pods match service"; here the pods share the incoming pod's ReplicaSet.
    name: "system defaulting, nodes don't have zone, pods share the controller",
    pod: ownedInfo(incoming(FOO, [])),
    existing: spread4321().map((p) => owned(p)),
    nodes: abcd(),
    args: SYSTEM,
    want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
  },
  {
    name: 'one constraint on node, 3 out of 4 nodes are candidates',
    pod: incoming(FOO, onHost(1)),
    existing: spread4213(),
    nodes: hosts(['node-a', 'node-b', 'node-x']),
    failedNodes: hosts(['node-y']),
    want: { 'node-a': 33, 'node-b': 83, 'node-x': 100 },
  },
  {
    name: "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
    pod: incoming(FOO, onHost(1)),
    existing: spread4213(),
    nodes: [...hosts(['node-a']), node('node-b', { n: 'node-b' }), ...hosts(['node-x'])],
    failedNodes: hosts(['node-y']),
    want: { 'node-a': 16, 'node-b': 0, 'node-x': 100 },
  },
  {
    name: 'one constraint on zone, 3 out of 4 nodes are candidates',
    pod: incoming(FOO, [spread(1, 'zone', SA, fooSelector)]),
    existing: spread4213(),
    nodes: zoneHosts(['node-a', 'node-b', 'node-x']),
    failedNodes: zoneHosts(['node-y']),
    want: { 'node-a': 75, 'node-b': 75, 'node-x': 100 },
  },
  {
    name: 'two Constraints on zone and node, 2 out of 4 nodes are candidates',
    pod: incoming(FOO, [spread(1, 'zone', SA, fooSelector), spread(1, HOSTNAME, SA, fooSelector)]),
    existing: [...pods('p-a', 'node-a', 2), ...pods('p-b', 'node-b', 1), ...pods('p-x', 'node-x', 2), ...pods('p-y', 'node-y', 4)],
    nodes: zoneHosts(['node-a', 'node-x']),
    failedNodes: zoneHosts(['node-b', 'node-y']),
    want: { 'node-a': 100, 'node-x': 63 },
  },
  {
    name: 'two Constraints on zone, 2 out of 4 nodes are candidates',
    pod: incoming(FOO_BAR, [spread(1, 'zone', SA, fooSelector), spread(1, 'zone', SA, barSelector)]),
    existing: [
      pod('p-a1', 'node-a', FOO_BAR),
      pod('p-a2', 'node-a', FOO),
      pod('p-b1', 'node-b', FOO_BAR),
      pod('p-y1', 'node-y', FOO),
      pod('p-y2', 'node-y', FOO_BAR),
      pod('p-y3', 'node-y', FOO),
    ],
    nodes: [node('node-a', { zone: 'zone1' }), node('node-x', { zone: 'zone2' })],
    failedNodes: [node('node-b', { zone: 'zone1' }), node('node-y', { zone: 'zone2' })],
    want: { 'node-a': 85, 'node-x': 100 },
  },
  {
    // zone: 2/2/1/1 matching pods; node: 0/1/0/1.
    name: 'two Constraints on zone and node, with different labelSelectors',
    pod: incoming(FOO_BAR, [spread(1, 'zone', SA, fooSelector), spread(1, HOSTNAME, SA, barSelector)]),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO_BAR), pod('p-y1', 'node-y', FOO), pod('p-y2', 'node-y', BAR)],
    nodes: zoneHosts(['node-a', 'node-b', 'node-x', 'node-y']),
    want: { 'node-a': 60, 'node-b': 20, 'node-x': 100, 'node-y': 60 },
  },
  {
    name: 'two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods',
    pod: incoming(FOO_BAR, [spread(1, 'zone', SA, fooSelector), spread(1, HOSTNAME, SA, barSelector)]),
    existing: [pod('p-b1', 'node-b', BAR), pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO_BAR)],
    nodes: zoneHosts(['node-a', 'node-b', 'node-x', 'node-y']),
    want: { 'node-a': 100, 'node-b': 60, 'node-x': 40, 'node-y': 0 },
  },
  {
    name: 'two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates',
    pod: incoming(FOO_BAR, [spread(1, 'zone', SA, fooSelector), spread(1, HOSTNAME, SA, barSelector)]),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO_BAR), pod('p-y1', 'node-y', FOO), pod('p-y2', 'node-y', BAR)],
    nodes: zoneHosts(['node-a', 'node-b', 'node-x']),
    failedNodes: zoneHosts(['node-y']),
    want: { 'node-a': 50, 'node-b': 25, 'node-x': 100 },
  },
  {
    name: 'existing pods in a different namespace do not count',
    pod: incoming(FOO, onHost(1)),
    existing: [pod('p-a1', 'node-a', FOO, 'ns1'), pod('p-a2', 'node-a', FOO), ...pods('p-b', 'node-b', 2)],
    nodes: hosts(['node-a', 'node-b']),
    want: { 'node-a': 100, 'node-b': 33 },
  },
  {
    name: 'terminating Pods should be excluded',
    pod: incoming(FOO, onHost(1)),
    existing: [terminating(pod('p-a', 'node-a', FOO)), pod('p-b', 'node-b', FOO)],
    nodes: hosts(['node-a', 'node-b']),
    want: { 'node-a': 100, 'node-b': 0 },
  },
  {
    // Artificial: the API rejects minDomains with ScheduleAnyway.
    name: 'minDomains has no effect when ScheduleAnyway',
    pod: incoming(FOO, [spread(2, 'node', SA, fooSelector, { minDomains: 10 })]),
    existing: [...pods('p-a', 'node-a', 2), ...pods('p-b', 'node-b', 2), ...pods('p-c', 'node-c', 1)],
    nodes: ['node-a', 'node-b', 'node-c'].map((n) => node(n, { node: n })),
    want: { 'node-a': 75, 'node-b': 75, 'node-c': 100 },
  },
  {
    name: 'NodeAffinityPolicy honoed with labelSelectors',
    pod: incoming(FOO, [spread(1, 'node', SA, fooSelector)], (b) => b.nodeSelector({ foo: '' })),
    existing: policyScorePods(),
    nodes: policyScoreNodes(),
    want: { 'node-a': 0, 'node-b': 33, 'node-c': 100 },
  },
  {
    name: 'NodeAffinityPolicy ignored with labelSelectors',
    pod: incoming(FOO, [spread(1, 'node', SA, fooSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeSelector({ foo: '' })),
    existing: policyScorePods(),
    nodes: policyScoreNodes(),
    want: { 'node-a': 66, 'node-b': 100, 'node-c': 100 },
  },
  {
    name: 'NodeAffinityPolicy honoed with nodeAffinity',
    pod: incoming(FOO, [spread(1, 'node', SA, fooSelector)], (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    existing: policyScorePods(),
    nodes: policyScoreNodes(),
    want: { 'node-a': 0, 'node-b': 33, 'node-c': 100 },
  },
  {
    name: 'NodeAffinityPolicy ignored with nodeAffinity',
    pod: incoming(FOO, [spread(1, 'node', SA, fooSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    existing: policyScorePods(),
    nodes: policyScoreNodes(),
    want: { 'node-a': 66, 'node-b': 100, 'node-c': 100 },
  },
  {
    name: 'NodeTaintsPolicy honored',
    pod: incoming(FOO, [spread(1, 'node', SA, fooSelector, { nodeTaintsPolicy: 'Honor' })]),
    existing: policyScorePods(),
    nodes: policyScoreNodes(true),
    want: { 'node-a': 0, 'node-b': 33, 'node-c': 100 },
  },
  {
    name: 'NodeTaintsPolicy ignored',
    pod: incoming(FOO, [spread(1, 'node', SA, fooSelector)]),
    existing: policyScorePods(),
    nodes: policyScoreNodes(true),
    want: { 'node-a': 66, 'node-b': 100, 'node-c': 100 },
  },
  {
    name: 'matchLabelKeys ANDed with LabelSelector when LabelSelector is empty',
    pod: incoming(FOO_BAR, [spread(1, 'zone', SA, {}, { matchLabelKeys: ['foo'] }), spread(1, HOSTNAME, SA, {}, { matchLabelKeys: ['bar'] })]),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO_BAR), pod('p-y1', 'node-c', FOO), pod('p-y2', 'node-c', BAR)],
    nodes: hosts(['node-a', 'node-b', 'node-c', 'node-d'], (n) => ({ zone: n === 'node-a' || n === 'node-b' ? 'zone1' : 'zone2' })),
    want: { 'node-a': 60, 'node-b': 20, 'node-c': 60, 'node-d': 100 },
  },
  {
    name: "matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
    pod: incoming({ foo: '', bar: '', baz: '' }, [spread(1, 'zone', SA, fooSelector), spread(1, HOSTNAME, SA, barSelector, { matchLabelKeys: ['baz'] })]),
    existing: [
      pod('p-a1', 'node-a', FOO),
      pod('p-b1', 'node-b', { foo: '', bar: '', baz: '' }),
      pod('p-c1', 'node-c', FOO),
      pod('p-c2', 'node-c', BAR),
      pod('p-d3', 'node-c', { bar: '', baz: '' }),
    ],
    nodes: hosts(['node-a', 'node-b', 'node-c', 'node-d'], (n) => ({ zone: n === 'node-a' || n === 'node-b' ? 'zone1' : 'zone2' })),
    want: { 'node-a': 60, 'node-b': 20, 'node-c': 60, 'node-d': 100 },
  },
  // Berth
  {
    name: 'system defaulting: nodes without a zone still get hostname spreading',
    pod: ownedInfo(incoming(FOO, [])),
    existing: [...pods('p-a', 'node-a', 2), ...pods('p-c', 'node-c', 1)].map((p) => owned(p)),
    nodes: [...hosts(['node-a', 'node-b'], () => ({ [ZONE]: 'z1' })), ...hosts(['node-c'])],
    args: SYSTEM,
    // hostname ln5, zone ln4 over {z1, ""}: a 2·ln5+2 + 2·ln4+4 ≈ 12, b 2 + 2·ln4+4 ≈ 9, c (no zone term) ln5+2 ≈ 4.
    want: { 'node-a': 33, 'node-b': 58, 'node-c': 100 },
  },
  {
    name: 'List defaulting: nodes without every key are ignored',
    pod: ownedInfo(incoming(FOO, [])),
    existing: [...pods('p-a', 'node-a', 2), ...pods('p-c', 'node-c', 1)].map((p) => owned(p)),
    nodes: [...hosts(['node-a', 'node-b'], () => ({ [ZONE]: 'z1' })), ...hosts(['node-c'])],
    args: {
      defaultingType: 'List',
      defaultConstraints: [
        { maxSkew: 3, topologyKey: HOSTNAME, whenUnsatisfiable: SA },
        { maxSkew: 5, topologyKey: ZONE, whenUnsatisfiable: SA },
      ],
    },
    // node-c is ignored; hostname ln4, zone ln3: a 2·ln4+2 + 2·ln3+4 ≈ 11, b 2 + 2·ln3+4 ≈ 8.
    want: { 'node-a': 72, 'node-b': 100, 'node-c': 0 },
  },
];

function terminating(p: Pod): Pod {
  p.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
  return p;
}

function runScore(tc: ScoreCase, clone = false): Record<string, number> {
  const all = [...tc.nodes, ...(tc.failedNodes ?? [])];
  const snap = buildSnapshot(all, tc.existing ?? []);
  const plugin = factory(tc.args ?? SYSTEM, testHandle({ lister: snap.lister }));
  let state = new CycleState();
  const names = tc.nodes.map((n) => n.metadata!.name!);
  const feasible = Int32Array.from(names.map((n) => snap.table.indexOf(n)));
  expect(plugin.preScore(state, tc.pod, snap.table, feasible)).toBeNull();
  if (clone) {
    const copy = new CycleState();
    copy.write(preScoreStateKey, structuredClone(state.read(preScoreStateKey)));
    state = copy;
  }
  const scores = new Float64Array(names.length);
  const view = snap.table.view(feasible[0]!);
  for (let i = 0; i < names.length; i++) scores[i] = plugin.score(state, tc.pod, view.at(feasible[i]!));
  expect(plugin.normalizeScore(state, tc.pod, scores, feasible, names.length)).toBeNull();
  return Object.fromEntries(names.map((n, i) => [n, scores[i]!]));
}

describe('PodTopologySpread Score (upstream TestPodTopologySpreadScore)', () => {
  test.each(scoreCases.map((tc) => [tc.name, tc] as const))('%s', (_name, tc) => {
    expect(runScore(tc)).toEqual(tc.want);
  });
});

describe('PodTopologySpread Score (Berth)', () => {
  test('the state is plain data: a structuredClone scores the same (worker threads get a copy)', () => {
    for (const tc of scoreCases) expect(runScore(tc, true)).toEqual(tc.want);
  });

  test('without PreScore state, NormalizeScore is an Error and Score throws', () => {
    const snap = buildSnapshot(hosts(['node-a']));
    const plugin = factory(LIST, testHandle({ lister: snap.lister }));
    const p = incoming(FOO, onHost(1));
    expect(() => plugin.score(new CycleState(), p, snap.view('node-a'))).toThrow(`error reading "${preScoreStateKey}" from cycleState: not found`);
    expect(plugin.normalizeScore(new CycleState(), p, new Float64Array(1), Int32Array.of(0), 1)?.code).toBe(Code.Error);
  });

  test('raw scores are Σ count·ln(domains+2) + maxSkew−1, rounded', () => {
    // 2 zones: weight ln 4; zone1 holds 3 matching pods; maxSkew 2.
    const tc: ScoreCase = {
      name: 'raw',
      pod: incoming(FOO, [spread(2, 'zone', SA, fooSelector)]),
      existing: [...pods('p-a', 'node-a', 3)],
      nodes: zoneHosts(['node-a', 'node-x']),
      want: {},
    };
    const snap = buildSnapshot(tc.nodes, tc.existing);
    const plugin = factory(LIST, testHandle({ lister: snap.lister }));
    const state = new CycleState();
    plugin.preScore(state, tc.pod, snap.table, Int32Array.of(0, 1));
    expect(plugin.score(state, tc.pod, snap.view('node-a'))).toBe(Math.round(3 * Math.log(4) + 1));
    expect(plugin.score(state, tc.pod, snap.view('node-x'))).toBe(1);
  });

  test('a node lacking a topology key scores 0 raw, as upstream (not only after normalizing)', () => {
    const nodes = [...zoneHosts(['node-a']), node('node-n', { [HOSTNAME]: 'node-n' })];
    const snap = buildSnapshot(nodes, pods('p-n', 'node-n', 2));
    const plugin = factory(LIST, testHandle({ lister: snap.lister }));
    const p = incoming(FOO, [spread(1, 'zone', SA, fooSelector), spread(3, HOSTNAME, SA, fooSelector)]);
    const state = new CycleState();
    plugin.preScore(state, p, snap.table, Int32Array.of(0, 1));
    expect(plugin.score(state, p, snap.view('node-n'))).toBe(0);
    expect(plugin.score(state, p, snap.view('node-a'))).toBe(2);
  });

  test('system defaulting: a missing zone label and an empty zone value are the same domain, ""', () => {
    // upstream reads node.Labels[key] as "" for both: node-a (zone "") sees node-b's pods.
    const nodes = [
      node('node-a', { [HOSTNAME]: 'node-a', [ZONE]: '' }),
      node('node-b', { [HOSTNAME]: 'node-b' }),
      node('node-c', { [HOSTNAME]: 'node-c', [ZONE]: 'z1' }),
    ];
    const snap = buildSnapshot(nodes, pods('p-b', 'node-b', 2).map((q) => owned(q)));
    const plugin = factory(SYSTEM, testHandle({ lister: snap.lister }));
    const p = ownedInfo(incoming(FOO, []));
    const state = new CycleState();
    plugin.preScore(state, p, snap.table, Int32Array.of(0, 1, 2));
    // hostname: 0·ln5 + 2; zone "" (2 domains): 2·ln4 + 4.
    expect(plugin.score(state, p, snap.view('node-a'))).toBe(Math.round(2 + 2 * Math.log(4) + 4));
  });
});
