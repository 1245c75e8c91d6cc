// Ported from upstream pkg/scheduler/framework/plugins/podtopologyspread/filtering_test.go
// (TestPreFilterState, TestPreFilterStateAddPod, TestPreFilterStateRemovePod,
// TestSingleConstraint, TestMultipleConstraints, TestPreFilterDisabled) with
// NodeInclusionPolicy and MatchLabelKeys on (their feature-gate-off cases
// are left out), plus Berth's cases: the state as plain data, the hot path,
// copy-on-write AddPod/RemovePod, default constraints from the controller.
import type { LabelSelector, Node, Pod, TopologySpreadConstraint } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import type { Interner } from '../../framework/node-view.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle, type PodBuilder, type TestSnapshot } from '../../testing/builders.ts';
import type { PodTopologySpreadArgs } from './args.ts';
import { SelectorKind } from './labels.ts';
import {
  ErrReasonConstraintsNotMatch,
  ErrReasonNodeLabelNotMatch,
  factory,
  name,
  preFilterStateKey,
  type PodTopologySpreadPlugin,
} from './pod-topology-spread.ts';
import { MAX_INT32, NO_VALUE, type PreFilterState } from './state.ts';

// --- fixtures (upstream's st.MakePod / st.MakeNode shapes) ---------------------------

const fooSelector: LabelSelector = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };
const barSelector: LabelSelector = { matchExpressions: [{ key: 'bar', operator: 'Exists' }] };
const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';
const DNS = 'DoNotSchedule';
const SA = 'ScheduleAnyway';
const LIST: PodTopologySpreadArgs = { defaultingType: 'List', defaultConstraints: [] };

interface SpreadOptions {
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

function spread(maxSkew: number, topologyKey: string, whenUnsatisfiable: string, labelSelector: LabelSelector | undefined, o: SpreadOptions = {}): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable, ...(labelSelector ? { labelSelector } : {}), ...o };
}

/** A node with these labels (and the builder's kubernetes.io/hostname); tainted: node.kubernetes.io/unschedulable:NoSchedule. */
function node(nodeName: string, labels: Record<string, string>, tainted = false): Node {
  const b = makeNode(nodeName).labels(labels);
  if (tainted) b.taint(UNSCHEDULABLE_TAINT, '', 'NoSchedule');
  return b.obj();
}

/** zone/node labelled nodes, as most upstream cases: "a:zone1" → node-a in zone1. */
function zoned(...specs: string[]): Node[] {
  return specs.map((s) => {
    const [n, zone] = s.split(':') as [string, string];
    return node(`node-${n}`, { zone, node: `node-${n}` });
  });
}

/** An existing pod bound to nodeName. */
function pod(podName: string, nodeName: string, labels: Record<string, string> = {}, namespace = 'default'): Pod {
  const b = makePod(podName, namespace).node(nodeName);
  for (const [k, v] of Object.entries(labels)) b.label(k, v);
  return b.obj();
}

const FOO = { foo: '' };
const BAR = { bar: '' };
const FOO_BAR = { foo: '', bar: '' };

/** The pod being scheduled: name "p", these labels and constraints. */
function incoming(labels: Record<string, string>, constraints: TopologySpreadConstraint[], more?: (b: PodBuilder) => void): PodInfo {
  const b = makePod('p');
  for (const [k, v] of Object.entries(labels)) b.label(k, v);
  for (const c of constraints) b.spreadConstraint(c);
  more?.(b);
  return b.info();
}

function setup(nodes: Node[], pods: Pod[], args: unknown = LIST): { snap: TestSnapshot; plugin: PodTopologySpreadPlugin } {
  const snap = buildSnapshot(nodes, pods);
  return { snap, plugin: factory(args, testHandle({ lister: snap.lister })) };
}

/** The state in upstream's terms: critical paths (ties sorted by value, as upstream's comparer) and counts per domain. */
interface WantConstraint {
  paths: [[string, number], [string, number]];
  counts: Record<string, number>;
}

function summarize(s: PreFilterState, interner: Interner): WantConstraint[] {
  const str = (id: number) => (id === NO_VALUE ? '' : interner.string(id));
  return s.constraints.map((c) => {
    let a: [string, number] = [str(c.paths[0]!), c.paths[1]!];
    let b: [string, number] = [str(c.paths[2]!), c.paths[3]!];
    if (a[1] === b[1] && a[0] > b[0]) [a, b] = [[b[0], a[1]], [a[0], b[1]]];
    return { paths: [a, b], counts: Object.fromEntries(c.domains.map((d, i) => [interner.string(d), c.counts[i]!])) };
  });
}

const EMPTY_PATHS: WantConstraint['paths'] = [
  ['', MAX_INT32],
  ['', MAX_INT32],
];

function c(paths: [string, number][], counts: Record<string, number>): WantConstraint {
  return { paths: paths as WantConstraint['paths'], counts };
}

const verdict = (s: Result) => (s === null ? null : { code: s.code, reasons: s.reasons });

// --- TestPreFilterState ------------------------------------------------------------------

interface PreFilterCase {
  name: string;
  pod: PodInfo;
  nodes: Node[];
  existing?: Pod[];
  args?: PodTopologySpreadArgs;
  want?: WantConstraint[];
  wantMaxSkews?: number[];
  wantSkip?: boolean;
}

