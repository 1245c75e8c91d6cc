// Ported from upstream pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go
// (TestNodeAffinity, TestNodeAffinityPriority) plus Berth's compiled-query cases.
import type { Affinity, NodeSelectorTerm, Pod, PreferredSchedulingTerm } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle, PodInfo } from '../../framework/interfaces.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import type { NodeAffinityArgs } from './args.ts';
import { ErrReasonConflict, ErrReasonEnforced, ErrReasonPod, factory, name, nodeNamesOf } from './node-affinity.ts';

const handle: Handle = testHandle();

type Verdict = { code: number; reasons: readonly string[] } | null;
const verdict = (s: Result): Verdict => (s === null ? null : { code: s.code, reasons: s.reasons });
const unresolvable = (reason: string): Verdict => ({ code: Code.UnschedulableAndUnresolvable, reasons: [reason] });
const SKIP: Verdict = { code: Code.Skip, reasons: [] };

function podWith(spec: { nodeSelector?: Record<string, string>; affinity?: Affinity; nodeName?: string }): PodInfo {
  const pod: Pod = makePod('p').obj();
  Object.assign(pod.spec!, spec);
  return newPodInfo(pod);
}

function required(...terms: NodeSelectorTerm[]): Affinity {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

function preferred(...terms: PreferredSchedulingTerm[]): Affinity {
  return { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } };
}

const nameIn = (...values: string[]) => ({ key: 'metadata.name', operator: 'In', values });

interface FilterCase {
  name: string;
  pod: PodInfo;
  labels?: Record<string, string>;
  nodeName?: string;
  /** Labels of another node in the snapshot, so that they are interned (runtime checks, not compile-time ones). */
  other?: Record<string, string>;
  args?: NodeAffinityArgs;
  wantPreFilter?: Verdict;
  wantNodeNames?: string[];
  want?: Verdict;
}

