// Ported from upstream pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go
// (TestTaintTolerationScore, TestTaintTolerationFilter) and k8s.io/api core/v1
// toleration matching, plus Berth's compiled-toleration cases.
import type { Taint, Toleration } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle, PodInfo } from '../../framework/interfaces.ts';
import { Code, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { ErrReasonUntolerated, factory, name } from './taint-toleration.ts';

const handle: Handle = testHandle();

function podWith(tolerations: Toleration[]): PodInfo {
  const b = makePod('p');
  for (const t of tolerations) b.toleration(t);
  return b.info();
}

function nodeWith(nodeName: string, taints: Taint[]) {
  const b = makeNode(nodeName);
  for (const t of taints) b.taint(t.key, t.value ?? '', t.effect);
  return b.obj();
}

const verdict = (s: Result) => (s === null ? null : { code: s.code, reasons: s.reasons });
const UNTOLERATED = { code: Code.UnschedulableAndUnresolvable, reasons: [ErrReasonUntolerated] };

function filter(tolerations: Toleration[], taints: Taint[]): Result {
  const snap = buildSnapshot([nodeWith('nodeA', taints)]);
  const plugin = factory(undefined, handle);
  const pod = podWith(tolerations);
  const state = new CycleState();
  expect(plugin.preFilter(state, pod, snap.table).status).toBeNull();
  return plugin.filter(state, pod, snap.view('nodeA'));
}

describe('TaintToleration Filter (upstream TestTaintTolerationFilter)', () => {
  test.each<[string, Toleration[], Taint[], boolean]>([
    ["A pod having no tolerations can't be scheduled onto a node with nonempty taints", [], [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }], false],
    [
      'A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule',
      [{ key: 'dedicated', operator: 'Equal', value: 'user1', effect: 'NoSchedule' }],
      [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      true,
    ],
    [
      "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
      [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      false,
    ],
    [
      'A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node',
      [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      true,
    ],
    [
      'A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node',
      [
        { key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      ],
      [
        { key: 'dedicated', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      ],
      true,
    ],
    [
      "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
      [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
      [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      false,
    ],
    [
      'The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node',
      [{ key: 'foo', operator: 'Equal', value: 'bar' }],
      [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      true,
    ],
    [
      "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
      [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      [{ key: 'dedicated', value: 'user1', effect: 'PreferNoSchedule' }],
      true,
    ],
    [
      'The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node',
      [],
      [{ key: 'dedicated', value: 'user1', effect: 'PreferNoSchedule' }],
      true,
    ],
    // Berth
    ['a NoExecute taint needs a toleration too', [], [{ key: 'node.kubernetes.io/unreachable', value: '', effect: 'NoExecute' }], false],
    [
      'an empty key with Exists tolerates every taint',
      [{ operator: 'Exists' }],
      [
        { key: 'a', value: 'x', effect: 'NoSchedule' },
        { key: 'b', value: '', effect: 'NoExecute' },
      ],
      true,
    ],
    [
      'an empty key with Exists and an effect tolerates only that effect',
      [{ operator: 'Exists', effect: 'NoSchedule' }],
      [
        { key: 'a', value: 'x', effect: 'NoSchedule' },
        { key: 'b', value: '', effect: 'NoExecute' },
      ],
      false,
    ],
    [
      'the operator defaults to Equal: no value tolerates a taint without value',
      [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      [{ key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' }],
      true,
    ],
    [
      'the operator defaults to Equal: no value does not tolerate a taint with a value',
      [{ key: 'dedicated', effect: 'NoSchedule' }],
      [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      false,
    ],
    ['Lt/Gt tolerate nothing (TaintTolerationComparisonOperators is off)', [{ key: 'sla', operator: 'Gt', value: '900' }], [{ key: 'sla', value: '950', effect: 'NoSchedule' }], false],
    ['an unknown operator tolerates nothing', [{ key: 'foo', operator: 'Matches', value: 'bar' }], [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }], false],
    [
      'the first intolerable taint rejects, even after tolerated ones',
      [{ key: 'a', operator: 'Exists' }],
      [
        { key: 'a', value: 'x', effect: 'NoSchedule' },
        { key: 'b', value: 'y', effect: 'NoSchedule' },
      ],
      false,
    ],
  ])('%s', (_name, tolerations, taints, fits) => {
    expect(verdict(filter(tolerations, taints))).toEqual(fits ? null : UNTOLERATED);
  });

  test('the rejection is one shared Status naming the plugin', () => {
    const snap = buildSnapshot([nodeWith('a', [{ key: 'k', value: 'v', effect: 'NoSchedule' }])]);
    const plugin = factory(undefined, handle);
    const pod = podWith([]);
    const state = new CycleState();
    plugin.preFilter(state, pod, snap.table);
    const first = plugin.filter(state, pod, snap.view('a'));
    expect(plugin.filter(state, pod, snap.view('a'))).toBe(first);
    expect(first?.plugin).toBe(name);
  });

  test('Filter without its PreFilter state is an error', () => {
    const snap = buildSnapshot([nodeWith('a', [])]);
    expect(factory(undefined, handle).filter(new CycleState(), podWith([]), snap.view('a'))?.code).toBe(Code.Error);
  });
});

interface ScoreCase {
  name: string;
  tolerations: Toleration[];
  nodes: [string, Taint[]][];
  want: number[];
}

const scoreCases: ScoreCase[] = [
  {
    name: 'node with taints tolerated by the pod, gets a higher score than those node with intolerable taints',
    tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
    nodes: [
      ['nodeA', [{ key: 'foo', value: 'bar', effect: 'PreferNoSchedule' }]],
      ['nodeB', [{ key: 'foo', value: 'blah', effect: 'PreferNoSchedule' }]],
    ],
    want: [100, 0],
  },
  {
    name: 'the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has',
    tolerations: [
      { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'PreferNoSchedule' },
      { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: 'PreferNoSchedule' },
    ],
    nodes: [
      ['nodeA', []],
      ['nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }]],
      [
        'nodeC',
        [
          { key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' },
          { key: 'disk-type', value: 'ssd', effect: 'PreferNoSchedule' },
        ],
      ],
    ],
    want: [100, 100, 100],
  },
  {
    name: 'the more intolerable taints a node has, the lower score it gets.',
    tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
    nodes: [
      ['nodeA', []],
      ['nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }]],
      [
        'nodeC',
        [
          { key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' },
          { key: 'disk-type', value: 'ssd', effect: 'PreferNoSchedule' },
        ],
      ],
    ],
    want: [100, 50, 0],
  },
  {
    name: 'only taints and tolerations that have effect PreferNoSchedule are checked by prioritizeNodes function',
    tolerations: [
      { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
      { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: 'NoSchedule' },
    ],
    nodes: [
      ['nodeA', []],
      ['nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'NoSchedule' }]],
      [
        'nodeC',
        [
          { key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' },
          { key: 'disk-type', value: 'ssd', effect: 'PreferNoSchedule' },
        ],
      ],
    ],
    want: [100, 100, 0],
  },
  {
    name: 'Default behaviour No taints and tolerations',
    tolerations: [],
    nodes: [
      ['nodeA', []],
      ['nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }]],
    ],
    want: [100, 0],
  },
  // Berth
  {
    name: 'a toleration with an empty effect counts for PreferNoSchedule taints',
    tolerations: [{ key: 'cpu-type', operator: 'Exists' }],
    nodes: [
      ['nodeA', [{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }]],
      ['nodeB', [{ key: 'disk-type', value: 'ssd', effect: 'PreferNoSchedule' }]],
    ],
    want: [100, 0],
  },
];

describe('TaintToleration Score (upstream TestTaintTolerationScore)', () => {
  test.each(scoreCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const snap = buildSnapshot(c.nodes.map(([n, taints]) => nodeWith(n, taints)));
    const plugin = factory(undefined, handle);
    const pod = podWith(c.tolerations);
    const state = new CycleState();
    const feasible = Int32Array.from(c.nodes.map(([n]) => snap.table.indexOf(n)));
    expect(plugin.preScore(state, pod, snap.table, feasible)).toBeNull();
    const scores = Float64Array.from(c.nodes.map(([n]) => plugin.score(state, pod, snap.view(n))));
    expect(plugin.normalizeScore(state, pod, scores, feasible, scores.length)).toBeNull();
    expect([...scores]).toEqual(c.want);
  });

  test('normalization is reversed: 0 intolerable taints everywhere gives 100 everywhere', () => {
    const plugin = factory(undefined, handle);
    const scores = Float64Array.of(0, 0);
    plugin.normalizeScore(new CycleState(), podWith([]), scores, Int32Array.of(0, 1), 2);
    expect([...scores]).toEqual([100, 100]);
  });
});

describe('TaintToleration events', () => {
  test('registers node add, taint and label updates (queueing hints off)', () => {
    expect(factory(undefined, handle).eventsToRegister()).toEqual([
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
    ]);
  });
});