const preFilterCases: PreFilterCase[] = [
  {
    name: 'clean cluster with one spreadConstraint',
    pod: incoming(FOO, [spread(5, 'zone', DNS, { matchLabels: { foo: 'bar' } })]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    want: [c([['zone1', 0], ['zone2', 0]], { zone1: 0, zone2: 0 })],
  },
  {
    name: 'normal case with one spreadConstraint',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-y1', 'node-y', FOO), pod('p-y2', 'node-y', FOO)],
    want: [c([['zone2', 2], ['zone1', 3]], { zone1: 3, zone2: 2 })],
  },
  {
    name: 'normal case with null label selector',
    pod: incoming(FOO, [spread(1, 'zone', DNS, undefined)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-y1', 'node-y', FOO), pod('p-y2', 'node-y', FOO)],
    want: [c([['zone1', 0], ['zone2', 0]], { zone1: 0, zone2: 0 })],
  },
  {
    name: 'normal case with one spreadConstraint, on a 3-zone cluster',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2', 'o:zone3', 'p:zone3'),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-y1', 'node-y', FOO), pod('p-y2', 'node-y', FOO)],
    want: [c([['zone3', 0], ['zone2', 2]], { zone1: 3, zone2: 2, zone3: 0 })],
  },
  {
    name: "namespace mismatch doesn't count",
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', FOO),
      pod('p-a2', 'node-a', FOO, 'ns1'),
      pod('p-b1', 'node-b', FOO),
      pod('p-y1', 'node-y', FOO, 'ns2'),
      pod('p-y2', 'node-y', FOO),
    ],
    want: [c([['zone2', 1], ['zone1', 2]], { zone1: 2, zone2: 1 })],
  },
  {
    name: 'normal case with two spreadConstraints',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, fooSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', FOO),
      pod('p-a2', 'node-a', FOO),
      pod('p-b1', 'node-b', FOO),
      pod('p-y1', 'node-y', FOO),
      pod('p-y2', 'node-y', FOO),
      pod('p-y3', 'node-y', FOO),
      pod('p-y4', 'node-y', FOO),
    ],
    want: [
      c([['zone1', 3], ['zone2', 4]], { zone1: 3, zone2: 4 }),
      c([['node-x', 0], ['node-b', 1]], { 'node-a': 2, 'node-b': 1, 'node-x': 0, 'node-y': 4 }),
    ],
  },
  {
    name: 'soft spreadConstraints should be bypassed',
    pod: incoming(FOO, [
      spread(1, 'zone', SA, fooSelector),
      spread(1, 'zone', DNS, fooSelector),
      spread(1, 'node', SA, fooSelector),
      spread(1, 'node', DNS, fooSelector),
    ]),
    nodes: zoned('a:zone1', 'b:zone1', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', FOO),
      pod('p-a2', 'node-a', FOO),
      pod('p-b1', 'node-b', FOO),
      pod('p-y1', 'node-y', FOO),
      pod('p-y2', 'node-y', FOO),
      pod('p-y3', 'node-y', FOO),
      pod('p-y4', 'node-y', FOO),
    ],
    want: [c([['zone1', 3], ['zone2', 4]], { zone1: 3, zone2: 4 }), c([['node-b', 1], ['node-a', 2]], { 'node-a': 2, 'node-b': 1, 'node-y': 4 })],
  },
  {
    name: 'different labelSelectors - simple version',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'y:zone2'),
    existing: [pod('p-a', 'node-a', FOO), pod('p-b', 'node-b', BAR)],
    want: [c([['zone2', 0], ['zone1', 1]], { zone1: 1, zone2: 0 }), c([['node-a', 0], ['node-y', 0]], { 'node-a': 0, 'node-b': 1, 'node-y': 0 })],
  },
  {
    name: 'different labelSelectors - complex pods',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', FOO),
      pod('p-a2', 'node-a', FOO_BAR),
      pod('p-b1', 'node-b', FOO),
      pod('p-y1', 'node-y', FOO),
      pod('p-y2', 'node-y', FOO_BAR),
      pod('p-y3', 'node-y', FOO),
      pod('p-y4', 'node-y', FOO_BAR),
    ],
    want: [c([['zone1', 3], ['zone2', 4]], { zone1: 3, zone2: 4 }), c([['node-b', 0], ['node-a', 1]], { 'node-a': 1, 'node-b': 0, 'node-y': 2 })],
  },
  {
    name: 'two spreadConstraints, and with podAffinity',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, fooSelector)], (b) =>
      b.nodeAffinityRequired('node', 'NotIn', ['node-x']),
    ),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', FOO),
      pod('p-a2', 'node-a', FOO),
      pod('p-b1', 'node-b', FOO),
      pod('p-y1', 'node-y', FOO),
      pod('p-y2', 'node-y', FOO),
      pod('p-y3', 'node-y', FOO),
      pod('p-y4', 'node-y', FOO),
    ],
    want: [c([['zone1', 3], ['zone2', 4]], { zone1: 3, zone2: 4 }), c([['node-b', 1], ['node-a', 2]], { 'node-a': 2, 'node-b': 1, 'node-y': 4 })],
  },
  {
    // Upstream: "default constraints and a service"; Berth's default selector is the pod's controller.
    name: 'default constraints and a ReplicaSet controller',
    pod: withController(incoming({ foo: 'bar', baz: 'kar' }, []), 'apps/v1', 'ReplicaSet', 'rs-uid'),
    nodes: [],
    args: {
      defaultingType: 'List',
      defaultConstraints: [
        { maxSkew: 3, topologyKey: 'node', whenUnsatisfiable: DNS },
        { maxSkew: 2, topologyKey: 'node', whenUnsatisfiable: SA },
        { maxSkew: 5, topologyKey: 'rack', whenUnsatisfiable: DNS },
      ],
    },
    want: [c(EMPTY_PATHS, {}), c(EMPTY_PATHS, {})],
    wantMaxSkews: [3, 5],
  },
  {
    // Upstream: "default constraints and a service that doesn't match".
    name: 'default constraints and a pod without a controller',
    pod: incoming({ foo: 'bar' }, []),
    nodes: [],
    args: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 3, topologyKey: 'node', whenUnsatisfiable: DNS }] },
    wantSkip: true,
  },
  {
    name: 'default constraints and a pod whose controller is not a ReplicationController, ReplicaSet or StatefulSet',
    pod: withController(incoming({ foo: 'bar' }, []), 'batch/v1', 'Job', 'job-uid'),
    nodes: [],
    args: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 3, topologyKey: 'node', whenUnsatisfiable: DNS }] },
    wantSkip: true,
  },
  {
    name: 'default constraints and a controller, but pod has constraints',
    pod: withController(
      incoming({ foo: 'bar', baz: 'tar' }, [spread(1, 'zone', DNS, { matchLabels: { baz: 'tar' } }), spread(2, 'planet', SA, { matchLabels: { fot: 'rok' } })]),
      'apps/v1',
      'ReplicaSet',
      'rs-uid',
    ),
    nodes: [],
    args: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: 'node', whenUnsatisfiable: DNS }] },
    want: [c(EMPTY_PATHS, {})],
    wantMaxSkews: [1],
  },
  {
    name: 'default soft constraints and a controller',
    pod: withController(incoming({ foo: 'bar' }, []), 'apps/v1', 'StatefulSet', 'ss-uid'),
    nodes: [],
    args: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: 'node', whenUnsatisfiable: SA }] },
    wantSkip: true,
  },
  {
    name: 'NodeAffinityPolicy honored with labelSelectors',
    pod: incoming(FOO, [spread(1, 'node', DNS, barSelector)], (b) => b.nodeSelector({ foo: '' })),
    nodes: [node('node-a', { node: 'node-a', foo: '' }), node('node-b', { node: 'node-b', foo: '' }), node('node-c', { node: 'node-c', bar: '' })],
    existing: [pod('p-a', 'node-a', BAR), pod('p-b', 'node-b', BAR), pod('p-c', 'node-b', BAR), pod('p-d', 'node-c')],
    want: [c([['node-a', 1], ['node-b', 2]], { 'node-a': 1, 'node-b': 2 })],
  },
  {
    name: 'NodeAffinityPolicy ignored with labelSelectors',
    pod: incoming(FOO, [spread(1, 'node', DNS, barSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeSelector({ foo: '' })),
    nodes: [node('node-a', { node: 'node-a', foo: '' }), node('node-b', { node: 'node-b', foo: '' }), node('node-c', { node: 'node-c', bar: '' })],
    existing: [pod('p-a', 'node-a', BAR), pod('p-b', 'node-b', BAR), pod('p-c', 'node-b', BAR), pod('p-d', 'node-c')],
    want: [c([['node-c', 0], ['node-a', 1]], { 'node-a': 1, 'node-b': 2, 'node-c': 0 })],
  },
  {
    name: 'NodeAffinityPolicy honored with nodeAffinity',
    pod: incoming(FOO, [spread(1, 'node', DNS, barSelector)], (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    nodes: [node('node-a', { node: 'node-a', foo: '' }), node('node-b', { node: 'node-b', foo: '' }), node('node-c', { node: 'node-c', bar: '' })],
    existing: [pod('p-a', 'node-a', BAR), pod('p-c', 'node-b', BAR), pod('p-d', 'node-b', BAR), pod('p-e', 'node-c')],
    want: [c([['node-a', 1], ['node-b', 2]], { 'node-a': 1, 'node-b': 2 })],
  },
  {
    name: 'NodeAffinityPolicy ignored with nodeAffinity',
    pod: incoming(FOO, [spread(1, 'node', DNS, barSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    nodes: [node('node-a', { node: 'node-a', foo: '' }), node('node-b', { node: 'node-b', foo: '' }), node('node-c', { node: 'node-c', bar: '' })],
    existing: [pod('p-a', 'node-a', BAR), pod('p-b', 'node-b', BAR), pod('p-c', 'node-b', BAR), pod('p-d', 'node-c')],
    want: [c([['node-c', 0], ['node-a', 1]], { 'node-a': 1, 'node-b': 2, 'node-c': 0 })],
  },
  {
    name: 'NodeTaintsPolicy ignored',
    pod: incoming(FOO, [spread(1, 'node', DNS, barSelector)]),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' }), node('node-c', { node: 'node-c', bar: '' }, true)],
    existing: [pod('p-a', 'node-a', BAR), pod('p-b', 'node-b', BAR), pod('p-c', 'node-b', BAR), pod('p-d', 'node-c')],
    want: [c([['node-c', 0], ['node-a', 1]], { 'node-a': 1, 'node-b': 2, 'node-c': 0 })],
  },
  {
    name: 'NodeTaintsPolicy honored',
    pod: incoming(FOO, [spread(1, 'node', DNS, barSelector, { nodeTaintsPolicy: 'Honor' })]),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' }), node('node-c', { node: 'node-c', bar: '' }, true)],
    existing: [pod('p-a', 'node-a', BAR), pod('p-b', 'node-b', BAR), pod('p-c', 'node-b', BAR), pod('p-d', 'node-c')],
    want: [c([['node-a', 1], ['node-b', 2]], { 'node-a': 1, 'node-b': 2 })],
  },
  {
    name: 'NodeTaintsPolicy honored with tolerated taints',
    pod: incoming(FOO, [spread(1, 'node', DNS, barSelector, { nodeTaintsPolicy: 'Honor' })], (b) => b.toleration({ key: UNSCHEDULABLE_TAINT })),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' }), node('node-c', { node: 'node-c', bar: '' }, true)],
    existing: [pod('p-a', 'node-a', BAR), pod('p-b', 'node-b', BAR), pod('p-c', 'node-b', BAR), pod('p-d', 'node-c')],
    want: [c([['node-c', 0], ['node-a', 1]], { 'node-a': 1, 'node-b': 2, 'node-c': 0 })],
  },
  {
    name: 'two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, fooSelector, { nodeAffinityPolicy: 'Ignore' })], (b) =>
      b.nodeSelector({ foo: '' }),
    ),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
      node('node-b', { zone: 'zone1', node: 'node-b' }),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
    ],
    existing: [pod('p-b1', 'node-b', FOO), pod('p-b2', 'node-b', FOO), pod('p-x1', 'node-x', FOO)],
    want: [c([['zone1', 0], ['zone2', 1]], { zone1: 0, zone2: 1 }), c([['node-a', 0], ['node-x', 1]], { 'node-a': 0, 'node-b': 2, 'node-x': 1 })],
  },
  {
    name: 'two node inclusion Constraints, zone: honor/honor, node: honor/ignore',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector, { nodeTaintsPolicy: 'Honor' }), spread(1, 'node', DNS, fooSelector)]),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
      node('node-b', { zone: 'zone1', node: 'node-b' }, true),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
    ],
    existing: [pod('p-b1', 'node-b', FOO), pod('p-b2', 'node-b', FOO), pod('p-x1', 'node-x', FOO)],
    want: [c([['zone1', 0], ['zone2', 1]], { zone1: 0, zone2: 1 }), c([['node-a', 0], ['node-x', 1]], { 'node-a': 0, 'node-b': 2, 'node-x': 1 })],
  },
  {
    name: 'two node inclusion Constraints, zone: honor/ignore, node: honor/ignore',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, fooSelector)], (b) => b.nodeSelector({ foo: '' })),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a' }),
      node('node-b', { zone: 'zone1', node: 'node-b', foo: '' }, true),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO), pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    want: [c([['zone1', 0], ['zone2', 1]], { zone1: 0, zone2: 1 }), c([['node-b', 0], ['node-x', 1]], { 'node-b': 0, 'node-x': 1 })],
  },
  {
    name: 'two node inclusion Constraints, zone: ignore/ignore, node: honor/honor',
    pod: incoming(
      FOO,
      [spread(1, 'zone', DNS, fooSelector, { nodeAffinityPolicy: 'Ignore' }), spread(1, 'node', DNS, fooSelector, { nodeTaintsPolicy: 'Honor' })],
      (b) => b.nodeSelector({ foo: '' }),
    ),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a' }),
      node('node-b', { zone: 'zone1', node: 'node-b', foo: '' }, true),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
      node('node-y', { zone: 'zone2', node: 'node-y', foo: '' }),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO), pod('p-x1', 'node-x', FOO), pod('p-x2', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    want: [c([['zone1', 2], ['zone2', 3]], { zone1: 2, zone2: 3 }), c([['node-y', 1], ['node-x', 2]], { 'node-x': 2, 'node-y': 1 })],
  },
  {
    name: "matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
    pod: incoming({ foo: '', bar: 'a' }, [spread(1, 'zone', DNS, fooSelector, { matchLabelKeys: ['bar'] })]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', FOO),
      pod('p-a2', 'node-a', { foo: '', bar: 'a' }),
      pod('p-b1', 'node-b', FOO),
      pod('p-y1', 'node-y', { foo: '', bar: 'a' }),
      pod('p-y2', 'node-y', BAR),
    ],
    want: [c([['zone1', 1], ['zone2', 1]], { zone1: 1, zone2: 1 })],
  },
  {
    name: 'matchLabelKeys ANDed with LabelSelector when LabelSelector is empty',
    pod: incoming({ foo: 'a' }, [spread(1, 'zone', DNS, {}, { matchLabelKeys: ['foo'] })]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', { foo: 'a' }),
      pod('p-a2', 'node-a', { foo: 'a' }),
      pod('p-b1', 'node-b', { foo: 'a' }),
      pod('p-y1', 'node-y', { foo: 'a' }),
      pod('p-y2', 'node-y', { foo: 'a' }),
    ],
    want: [c([['zone2', 2], ['zone1', 3]], { zone1: 3, zone2: 2 })],
  },
  {
    name: 'key in matchLabelKeys is ignored when LabelSelector is nil',
    pod: incoming(FOO, [spread(1, 'zone', DNS, undefined, { matchLabelKeys: ['bar'] })]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', { foo: 'a' }),
      pod('p-a2', 'node-a', { foo: 'a' }),
      pod('p-b1', 'node-b', { foo: 'a' }),
      pod('p-y1', 'node-y', { foo: 'a' }),
      pod('p-y2', 'node-y', { foo: 'a' }),
    ],
    want: [c([['zone1', 0], ['zone2', 0]], { zone1: 0, zone2: 0 })],
  },
  {
    name: "key in matchLabelKeys is ignored when it isn't exist in pod.labels",
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector, { matchLabelKeys: ['bar'] })]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [
      pod('p-a1', 'node-a', { foo: 'a' }),
      pod('p-a2', 'node-a', { foo: 'a' }),
      pod('p-b1', 'node-b', { foo: 'a' }),
      pod('p-y1', 'node-y', { foo: 'a' }),
      pod('p-y2', 'node-y', { foo: 'a' }),
    ],
    want: [c([['zone2', 2], ['zone1', 3]], { zone1: 3, zone2: 2 })],
  },
  {
    name: 'two spreadConstraints with the same topologyKey',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'zone', DNS, barSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [pod('p-a1', 'node-a', FOO_BAR), pod('p-b1', 'node-b', FOO), pod('p-x1', 'node-x', BAR), pod('p-y1', 'node-y', FOO_BAR), pod('p-y2', 'node-y', BAR)],
    want: [c([['zone2', 1], ['zone1', 2]], { zone1: 2, zone2: 1 }), c([['zone1', 1], ['zone2', 3]], { zone1: 1, zone2: 3 })],
  },
  {
    name: 'skip if not specified',
    pod: incoming(FOO, []),
    nodes: zoned('a:zone1'),
    wantSkip: true,
  },
  // Berth
  {
    name: 'terminating pods are not counted',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector)]),
    nodes: zoned('a:zone1', 'x:zone2'),
    existing: [terminating(pod('p-a1', 'node-a', FOO)), pod('p-a2', 'node-a', FOO), pod('p-x1', 'node-x', FOO)],
    want: [c([['zone1', 1], ['zone2', 1]], { zone1: 1, zone2: 1 })],
  },
  {
    name: 'an empty labelSelector matches the pod itself but counts no existing pod',
    pod: incoming(FOO, [spread(1, 'zone', DNS, {})]),
    nodes: zoned('a:zone1', 'x:zone2'),
    existing: [pod('p-a1', 'node-a', FOO)],
    want: [c([['zone1', 0], ['zone2', 0]], { zone1: 0, zone2: 0 })],
  },
  {
    name: 'a node lacking one constraint key counts for none of them',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector), spread(1, 'rack', DNS, fooSelector)]),
    nodes: [node('node-a', { zone: 'zone1', rack: 'r1' }), node('node-b', { zone: 'zone2' })],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO)],
    want: [c([['zone1', 1], ['', MAX_INT32]], { zone1: 1 }), c([['r1', 1], ['', MAX_INT32]], { r1: 1 })],
  },
];