const filterCases: FilterCase[] = [
  { name: 'missing labels', pod: podWith({ nodeSelector: { foo: 'bar' } }), want: unresolvable(ErrReasonPod) },
  { name: 'same labels', pod: podWith({ nodeSelector: { foo: 'bar' } }), labels: { foo: 'bar' } },
  { name: 'node labels are superset', pod: podWith({ nodeSelector: { foo: 'bar' } }), labels: { foo: 'bar', baz: 'blah' } },
  {
    name: 'node labels are subset',
    pod: podWith({ nodeSelector: { foo: 'bar', baz: 'blah' } }),
    labels: { foo: 'bar' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Pod with matchExpressions using In operator that matches the existing node',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }] }) }),
    labels: { foo: 'bar' },
  },
  {
    name: 'Pod with matchExpressions using Gt operator that matches the existing node',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'kernel-version', operator: 'Gt', values: ['0204'] }] }) }),
    labels: { 'kernel-version': '0206' },
  },
  {
    name: 'Pod with matchExpressions using NotIn operator that matches the existing node',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR', 'DDR2'] }] }) }),
    labels: { 'mem-type': 'DDR3' },
  },
  {
    name: 'Pod with matchExpressions using Exists operator that matches the existing node',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'GPU', operator: 'Exists' }] }) }),
    labels: { GPU: 'NVIDIA-GRID-K1' },
  },
  {
    name: "Pod with affinity that don't match node's labels won't schedule onto the node",
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['value1', 'value2'] }] }) }),
    labels: { foo: 'bar' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
    pod: podWith({ affinity: required({ matchExpressions: [] }) }),
    labels: { foo: 'bar' },
    want: unresolvable(ErrReasonPod),
  },
  { name: 'Pod with no Affinity will schedule onto a node', pod: podWith({}), labels: { foo: 'bar' }, wantPreFilter: SKIP },
  {
    name: 'Pod with Affinity but nil NodeSelector will schedule onto a node',
    pod: podWith({ affinity: { nodeAffinity: {} } }),
    labels: { foo: 'bar' },
    wantPreFilter: SKIP,
  },
  {
    name: 'Pod with multiple matchExpressions ANDed that matches the existing node',
    pod: podWith({
      affinity: required({
        matchExpressions: [
          { key: 'GPU', operator: 'Exists' },
          { key: 'GPU', operator: 'NotIn', values: ['AMD', 'INTER'] },
        ],
      }),
    }),
    labels: { GPU: 'NVIDIA-GRID-K1' },
  },
  {
    name: "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
    pod: podWith({
      affinity: required({
        matchExpressions: [
          { key: 'GPU', operator: 'Exists' },
          { key: 'GPU', operator: 'In', values: ['AMD', 'INTER'] },
        ],
      }),
    }),
    labels: { GPU: 'NVIDIA-GRID-K1' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
    pod: podWith({
      affinity: required(
        { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }] },
        { matchExpressions: [{ key: 'diffkey', operator: 'In', values: ['wrong', 'value2'] }] },
      ),
    }),
    labels: { foo: 'bar' },
  },
  {
    name: 'Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, will schedule onto the node',
    pod: podWith({ nodeSelector: { foo: 'bar' }, affinity: required({ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }) }),
    labels: { foo: 'bar' },
  },
  {
    name: "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are deprecating) is not satisfied, won't schedule onto the node",
    pod: podWith({ nodeSelector: { foo: 'bar' }, affinity: required({ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }) }),
    labels: { foo: 'barrrrrr' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: "Pod with an invalid value in Affinity term won't be scheduled onto the node",
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'foo', operator: 'NotIn', values: ['invalid value: ___@#$%^'] }] }) }),
    labels: { foo: 'bar' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Pod with matchFields using In operator that matches the existing node',
    pod: podWith({ affinity: required({ matchFields: [nameIn('node1')] }) }),
    nodeName: 'node1',
    wantNodeNames: ['node1'],
  },
  {
    name: 'Pod with matchFields using In operator that does not match the existing node',
    pod: podWith({ affinity: required({ matchFields: [nameIn('node1')] }) }),
    nodeName: 'node2',
    wantNodeNames: ['node1'],
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Pod with two terms: matchFields does not match, but matchExpressions matches',
    pod: podWith({
      affinity: required(
        { matchFields: [nameIn('node1'), nameIn('node2')] },
        { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] },
      ),
    }),
    nodeName: 'node2',
    labels: { foo: 'bar' },
  },
  {
    name: 'Pod with one term: matchFields does not match, but matchExpressions matches',
    pod: podWith({
      affinity: required({ matchFields: [nameIn('node1')], matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] }),
    }),
    nodeName: 'node2',
    labels: { foo: 'bar' },
    wantNodeNames: ['node1'],
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Pod with one term: both matchFields and matchExpressions match',
    pod: podWith({
      affinity: required({ matchFields: [nameIn('node1')], matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] }),
    }),
    nodeName: 'node1',
    labels: { foo: 'bar' },
    wantNodeNames: ['node1'],
  },
  {
    name: 'Pod with two terms: both matchFields and matchExpressions do not match',
    pod: podWith({
      affinity: required(
        { matchFields: [nameIn('node1')] },
        { matchExpressions: [{ key: 'foo', operator: 'In', values: ['not-match-to-bar'] }] },
      ),
    }),
    nodeName: 'node2',
    labels: { foo: 'bar' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Pod with two terms of node.Name affinity',
    pod: podWith({ affinity: required({ matchFields: [nameIn('node1')] }, { matchFields: [nameIn('node2')] }) }),
    nodeName: 'node2',
    wantNodeNames: ['node1', 'node2'],
  },
  {
    name: 'Pod with two conflicting mach field requirements',
    pod: podWith({ affinity: required({ matchFields: [nameIn('node1'), nameIn('node2')] }) }),
    nodeName: 'node2',
    labels: { foo: 'bar' },
    wantPreFilter: unresolvable(ErrReasonConflict),
    want: unresolvable(ErrReasonPod),
  },
  {
    name: "Matches added affinity and Pod's node affinity",
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['foo'] }] }) }),
    nodeName: 'node2',
    labels: { zone: 'foo' },
    args: { addedAffinity: required({ matchFields: [nameIn('node2')] }).nodeAffinity! },
  },
  {
    name: "Matches added affinity but not Pod's node affinity",
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['bar'] }] }) }),
    nodeName: 'node2',
    labels: { zone: 'foo' },
    args: { addedAffinity: required({ matchFields: [nameIn('node2')] }).nodeAffinity! },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: "Doesn't match added affinity",
    pod: podWith({}),
    nodeName: 'node2',
    labels: { zone: 'foo' },
    args: { addedAffinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['bar'] }] }).nodeAffinity! },
    want: unresolvable(ErrReasonEnforced),
  },
  // Berth: the compiled query.
  {
    name: 'added affinity is checked before the pod, so its reason wins',
    pod: podWith({ nodeSelector: { zone: 'bar' } }),
    labels: { zone: 'foo' },
    args: { addedAffinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['bar'] }] }).nodeAffinity! },
    want: unresolvable(ErrReasonEnforced),
  },
  {
    name: 'Gt: a smaller label value does not match',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'kernel-version', operator: 'Gt', values: ['0204'] }] }) }),
    labels: { 'kernel-version': '0203' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Gt: an equal label value does not match',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }) }),
    labels: { cores: '8' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Lt: a smaller label value matches, leading zeros included',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'temp', operator: 'Lt', values: ['10'] }] }) }),
    labels: { temp: '007' },
  },
  {
    name: 'Lt: a negative bound is not a valid label value, so the term matches nothing',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'temp', operator: 'Lt', values: ['-3'] }] }) }),
    labels: { temp: '1' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Lt: a label value that is not an integer matches nothing',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'temp', operator: 'Lt', values: ['100'] }] }) }),
    labels: { temp: 'cold' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Gt: a node without the label does not match',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1'] }] }) }),
    labels: { other: '5' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Gt with a bound that is not an integer: the term matches nothing',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1.5'] }] }) }),
    labels: { cores: '5' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'NotIn matches a node without the label',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR'] }] }) }),
    labels: { other: 'x' },
  },
  {
    name: 'NotIn with values no node carries matches a node with the label',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['never-seen'] }] }) }),
    labels: { 'mem-type': 'DDR3' },
  },
  {
    name: 'NotIn matches a node without the label that another node carries',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR'] }] }) }),
    labels: { other: 'x' },
    other: { 'mem-type': 'DDR' },
  },
  {
    name: 'NotIn rejects a node whose value is in the set',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR'] }] }) }),
    labels: { 'mem-type': 'DDR' },
    other: { 'mem-type': 'DDR3' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'In rejects a node without the label that another node carries',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }) }),
    labels: { other: 'x' },
    other: { zone: 'a' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Exists rejects a node without the label that another node carries',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'GPU', operator: 'Exists' }] }) }),
    labels: { other: 'x' },
    other: { GPU: 'x' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'DoesNotExist matches a node without the label that another node carries',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'GPU', operator: 'DoesNotExist' }] }) }),
    labels: { other: 'x' },
    other: { GPU: 'x' },
  },
  {
    name: 'nodeSelector rejects a node with another value of the key',
    pod: podWith({ nodeSelector: { zone: 'a' } }),
    labels: { zone: 'b' },
    other: { zone: 'a' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'Gt rejects a node without the label that another node carries',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1'] }] }) }),
    labels: { other: 'x' },
    other: { cores: '8' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'DoesNotExist rejects a node with the label',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'GPU', operator: 'DoesNotExist' }] }) }),
    labels: { GPU: 'x' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'DoesNotExist with a key no node carries matches',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'never-seen', operator: 'DoesNotExist' }] }) }),
    labels: { GPU: 'x' },
  },
  {
    name: 'In with a value no node carries matches nothing, even a node lacking the label',
    pod: podWith({ affinity: required({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['never-seen'] }] }) }),
    labels: { other: 'x' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'nodeSelector with a value no node carries matches nothing',
    pod: podWith({ nodeSelector: { foo: 'never-seen' } }),
    labels: { foo: 'bar' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'required affinity with no terms matches no node',
    pod: podWith({ affinity: required() }),
    labels: { foo: 'bar' },
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'an unknown operator makes the term match nothing; another term still can',
    pod: podWith({
      affinity: required(
        { matchExpressions: [{ key: 'foo', operator: 'Equals', values: ['bar'] }] },
        { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] },
      ),
    }),
    labels: { foo: 'bar' },
  },
  {
    name: 'matchFields In another existing node rejects this node',
    pod: podWith({ affinity: required({ matchFields: [nameIn('other-node')] }) }),
    nodeName: 'node1',
    other: {},
    wantNodeNames: ['other-node'],
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'matchFields NotIn the node name rejects that node',
    pod: podWith({ affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node1'] }] }) }),
    nodeName: 'node1',
    want: unresolvable(ErrReasonPod),
  },
  {
    name: 'matchFields on another field reads it as empty: NotIn a value matches',
    pod: podWith({ affinity: required({ matchFields: [{ key: 'metadata.namespace', operator: 'NotIn', values: ['x'] }] }) }),
    nodeName: 'node1',
  },
  {
    name: 'matchFields with two values is invalid and matches nothing',
    pod: podWith({ affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['a', 'b'] }] }) }),
    nodeName: 'node1',
    want: unresolvable(ErrReasonPod),
  },
];