function withController(info: PodInfo, apiVersion: string, kind: string, uid: string): PodInfo {
  const p = structuredClone(info.pod);
  p.metadata!.ownerReferences = [{ apiVersion, kind, name: `${kind.toLowerCase()}-1`, uid, controller: true }];
  return newPodInfo(p);
}

function terminating(p: Pod): Pod {
  p.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
  return p;
}

describe('PodTopologySpread PreFilter (upstream TestPreFilterState)', () => {
  test.each(preFilterCases.map((tc) => [tc.name, tc] as const))('%s', (_name, tc) => {
    const { snap, plugin } = setup(tc.nodes, tc.existing ?? [], tc.args ?? LIST);
    const state = new CycleState();
    const got = plugin.preFilter(state, tc.pod, snap.table);
    if (tc.wantSkip) {
      expect(verdict(got.status)).toEqual({ code: Code.Skip, reasons: [] });
      expect(state.read(preFilterStateKey)).toBeUndefined();
      return;
    }
    expect(got.status).toBeNull();
    const s = state.read<PreFilterState>(preFilterStateKey)!;
    expect(summarize(s, snap.table.interner)).toEqual(tc.want);
    if (tc.wantMaxSkews) expect(s.constraints.map((k) => k.maxSkew)).toEqual(tc.wantMaxSkews);
  });

  test('default constraints take the controller as their selector, and the pod matches itself', () => {
    const p = withController(incoming({}, []), 'v1', 'ReplicationController', 'rc-uid');
    const sibling = pod('p-a1', 'node-a');
    sibling.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'rc-uid', controller: true }];
    const stranger = pod('p-a2', 'node-a', { app: 'same-labels-other-owner' });
    const { snap, plugin } = setup(zoned('a:zone1', 'x:zone2'), [sibling, stranger], {
      defaultingType: 'List',
      defaultConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: DNS }],
    });
    const state = new CycleState();
    expect(plugin.preFilter(state, p, snap.table).status).toBeNull();
    const s = state.read<PreFilterState>(preFilterStateKey)!;
    expect(s.constraints[0]!.selector).toEqual({ kind: SelectorKind.Controller, requirements: [], controllerUid: 'rc-uid' });
    expect(s.constraints[0]!.selfMatch).toBe(1);
    expect(summarize(s, snap.table.interner)).toEqual([c([['zone2', 0], ['zone1', 1]], { zone1: 1, zone2: 0 })]);
    expect(plugin.filter(state, p, snap.view('node-a'))).not.toBeNull();
    expect(plugin.filter(state, p, snap.view('node-x'))).toBeNull();
  });

  test('an invalid labelSelector is an Error, as upstream', () => {
    const { snap, plugin } = setup(zoned('a:zone1'), []);
    const p = incoming(FOO, [spread(1, 'zone', DNS, { matchExpressions: [{ key: 'foo', operator: 'Equals', values: ['x'] }] })]);
    const got = plugin.preFilter(new CycleState(), p, snap.table);
    expect(verdict(got.status)).toEqual({
      code: Code.Error,
      reasons: [`get constraints from pod: obtaining pod's hard topology spread constraints: "Equals" is not a valid label selector operator`],
    });
  });
});