function run(c: FilterCase): { preFilter: Verdict; nodeNames?: string[]; filter: Verdict } {
  const nodeName = c.nodeName ?? 'node1';
  const nodes = [makeNode(nodeName).labels(c.labels ?? {}).obj()];
  if (c.other) nodes.push(makeNode('other-node').labels(c.other).obj());
  const snap = buildSnapshot(nodes);
  const plugin = factory(c.args ?? {}, handle);
  const state = new CycleState();
  const pre = plugin.preFilter(state, c.pod, snap.table);
  const filter = pre.status?.code === Code.Skip ? null : plugin.filter(state, c.pod, snap.view(nodeName));
  return { preFilter: verdict(pre.status), ...(pre.nodeNames ? { nodeNames: [...pre.nodeNames].sort() } : {}), filter: verdict(filter) };
}

describe('NodeAffinity Filter (upstream TestNodeAffinity)', () => {
  test.each(filterCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = run(c);
    expect(got.preFilter).toEqual(c.wantPreFilter ?? null);
    expect(got.nodeNames).toEqual(c.wantNodeNames);
    expect(got.filter).toEqual(c.want ?? null);
  });
});

describe('NodeAffinity Filter on the hot path', () => {
  test('a rejection is one shared Status naming the plugin; a fit is null', () => {
    const snap = buildSnapshot([makeNode('a').label('zone', 'x').obj(), makeNode('b').label('zone', 'y').obj()]);
    const plugin = factory({}, handle);
    const pod = podWith({ nodeSelector: { zone: 'x' } });
    const state = new CycleState();
    plugin.preFilter(state, pod, snap.table);
    const view = snap.view('b');
    const first = plugin.filter(state, pod, view);
    const second = plugin.filter(state, pod, view);
    expect(first).not.toBeNull();
    expect(second).toBe(first);
    expect(first!.plugin).toBe(name);
    expect(plugin.filter(state, pod, view.at(snap.table.indexOf('a')))).toBeNull();
  });

  test('the compiled state survives structuredClone (worker threads get a copy)', () => {
    const snap = buildSnapshot([makeNode('a').label('cores', '16').obj(), makeNode('b').label('cores', '4').obj()]);
    const plugin = factory({}, handle);
    const pod = podWith({ affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }) });
    const state = new CycleState();
    plugin.preFilter(state, pod, snap.table);
    const copy = new CycleState();
    copy.write('PreFilterNodeAffinity', structuredClone(state.read('PreFilterNodeAffinity')));
    expect(plugin.filter(copy, pod, snap.view('a'))).toBeNull();
    expect(plugin.filter(copy, pod, snap.view('b'))?.reasons).toEqual([ErrReasonPod]);
  });

  test('Filter without its PreFilter state is an error, not a verdict', () => {
    const snap = buildSnapshot([makeNode('a').obj()]);
    const got = factory({}, handle).filter(new CycleState(), podWith({ nodeSelector: { a: 'b' } }), snap.view('a'));
    expect(got?.code).toBe(Code.Error);
  });
});

describe('nodeNamesOf (PreFilterResult)', () => {
  test.each([
    ['a term without a node-name field lets all nodes through', [{ matchFields: [nameIn('a')] }, { matchExpressions: [] }], undefined],
    ['NotIn does not restrict', [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['a'] }] }], undefined],
    ['intersection within a term, union across terms', [{ matchFields: [nameIn('a', 'b'), nameIn('b', 'c')] }, { matchFields: [nameIn('d')] }], ['b', 'd']],
  ] as const)('%s', (_name, terms, want) => {
    const got = nodeNamesOf(terms as unknown as NodeSelectorTerm[]);
    expect(got === undefined ? undefined : [...got].sort()).toEqual(want);
  });
});

// TestNodeAffinityPriority
const label1 = { foo: 'bar' };
const label2 = { key: 'value' };
const label3 = { az: 'az1' };
const label4 = { abc: 'az11', def: 'az22' };
const label5 = { foo: 'bar', key: 'value', az: 'az1' };
const affinity1 = preferred({ weight: 2, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] } });
const affinity2 = preferred(
  { weight: 2, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] } },
  { weight: 4, preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] } },
  {
    weight: 5,
    preference: {
      matchExpressions: [
        { key: 'foo', operator: 'In', values: ['bar'] },
        { key: 'key', operator: 'In', values: ['value'] },
        { key: 'az', operator: 'In', values: ['az1'] },
      ],
    },
  },
);

interface ScoreCase {
  name: string;
  pod: PodInfo;
  nodes: [string, Record<string, string>][];
  want: [string, number][];
  args?: NodeAffinityArgs;
  wantPreScore?: Verdict;
}