// --- TestPreFilterStateAddPod / TestPreFilterStateRemovePod -----------------------------

interface UpdateCase {
  name: string;
  preemptor: PodInfo;
  nodes: Node[];
  existing?: Pod[];
  /** The pod added or removed, and the node it is on. */
  changed: Pod;
  nodeName: string;
  want: WantConstraint[];
}

const zoneAndNode = [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, fooSelector)];
const nodeOnly = [spread(1, 'node', DNS, fooSelector)];
const zoneOnly = [spread(1, 'zone', DNS, fooSelector)];
const affinityNodes = () => [
  node('node-a', { zone: 'zone1', node: 'node-a', foo: 'bar' }),
  node('node-b', { zone: 'zone2', node: 'node-b', foo: '' }),
];

const addCases: UpdateCase[] = [
  {
    name: 'node a and b both impact current min match',
    preemptor: incoming(FOO, nodeOnly),
    nodes: zoned('a:zone1', 'b:zone1'),
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['node-b', 0], ['node-a', 1]], { 'node-a': 1, 'node-b': 0 })],
  },
  {
    name: 'only node a impacts current min match',
    preemptor: incoming(FOO, nodeOnly),
    nodes: zoned('a:zone1', 'b:zone1'),
    existing: [pod('p-b1', 'node-b', FOO)],
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['node-a', 1], ['node-b', 1]], { 'node-a': 1, 'node-b': 1 })],
  },
  {
    name: "add a pod in a different namespace doesn't change topologyKeyToMinPodsMap",
    preemptor: incoming(FOO, nodeOnly),
    nodes: zoned('a:zone1', 'b:zone1'),
    existing: [pod('p-b1', 'node-b', FOO)],
    changed: pod('p-a1', 'node-a', FOO, 'ns1'),
    nodeName: 'node-a',
    want: [c([['node-a', 0], ['node-b', 1]], { 'node-a': 0, 'node-b': 1 })],
  },
  {
    name: "add pod on non-critical node won't trigger re-calculation",
    preemptor: incoming(FOO, nodeOnly),
    nodes: zoned('a:zone1', 'b:zone1'),
    existing: [pod('p-b1', 'node-b', FOO)],
    changed: pod('p-b2', 'node-b', FOO),
    nodeName: 'node-b',
    want: [c([['node-a', 0], ['node-b', 2]], { 'node-a': 0, 'node-b': 2 })],
  },
  {
    name: 'node a and x both impact topologyKeyToMinPodsMap on zone and node',
    preemptor: incoming(FOO, zoneAndNode),
    nodes: zoned('a:zone1', 'x:zone2'),
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['zone2', 0], ['zone1', 1]], { zone1: 1, zone2: 0 }), c([['node-x', 0], ['node-a', 1]], { 'node-a': 1, 'node-x': 0 })],
  },
  {
    name: 'only node a impacts topologyKeyToMinPodsMap on zone and node',
    preemptor: incoming(FOO, zoneAndNode),
    nodes: zoned('a:zone1', 'x:zone2'),
    existing: [pod('p-x1', 'node-x', FOO)],
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['zone1', 1], ['zone2', 1]], { zone1: 1, zone2: 1 }), c([['node-a', 1], ['node-x', 1]], { 'node-a': 1, 'node-x': 1 })],
  },
  {
    name: 'node a impacts topologyKeyToMinPodsMap on node, node x impacts topologyKeyToMinPodsMap on zone',
    preemptor: incoming(FOO, zoneAndNode),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2'),
    existing: [pod('p-b1', 'node-b', FOO), pod('p-b2', 'node-b', FOO), pod('p-x1', 'node-x', FOO)],
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['zone2', 1], ['zone1', 3]], { zone1: 3, zone2: 1 }), c([['node-a', 1], ['node-x', 1]], { 'node-a': 1, 'node-b': 2, 'node-x': 1 })],
  },
  {
    name: 'Constraints hold different labelSelectors, node a impacts topologyKeyToMinPodsMap on zone',
    preemptor: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2'),
    existing: [pod('p-b1', 'node-b', FOO_BAR), pod('p-x1', 'node-x', FOO_BAR), pod('p-x2', 'node-x', BAR)],
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['zone2', 1], ['zone1', 2]], { zone1: 2, zone2: 1 }), c([['node-a', 0], ['node-b', 1]], { 'node-a': 0, 'node-b': 1, 'node-x': 2 })],
  },
  {
    name: 'Constraints hold different labelSelectors, node a impacts topologyKeyToMinPodsMap on both zone and node',
    preemptor: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2'),
    existing: [pod('p-b1', 'node-b', BAR), pod('p-x1', 'node-x', FOO_BAR), pod('p-x2', 'node-x', BAR)],
    changed: pod('p-a1', 'node-a', FOO_BAR),
    nodeName: 'node-a',
    want: [c([['zone1', 1], ['zone2', 1]], { zone1: 1, zone2: 1 }), c([['node-a', 1], ['node-b', 1]], { 'node-a': 1, 'node-b': 1, 'node-x': 2 })],
  },
  {
    name: 'add a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy enabled',
    preemptor: incoming(FOO, zoneOnly, (b) => b.nodeAffinityRequired('foo', 'NotIn', ['bar'])),
    nodes: affinityNodes(),
    existing: [pod('p-a2', 'node-a', { foo: '', zone: 'zone1' }), pod('p-b1', 'node-b', { foo: '', zone: 'zone2' })],
    changed: pod('p-a1', 'node-a', { foo: '', zone: 'zone1' }),
    nodeName: 'node-a',
    want: [c([['zone2', 1], ['', MAX_INT32]], { zone2: 1 })],
  },
  {
    name: 'add a pod when scheduling node affinity matched pod with NodeInclusionPolicy enabled',
    preemptor: incoming(FOO, zoneOnly),
    nodes: affinityNodes(),
    existing: [pod('p-a1', 'node-a', { foo: '', zone: 'zone1' }), pod('p-b2', 'node-b', { foo: '', zone: 'zone2' })],
    changed: pod('p-b1', 'node-b', { foo: '', zone: 'zone2' }),
    nodeName: 'node-b',
    want: [c([['zone1', 1], ['zone2', 2]], { zone1: 1, zone2: 2 })],
  },
  {
    name: 'add a label selector not matched pod when with NodeInclusionPolicy enabled',
    preemptor: incoming(FOO, zoneOnly),
    nodes: affinityNodes(),
    existing: [pod('p-a1', 'node-a', { foo: '', zone: 'zone1' }), pod('p-b2', 'node-b', { foo: '', zone: 'zone2' })],
    changed: pod('p-b1', 'node-b', { zone: 'zone2' }),
    nodeName: 'node-b',
    want: [c([['zone1', 1], ['zone2', 1]], { zone1: 1, zone2: 1 })],
  },
  {
    name: 'add a pod when scheduling taint tolerated pod with NodeInclusionPolicy enabled',
    preemptor: incoming(FOO, zoneOnly, (b) => b.toleration({ key: UNSCHEDULABLE_TAINT })),
    nodes: [node('node-a', { zone: 'zone1', node: 'node-a' }, true), node('node-b', { zone: 'zone2', node: 'node-b' })],
    existing: [pod('p-a1', 'node-a', { foo: '', zone: 'zone1' }), pod('p-b2', 'node-b', { foo: '', zone: 'zone2' })],
    changed: pod('p-b1', 'node-b', { foo: '', zone: 'zone2' }),
    nodeName: 'node-b',
    want: [c([['zone1', 1], ['zone2', 2]], { zone1: 1, zone2: 2 })],
  },
  // Berth
  {
    name: 'a node excluded by nodeTaintsPolicy Honor is not counted on add',
    preemptor: incoming(FOO, [spread(1, 'zone', DNS, fooSelector, { nodeTaintsPolicy: 'Honor' })]),
    nodes: [node('node-a', { zone: 'zone1', node: 'node-a' }, true), node('node-b', { zone: 'zone2', node: 'node-b' })],
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['zone2', 0], ['', MAX_INT32]], { zone2: 0 })],
  },
  {
    name: 'a node lacking a topology key is not counted on add',
    preemptor: incoming(FOO, zoneAndNode),
    nodes: [...zoned('a:zone1'), node('node-z', { zone: 'zone2' })],
    changed: pod('p-z1', 'node-z', FOO),
    nodeName: 'node-z',
    want: [c([['zone1', 0], ['', MAX_INT32]], { zone1: 0 }), c([['node-a', 0], ['', MAX_INT32]], { 'node-a': 0 })],
  },
];

const removeCases: UpdateCase[] = [
  {
    name: 'one spreadConstraint on zone, topologyKeyToMinPodsMap unchanged',
    preemptor: incoming(FOO, zoneOnly),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2'),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-x1', 'node-x', FOO)],
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['zone1', 1], ['zone2', 1]], { zone1: 1, zone2: 1 })],
  },
  {
    name: 'one spreadConstraint on node, topologyKeyToMinPodsMap changed',
    preemptor: incoming(FOO, zoneOnly),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    changed: pod('p-a1', 'node-a', FOO),
    nodeName: 'node-a',
    want: [c([['zone1', 1], ['zone2', 2]], { zone1: 1, zone2: 2 })],
  },
  {
    name: "delete an irrelevant pod won't help",
    preemptor: incoming(FOO, zoneOnly),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [pod('p-a0', 'node-a', BAR), pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    changed: pod('p-a0', 'node-a', BAR),
    nodeName: 'node-a',
    want: [c([['zone1', 2], ['zone2', 2]], { zone1: 2, zone2: 2 })],
  },
  {
    name: "delete a non-existing pod won't help",
    preemptor: incoming(FOO, zoneOnly),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2'),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    changed: pod('p-a0', 'node-a', BAR),
    nodeName: 'node-a',
    want: [c([['zone1', 2], ['zone2', 2]], { zone1: 2, zone2: 2 })],
  },
  {
    name: 'two spreadConstraints',
    preemptor: incoming(FOO, zoneAndNode),
    nodes: zoned('a:zone1', 'b:zone1', 'x:zone2'),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-x1', 'node-x', FOO), pod('p-x2', 'node-x', FOO)],
    changed: pod('p-x1', 'node-x', FOO),
    nodeName: 'node-x',
    want: [c([['zone2', 1], ['zone1', 3]], { zone1: 3, zone2: 1 }), c([['node-b', 1], ['node-x', 1]], { 'node-a': 2, 'node-b': 1, 'node-x': 1 })],
  },
  {
    name: 'remove a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy enabled',
    preemptor: incoming(FOO, zoneOnly, (b) => b.nodeAffinityRequired('foo', 'NotIn', ['bar'])),
    nodes: affinityNodes(),
    existing: [pod('p-a2', 'node-a', { foo: '', zone: 'zone1' }), pod('p-b1', 'node-b', { foo: '', zone: 'zone2' })],
    changed: pod('p-a1', 'node-a', { foo: '', zone: 'zone1' }),
    nodeName: 'node-a',
    want: [c([['zone2', 1], ['', MAX_INT32]], { zone2: 1 })],
  },
  {
    name: 'remove a pod when scheduling node affinity matched pod with NodeInclusionPolicy enabled',
    preemptor: incoming(FOO, zoneOnly),
    nodes: affinityNodes(),
    existing: [pod('p-a1', 'node-a', { foo: '', zone: 'zone1' }), pod('p-b2', 'node-b', { foo: '', zone: 'zone2' })],
    changed: pod('p-b1', 'node-b', { foo: '', zone: 'zone2' }),
    nodeName: 'node-b',
    want: [c([['zone2', 0], ['zone1', 1]], { zone1: 1, zone2: 0 })],
  },
];