const scoreCases: ScoreCase[] = [
  {
    name: 'all nodes are same priority as NodeAffinity is nil',
    pod: podWith({}),
    nodes: [['node1', label1], ['node2', label2], ['node3', label3]],
    want: [['node1', 0], ['node2', 0], ['node3', 0]],
    wantPreScore: SKIP,
  },
  {
    name: "no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
    pod: podWith({ affinity: affinity1 }),
    nodes: [['node1', label4], ['node2', label2], ['node3', label3]],
    want: [['node1', 0], ['node2', 0], ['node3', 0]],
    // Berth: no term can match a feasible node, so PreScore skips; the scores are the same.
    wantPreScore: SKIP,
  },
  {
    name: 'only node1 matches the preferred scheduling requirements of pod',
    pod: podWith({ affinity: affinity1 }),
    nodes: [['node1', label1], ['node2', label2], ['node3', label3]],
    want: [['node1', 100], ['node2', 0], ['node3', 0]],
  },
  {
    name: 'all nodes matches the preferred scheduling requirements of pod but with different priorities ',
    pod: podWith({ affinity: affinity2 }),
    nodes: [['node1', label1], ['node5', label5], ['node2', label2]],
    want: [['node1', 18], ['node5', 100], ['node2', 36]],
  },
  {
    name: 'added affinity',
    pod: podWith({}),
    nodes: [['node1', label1], ['node2', label2]],
    want: [['node1', 100], ['node2', 0]],
    args: { addedAffinity: affinity1.nodeAffinity! },
  },
  {
    name: 'added affinity and pod has default affinity',
    pod: podWith({ affinity: affinity1 }),
    nodes: [['node1', label1], ['node2', label2], ['node3', label5]],
    want: [['node1', 40], ['node2', 60], ['node3', 100]],
    args: {
      addedAffinity: preferred({ weight: 3, preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] } })
        .nodeAffinity!,
    },
  },
  // Berth
  {
    name: 'terms of weight 0 are ignored',
    pod: podWith({
      affinity: preferred(
        { weight: 0, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] } },
        { weight: 1, preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] } },
      ),
    }),
    nodes: [['node1', label1], ['node2', label2]],
    want: [['node1', 0], ['node2', 100]],
  },
  {
    name: 'Gt in a preferred term compares the label as an integer',
    pod: podWith({ affinity: preferred({ weight: 1, preference: { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] } }) }),
    nodes: [['node1', { cores: '16' }], ['node2', { cores: '4' }], ['node3', { cores: 'many' }]],
    want: [['node1', 100], ['node2', 0], ['node3', 0]],
  },
];

describe('NodeAffinity Score (upstream TestNodeAffinityPriority)', () => {
  test.each(scoreCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const snap = buildSnapshot(c.nodes.map(([n, labels]) => makeNode(n).labels(labels).obj()));
    const plugin = factory(c.args ?? {}, handle);
    const state = new CycleState();
    const feasible = Int32Array.from(c.nodes.map(([n]) => snap.table.indexOf(n)));
    const pre = plugin.preScore(state, c.pod, snap.table, feasible);
    expect(verdict(pre)).toEqual(c.wantPreScore ?? null);
    const scores = new Float64Array(feasible.length);
    if (pre === null) {
      c.nodes.forEach(([n], i) => (scores[i] = plugin.score(state, c.pod, snap.view(n))));
      expect(plugin.normalizeScore(state, c.pod, scores, feasible, feasible.length)).toBeNull();
    }
    expect(c.nodes.map(([n], i) => [n, scores[i]])).toEqual(c.want);
  });

  test('a preferred term that cannot be parsed fails PreScore with an error naming the field', () => {
    const snap = buildSnapshot([makeNode('node1').obj()]);
    const pod = podWith({
      affinity: preferred({ weight: 1, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: [] }] } }),
    });
    const got = factory({}, handle).preScore(new CycleState(), pod, snap.table, Int32Array.of(0));
    expect(got?.code).toBe(Code.Error);
    expect(got?.message()).toContain("[0].matchExpressions[0].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
  });
});

describe('NodeAffinity args and events', () => {
  test('the factory rejects args that cannot be parsed', () => {
    expect(() =>
      factory({ addedAffinity: required({ matchExpressions: [{ key: 'a/b/c', operator: 'In', values: ['x'] }] }).nodeAffinity }, handle),
    ).toThrow(/addedAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.key/);
  });

  test('registers node add, label and taint updates (queueing hints off)', () => {
    expect(factory({}, handle).eventsToRegister()).toEqual([
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ]);
  });
});