function runUpdate(tc: UpdateCase, op: 'addPod' | 'removePod'): { state: CycleState; snap: TestSnapshot; before: PreFilterState } {
  const { snap, plugin } = setup(tc.nodes, tc.existing ?? []);
  const state = new CycleState();
  expect(plugin.preFilter(state, tc.preemptor, snap.table).status).toBeNull();
  const before = structuredClone(state.read<PreFilterState>(preFilterStateKey)!);
  expect(plugin[op](state, tc.preemptor, newPodInfo(tc.changed), snap.view(tc.nodeName))).toBeNull();
  return { state, snap, before };
}

describe('PodTopologySpread AddPod (upstream TestPreFilterStateAddPod)', () => {
  test.each(addCases.map((tc) => [tc.name, tc] as const))('%s', (_name, tc) => {
    const { state, snap } = runUpdate(tc, 'addPod');
    expect(summarize(state.read<PreFilterState>(preFilterStateKey)!, snap.table.interner)).toEqual(tc.want);
  });
});

describe('PodTopologySpread RemovePod (upstream TestPreFilterStateRemovePod)', () => {
  test.each(removeCases.map((tc) => [tc.name, tc] as const))('%s', (_name, tc) => {
    const { state, snap } = runUpdate(tc, 'removePod');
    expect(summarize(state.read<PreFilterState>(preFilterStateKey)!, snap.table.interner)).toEqual(tc.want);
  });
});

describe('PodTopologySpread AddPod/RemovePod (Berth)', () => {
  test("a clone's what-if leaves the original state as it was (copy on write)", () => {
    const { snap, plugin } = setup(zoned('a:zone1', 'x:zone2'), [pod('p-x1', 'node-x', FOO)]);
    const p = incoming(FOO, zoneOnly);
    const state = new CycleState();
    plugin.preFilter(state, p, snap.table);
    const original = state.read<PreFilterState>(preFilterStateKey)!;
    const snapshot = structuredClone(original);
    const whatIf = state.clone();
    expect(plugin.removePod(whatIf, p, newPodInfo(pod('p-x1', 'node-x', FOO)), snap.view('node-x'))).toBeNull();
    expect(plugin.addPod(whatIf, p, newPodInfo(pod('p-a1', 'node-a', FOO)), snap.view('node-a'))).toBeNull();
    expect(state.read(preFilterStateKey)).toBe(original);
    expect(original).toEqual(snapshot);
    expect(summarize(whatIf.read<PreFilterState>(preFilterStateKey)!, snap.table.interner)).toEqual([
      c([['zone2', 0], ['zone1', 1]], { zone1: 1, zone2: 0 }),
    ]);
    // The what-if changes Filter's verdict on the clone only.
    expect(plugin.filter(state, p, snap.view('node-a'))).toBeNull();
    expect(plugin.filter(whatIf, p, snap.view('node-a'))?.code).toBe(Code.Unschedulable);
  });

  test('without PreFilter state, AddPod is an Error', () => {
    const { snap, plugin } = setup(zoned('a:zone1'), []);
    const got = plugin.addPod(new CycleState(), incoming(FOO, zoneOnly), newPodInfo(pod('q', 'node-a', FOO)), snap.view('node-a'));
    expect(verdict(got)).toEqual({ code: Code.Error, reasons: [`reading "${preFilterStateKey}" from cycleState: not found`] });
  });
});

// --- TestSingleConstraint / TestMultipleConstraints --------------------------------------

type Want = Record<string, 'ok' | 'skew' | 'label'>;

interface FilterCase {
  name: string;
  pod: PodInfo;
  nodes: Node[];
  existing?: Pod[];
  want: Want;
}

const four = () => zoned('a:zone1', 'b:zone1', 'x:zone2', 'y:zone2');
const spread2103 = () => [
  pod('p-a1', 'node-a', FOO),
  pod('p-a2', 'node-a', FOO),
  pod('p-b1', 'node-b', FOO),
  pod('p-y1', 'node-y', FOO),
  pod('p-y2', 'node-y', FOO),
  pod('p-y3', 'node-y', FOO),
];
const threeNodes = () => [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' }), node('node-c', { node: 'node-c' })];
const spread221 = () => [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-b2', 'node-b', FOO), pod('p-c1', 'node-c', FOO)];
const policyNodes = (taintY: boolean) => [
  node('node-a', { node: 'node-a', foo: '' }),
  node('node-b', { node: 'node-b', foo: '' }),
  node('node-x', { node: 'node-x', foo: '' }),
  node('node-y', { node: 'node-y' }, taintY),
];
const policyPods = () => [pod('p-b1', 'node-a', FOO), pod('p-b2', 'node-b', FOO), pod('p-y1', 'node-y', FOO)];

const singleConstraintCases: FilterCase[] = [
  {
    name: 'no existing pods',
    pod: incoming(FOO, zoneOnly),
    nodes: four(),
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: "no existing pods, incoming pod doesn't match itself",
    pod: incoming(FOO, [spread(1, 'zone', DNS, barSelector)]),
    nodes: four(),
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'existing pods in a different namespace do not count',
    pod: incoming(FOO, zoneOnly),
    nodes: four(),
    existing: [pod('p-a1', 'node-a', FOO, 'ns1'), pod('p-b1', 'node-a', FOO, 'ns2'), pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: 'existing pods do not match null selector',
    pod: incoming(FOO, [spread(1, 'zone', DNS, undefined)]),
    nodes: four(),
    existing: [pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'pods spread across zones as 3/3, all nodes fit',
    pod: incoming(FOO, zoneOnly),
    nodes: four(),
    existing: [...spread2103()],
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
    pod: incoming(FOO, zoneOnly),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a' }),
      node('node-b', { zon: 'zone1', node: 'node-b' }),
      node('node-x', { zone: 'zone2', node: 'node-x' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-x1', 'node-x', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'ok', 'node-b': 'label', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: "pod cannot be scheduled as all nodes don't have label 'rack'",
    pod: incoming(FOO, [spread(1, 'rack', DNS, fooSelector)]),
    nodes: zoned('a:zone1', 'x:zone2'),
    want: { 'node-a': 'label', 'node-x': 'label' },
  },
  {
    name: 'pods spread across nodes as 2/1/0/3, only node-x fits',
    pod: incoming(FOO, nodeOnly),
    nodes: four(),
    existing: spread2103(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit',
    pod: incoming(FOO, [spread(2, 'node', DNS, fooSelector)]),
    nodes: four(),
    existing: spread2103(),
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
    pod: incoming(BAR, nodeOnly),
    nodes: four(),
    existing: spread2103(),
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    // Only node-a and node-y count (2/~1~/~0~/3); NodeAffinity itself would reject node-b and node-x.
    name: 'incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits',
    pod: incoming(FOO, nodeOnly, (b) => b.nodeAffinityRequired('node', 'In', ['node-a', 'node-y'])),
    nodes: four(),
    existing: spread2103(),
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'terminating Pods should be excluded',
    pod: incoming(FOO, nodeOnly),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' })],
    existing: [terminating(pod('p-a', 'node-a', FOO)), pod('p-b', 'node-b', FOO)],
    want: { 'node-a': 'ok', 'node-b': 'skew' },
  },
  {
    name: 'incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits',
    pod: incoming(FOO, zoneOnly, (b) => b.nodeAffinityRequired('node', 'NotIn', ['node-b'])),
    nodes: four(),
    existing: [pod('p-b1', 'node-b', FOO), pod('p-b2', 'node-b', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: 'pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, then the third node fits',
    pod: incoming(FOO, [spread(2, 'node', DNS, fooSelector, { minDomains: 4 })]),
    nodes: threeNodes(),
    existing: spread221(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-c': 'ok' },
  },
  {
    name: 'pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, then the all nodes fit',
    pod: incoming(FOO, [spread(2, 'node', DNS, fooSelector, { minDomains: 2 })]),
    nodes: threeNodes(),
    existing: spread221(),
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-c': 'ok' },
  },
  {
    name: 'pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and fourth nodes fit',
    pod: incoming(FOO, [spread(2, 'zone', DNS, fooSelector, { minDomains: 3 })]),
    nodes: four(),
    existing: [pod('p-b1', 'node-a', FOO), pod('p-b2', 'node-b', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit',
    pod: incoming(FOO, [spread(2, 'zone', DNS, fooSelector, { minDomains: 1 })]),
    nodes: four(),
    existing: [pod('p-b1', 'node-a', FOO), pod('p-b2', 'node-b', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'NodeAffinityPolicy honored with labelSelectors',
    pod: incoming(FOO, nodeOnly, (b) => b.nodeSelector({ foo: '' })),
    nodes: policyNodes(false),
    existing: policyPods(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'NodeAffinityPolicy ignored with labelSelectors',
    pod: incoming(FOO, [spread(1, 'node', DNS, fooSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeSelector({ foo: '' })),
    nodes: policyNodes(false),
    existing: policyPods(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'NodeAffinityPolicy honored with nodeAffinity',
    pod: incoming(FOO, nodeOnly, (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    nodes: policyNodes(false),
    existing: policyPods(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'NodeAffinityPolicy ignored with nodeAffinity',
    pod: incoming(FOO, [spread(1, 'node', DNS, fooSelector, { nodeAffinityPolicy: 'Ignore' })], (b) => b.nodeAffinityRequired('foo', 'In', [''])),
    nodes: policyNodes(false),
    existing: policyPods(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'NodeTaintsPolicy honored',
    pod: incoming(FOO, [spread(1, 'node', DNS, fooSelector, { nodeTaintsPolicy: 'Honor' })]),
    nodes: policyNodes(true),
    existing: policyPods(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'NodeTaintsPolicy ignored',
    pod: incoming(FOO, nodeOnly),
    nodes: policyNodes(true),
    existing: policyPods(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
];

const multipleConstraintCases: FilterCase[] = [
  {
    name: 'two Constraints on zone and node, spreads = [3/3, 2/1/0/3]',
    pod: incoming(FOO, zoneAndNode),
    nodes: four(),
    existing: spread2103(),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two Constraints on zone and node, spreads = [3/4, 2/1/0/4]',
    pod: incoming(FOO, zoneAndNode),
    nodes: four(),
    existing: [...spread2103(), pod('p-y4', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: 'Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: four(),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-y1', 'node-y', BAR)],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: four(),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-x1', 'node-x', BAR), pod('p-y1', 'node-y', BAR)],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: 'Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: four(),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-a2', 'node-a', FOO_BAR), pod('p-y1', 'node-y', FOO), pod('p-y2', 'node-y', FOO_BAR), pod('p-y3', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: "Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
    pod: incoming(BAR, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, barSelector)]),
    nodes: four(),
    existing: [pod('p-a1', 'node-a', FOO), pod('p-x1', 'node-x', BAR), pod('p-y1', 'node-y', BAR)],
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: "two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
    pod: incoming(FOO, zoneAndNode),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a' }),
      node('node-b', { zone: 'zone1', node: 'node-b' }),
      node('node-x', { zone: 'zone2' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-y3', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'label', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector), spread(1, 'node', DNS, fooSelector, { nodeAffinityPolicy: 'Ignore' })], (b) =>
      b.nodeSelector({ foo: '' }),
    ),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
      node('node-b', { zone: 'zone1', node: 'node-b', foo: '' }),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/honor, node: honor/ignore',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector, { nodeTaintsPolicy: 'Honor' }), spread(1, 'node', DNS, fooSelector)]),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
      node('node-b', { zone: 'zone1', node: 'node-b', foo: '' }),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }, true),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/ignore, node: honor/ignore',
    pod: incoming(FOO, zoneAndNode, (b) => b.nodeSelector({ foo: '' })),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
      node('node-b', { zone: 'zone1', node: 'node-b' }),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
      node('node-y', { zone: 'zone2', node: 'node-y', foo: '' }, true),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/honor, node: ignore/ignore',
    pod: incoming(
      FOO,
      [spread(1, 'zone', DNS, fooSelector, { nodeTaintsPolicy: 'Honor' }), spread(1, 'node', DNS, fooSelector, { nodeAffinityPolicy: 'Ignore' })],
      (b) => b.nodeSelector({ foo: '' }),
    ),
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
      node('node-b', { zone: 'zone1', node: 'node-b' }),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
      node('node-y', { zone: 'zone2', node: 'node-y', foo: '' }, true),
    ],
    existing: [pod('p-a1', 'node-a', FOO), pod('p-b1', 'node-b', FOO), pod('p-y1', 'node-y', FOO)],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two Constraints on zone, spreads = [3/3, 2/1]',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, barSelector), spread(1, 'zone', DNS, fooSelector)]),
    nodes: four(),
    existing: [
      pod('p-a1', 'node-a', FOO_BAR),
      pod('p-a2', 'node-a', FOO),
      pod('p-b1', 'node-b', FOO_BAR),
      pod('p-y1', 'node-y', FOO),
      pod('p-y2', 'node-y', FOO_BAR),
      pod('p-y3', 'node-y', FOO),
    ],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'two Constraints on zone, spreads = [3/4, 2/1]',
    pod: incoming(FOO_BAR, [spread(1, 'zone', DNS, barSelector), spread(1, 'zone', DNS, fooSelector)]),
    nodes: four(),
    existing: [
      pod('p-a1', 'node-a', FOO_BAR),
      pod('p-a2', 'node-a', FOO),
      pod('p-b1', 'node-b', FOO_BAR),
      pod('p-y1', 'node-y', FOO),
      pod('p-y2', 'node-y', FOO_BAR),
      pod('p-y3', 'node-y', FOO),
      pod('p-y4', 'node-y', FOO),
    ],
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'skew', 'node-y': 'skew' },
  },
  // Berth
  {
    name: 'constraints are checked in order: a skew before a missing label',
    pod: incoming(FOO, [spread(1, 'zone', DNS, fooSelector), spread(1, 'rack', DNS, fooSelector)]),
    nodes: [
      node('node-a', { zone: 'zone1', rack: 'r1' }),
      node('node-y', { zone: 'zone2', rack: 'r2' }),
      node('node-x', { zone: 'zone2' }),
      node('node-z', { zone: 'zone1' }),
    ],
    existing: [pod('p-y1', 'node-y', FOO), pod('p-y2', 'node-y', FOO)],
    want: { 'node-a': 'ok', 'node-x': 'skew', 'node-y': 'skew', 'node-z': 'label' },
  },
];

const STATUS = {
  skew: { code: Code.Unschedulable, reasons: [ErrReasonConstraintsNotMatch] },
  label: { code: Code.UnschedulableAndUnresolvable, reasons: [ErrReasonNodeLabelNotMatch] },
  ok: null,
} as const;

function runFilter(tc: FilterCase): Want {
  const { snap, plugin } = setup(tc.nodes, tc.existing ?? []);
  const state = new CycleState();
  expect(plugin.preFilter(state, tc.pod, snap.table).status).toBeNull();
  const got: Want = {};
  for (const nodeName of Object.keys(tc.want)) {
    const v = verdict(plugin.filter(state, tc.pod, snap.view(nodeName)));
    got[nodeName] = v === null ? 'ok' : v.code === Code.Unschedulable ? 'skew' : 'label';
    expect(v).toEqual(STATUS[got[nodeName]]);
  }
  return got;
}

describe('PodTopologySpread Filter, one constraint (upstream TestSingleConstraint)', () => {
  test.each(singleConstraintCases.map((tc) => [tc.name, tc] as const))('%s', (_name, tc) => {
    expect(runFilter(tc)).toEqual(tc.want);
  });
});

describe('PodTopologySpread Filter, several constraints (upstream TestMultipleConstraints)', () => {
  test.each(multipleConstraintCases.map((tc) => [tc.name, tc] as const))('%s', (_name, tc) => {
    expect(runFilter(tc)).toEqual(tc.want);
  });
});

describe('PodTopologySpread Filter on the hot path', () => {
  test('without PreFilter state, Filter is an Error (upstream TestPreFilterDisabled)', () => {
    const { snap, plugin } = setup(zoned('a:zone1'), []);
    expect(verdict(plugin.filter(new CycleState(), incoming(FOO, zoneOnly), snap.view('node-a')))).toEqual({
      code: Code.Error,
      reasons: [`reading "${preFilterStateKey}" from cycleState: not found`],
    });
  });

  test('a rejection is one shared Status naming the plugin; a fit is null', () => {
    const { snap, plugin } = setup(four(), spread2103());
    const p = incoming(FOO, nodeOnly);
    const state = new CycleState();
    plugin.preFilter(state, p, snap.table);
    const view = snap.view('node-a');
    const first = plugin.filter(state, p, view);
    expect(first?.plugin).toBe(name);
    expect(plugin.filter(state, p, view.at(snap.table.indexOf('node-y')))).toBe(first);
    expect(plugin.filter(state, p, view.at(snap.table.indexOf('node-x')))).toBeNull();
  });

  test('the state is plain data: a structuredClone gives the same verdicts (worker threads get a copy)', () => {
    const tc = multipleConstraintCases[0]!;
    const { snap, plugin } = setup(tc.nodes, tc.existing ?? []);
    const state = new CycleState();
    plugin.preFilter(state, tc.pod, snap.table);
    const original = state.read<PreFilterState>(preFilterStateKey)!;
    const copy = new CycleState();
    copy.write(preFilterStateKey, structuredClone(original));
    expect(copy.read(preFilterStateKey)).toEqual(original);
    for (const nodeName of Object.keys(tc.want)) {
      expect(verdict(plugin.filter(copy, tc.pod, snap.view(nodeName)))).toEqual(STATUS[tc.want[nodeName]!]);
    }
  });
});

describe('PodTopologySpread events', () => {
  test('registers pod add/label update/delete and node add/delete/label/taint updates (queueing hints off)', () => {
    expect(factory(undefined, testHandle()).eventsToRegister()).toEqual([
      { resource: 'Pod', action: 'Add' },
      { resource: 'Pod', action: 'UpdatePodLabel' },
      { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'Delete' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ]);
  });

  test('a bad profile fails at construction, naming the field', () => {
    expect(() => factory({ defaultingType: 'Nope' }, testHandle())).toThrow(
      'PodTopologySpread args: defaultingType: Unsupported value: "Nope": supported values: "System", "List"',
    );
  });
});
