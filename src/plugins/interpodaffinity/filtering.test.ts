// Ported from upstream pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go
// (v1.36: TestRequiredAffinitySingleNode, TestRequiredAffinityMultipleNodes,
// TestPreFilterDisabled, TestPreFilterStateAddRemovePod, TestPreFilterStateClone,
// TestGetTPMapMatchingIncomingAffinityAntiAffinity), plus Berth's cases:
// matchLabelKeys/mismatchLabelKeys, invalid selectors, namespaces, the
// plain-data state (structuredClone) and copy-on-write AddPod/RemovePod.
import type { Affinity, LabelSelector, Namespace, Node, Pod, PodAffinityTerm } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle, type TestSnapshot } from '../../testing/builders.ts';
import { computePreFilterState } from './filtering.ts';
import {
  ErrReasonAffinityRulesNotMatch,
  ErrReasonAntiAffinityRulesNotMatch,
  ErrReasonExistingAntiAffinityRulesNotMatch,
  factory,
  name,
  preFilterStateKey,
  type InterPodAffinityPlugin,
  type PreFilterState,
} from './inter-pod-affinity.ts';
import { TermCache } from './terms.ts';
import { entriesOf, type TopologyCounts } from './topology.ts';

// --- builders (upstream st.MakePod().PodAffinityIn(...) and friends) ---------------

type Op = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

function term(key: string, op: Op, topologyKey: string, values: string[] = [], extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm {
  return { labelSelector: { matchExpressions: [{ key, operator: op, values }] }, topologyKey, ...extra };
}

function selectorTerm(labelSelector: LabelSelector | undefined, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm {
  return { ...(labelSelector ? { labelSelector } : {}), topologyKey, ...extra };
}

let podCounter = 0;
interface PodOpts {
  name?: string;
  ns?: string;
  node?: string;
  labels?: Record<string, string>;
  affinity?: PodAffinityTerm[];
  anti?: PodAffinityTerm[];
  raw?: Affinity;
}

function pod(o: PodOpts = {}): Pod {
  const b = makePod(o.name ?? `p${++podCounter}`, o.ns ?? 'default');
  for (const [k, v] of Object.entries(o.labels ?? {})) b.label(k, v);
  if (o.node) b.node(o.node);
  const p = b.obj();
  const affinity: Affinity = { ...(o.raw ?? {}) };
  if (o.affinity) affinity.podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: o.affinity };
  if (o.anti) affinity.podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: o.anti };
  if (Object.keys(affinity).length > 0) p.spec!.affinity = affinity;
  return p;
}

function node(nodeName: string, labels: Record<string, string>): Node {
  return makeNode(nodeName).labels(labels).obj();
}

function namespace(nsName: string, labels: Record<string, string>): Namespace {
  return { metadata: { name: nsName, labels } };
}

const namespaces: Namespace[] = [
  namespace('subteam1.team1', { team: 'team1' }),
  namespace('subteam2.team1', { team: 'team1' }),
  namespace('subteam1.team2', { team: 'team2' }),
  namespace('subteam2.team2', { team: 'team2' }),
];

type Verdict = { code: number; reasons: readonly string[] } | null;
const verdict = (s: Result): Verdict => (s === null ? null : { code: s.code, reasons: s.reasons });
const AFFINITY: Verdict = { code: Code.UnschedulableAndUnresolvable, reasons: [ErrReasonAffinityRulesNotMatch] };
const ANTI: Verdict = { code: Code.Unschedulable, reasons: [ErrReasonAntiAffinityRulesNotMatch] };
const EXISTING: Verdict = { code: Code.Unschedulable, reasons: [ErrReasonExistingAntiAffinityRulesNotMatch] };
const SKIP: Verdict = { code: Code.Skip, reasons: [] };
const unresolvable = (reason: string): Verdict => ({ code: Code.UnschedulableAndUnresolvable, reasons: [reason] });

function setup(nodes: Node[], pods: Pod[], ns: Namespace[] = namespaces): { snap: TestSnapshot; plugin: InterPodAffinityPlugin } {
  const snap = buildSnapshot(nodes, pods, { namespaces: ns });
  return { snap, plugin: factory({}, testHandle({ lister: snap.lister })) };
}

/** PreFilter, then Filter on every node (unless PreFilter did not succeed). */
function run(nodes: Node[], pods: Pod[], incoming: Pod, ns?: Namespace[]): { pre: Verdict; filters: Verdict[] } {
  const { snap, plugin } = setup(nodes, pods, ns);
  const info = newPodInfo(incoming);
  const state = new CycleState();
  const pre = verdict(plugin.preFilter(state, info, snap.table).status);
  if (pre !== null) return { pre, filters: [] };
  return { pre, filters: nodes.map((n) => verdict(plugin.filter(state, info, snap.view(n.metadata!.name!)))) };
}

// --- TestRequiredAffinitySingleNode ------------------------------------------------------

describe('required affinity, single node (upstream TestRequiredAffinitySingleNode)', () => {
  const podLabel = { service: 'securityscan' };
  const podLabel2 = { security: 'S1' };
  const node1 = node('node1', { region: 'r1', zone: 'z11' });
  const existing = (): Pod => pod({ labels: podLabel, node: 'node1' });
  const teamSelector: LabelSelector = { matchExpressions: [{ key: 'team', operator: 'In', values: ['team1'] }] };
  const badValue =
    `values[0][service]: Invalid value: "{{.bad-value.}}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', ` +
    `and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`;

  const cases: { name: string; pod: Pod; pods?: Pod[]; wantPreFilter?: Verdict; want?: Verdict }[] = [
    {
      name: 'A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods',
      pod: pod(),
      wantPreFilter: SKIP,
    },
    {
      name: 'satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod',
      pod: pod({ labels: podLabel2, affinity: [term('service', 'In', 'region', ['securityscan', 'value2'])] }),
      pods: [existing()],
    },
    {
      name: 'satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod',
      pod: pod({ labels: podLabel2, affinity: [term('service', 'NotIn', 'region', ['securityscan3', 'value3'])] }),
      pods: [existing()],
    },
    {
      name: 'Does not satisfy the PodAffinity with labelSelector because of diff Namespace',
      pod: pod({ labels: podLabel2, affinity: [term('service', 'In', '', ['securityscan', 'value2'], { namespaces: ['DiffNameSpace'] })] }),
      pods: [pod({ ns: 'ns', labels: podLabel, node: 'node1' })],
      want: AFFINITY,
    },
    {
      name: "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
      pod: pod({ labels: podLabel, affinity: [term('service', 'In', '', ['antivirusscan', 'value2'])] }),
      pods: [existing()],
      want: AFFINITY,
    },
    {
      name: 'satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution',
      pod: pod({
        labels: podLabel2,
        affinity: [
          selectorTerm({ matchExpressions: [{ key: 'service', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, 'region'),
          selectorTerm(
            {
              matchExpressions: [
                { key: 'service', operator: 'In', values: ['securityscan'] },
                { key: 'service', operator: 'NotIn', values: ['WrongValue'] },
              ],
            },
            'region',
          ),
        ],
      }),
      pods: [existing()],
    },
    {
      name: "The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node because one of the matchExpression item don't match.",
      pod: pod({
        labels: podLabel2,
        affinity: [
          selectorTerm({ matchExpressions: [{ key: 'service', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, 'region'),
          selectorTerm(
            {
              matchExpressions: [
                { key: 'service', operator: 'In', values: ['securityscan2'] },
                { key: 'service', operator: 'NotIn', values: ['WrongValue'] },
              ],
            },
            'region',
          ),
        ],
      }),
      pods: [existing()],
      want: AFFINITY,
    },
    {
      name: 'satisfies the PodAffinity and PodAntiAffinity with the existing pod',
      pod: pod({
        labels: podLabel2,
        affinity: [term('service', 'In', 'region', ['securityscan', 'value2'])],
        anti: [term('service', 'In', 'node', ['antivirusscan', 'value2'])],
      }),
      pods: [existing()],
    },
    {
      name: 'satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod',
      pod: pod({
        labels: podLabel2,
        affinity: [term('service', 'In', 'region', ['securityscan', 'value2'])],
        anti: [term('service', 'In', 'node', ['antivirusscan', 'value2'])],
      }),
      pods: [pod({ node: 'node1', labels: podLabel, anti: [term('service', 'In', 'node', ['antivirusscan', 'value2'])] })],
    },
    {
      name: "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
      pod: pod({
        labels: podLabel2,
        affinity: [term('service', 'In', 'region', ['securityscan', 'value2'])],
        anti: [term('service', 'In', 'zone', ['securityscan', 'value2'])],
      }),
      pods: [existing()],
      want: ANTI,
    },
    {
      name: "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
      pod: pod({
        labels: podLabel,
        affinity: [term('service', 'In', 'region', ['securityscan', 'value2'])],
        anti: [term('service', 'In', 'node', ['antivirusscan', 'value2'])],
      }),
      pods: [pod({ labels: podLabel, node: 'node1', anti: [term('service', 'In', 'zone', ['securityscan', 'value2'])] })],
      want: EXISTING,
    },
    {
      name: 'pod matches its own Label in PodAffinity and that matches the existing pod Labels',
      pod: pod({ labels: podLabel, affinity: [term('service', 'NotIn', 'region', ['securityscan', 'value2'])] }),
      pods: [pod({ labels: { service: 'securityscan' }, node: 'node2' })],
      want: AFFINITY,
    },
    {
      name: "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
      pod: pod({ labels: podLabel }),
      pods: [pod({ node: 'node1', labels: podLabel, anti: [term('service', 'In', 'zone', ['securityscan', 'value2'])] })],
      want: EXISTING,
    },
    {
      name: 'verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod',
      pod: pod({ labels: podLabel }),
      pods: [pod({ node: 'node1', labels: podLabel, anti: [term('service', 'NotIn', 'zone', ['securityscan', 'value2'])] })],
      wantPreFilter: SKIP,
    },
    {
      name: "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
      pod: pod({ labels: podLabel, anti: [term('service', 'Exists', 'region'), term('security', 'Exists', 'region')] }),
      pods: [pod({ node: 'node1', labels: podLabel2, anti: [term('security', 'Exists', 'zone')] })],
      want: ANTI,
    },
    {
      name: 'PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms',
      pod: pod({ labels: podLabel, anti: [term('service', 'Exists', 'zone'), term('security', 'Exists', 'zone')] }),
      pods: [pod({ node: 'node1', labels: podLabel2, anti: [term('security', 'Exists', 'zone')] })],
      want: ANTI,
    },
    {
      name: 'PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms',
      pod: pod({ labels: podLabel2, anti: [term('security', 'Exists', 'zone')] }),
      pods: [pod({ node: 'node1', labels: podLabel, anti: [term('service', 'Exists', 'zone'), term('security', 'Exists', 'zone')] })],
      want: EXISTING,
    },
    {
      name: 'PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms',
      pod: pod({ labels: { abc: '', xyz: '' }, anti: [term('abc', 'Exists', 'zone'), term('def', 'Exists', 'zone')] }),
      pods: [pod({ node: 'node1', labels: { def: '', xyz: '' }, anti: [term('abc', 'Exists', 'zone'), term('def', 'Exists', 'zone')] })],
      want: ANTI,
    },
    {
      name: 'PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms',
      pod: pod({ labels: { def: '', xyz: '' }, anti: [term('abc', 'Exists', 'zone'), term('def', 'Exists', 'zone')] }),
      pods: [pod({ node: 'node1', labels: { abc: '', xyz: '' }, anti: [term('abc', 'Exists', 'zone'), term('def', 'Exists', 'zone')] })],
      want: ANTI,
    },
    {
      name: 'PodAffinity fails PreFilter with an invalid affinity label syntax',
      pod: pod({
        labels: podLabel,
        affinity: [term('service', 'In', 'region', ['{{.bad-value.}}']), term('service', 'In', 'node', ['antivirusscan', 'value2'])],
      }),
      wantPreFilter: unresolvable(`parsing pod: requiredAffinityTerms: ${badValue}`),
    },
    {
      name: 'PodAntiAffinity fails PreFilter with an invalid antiaffinity label syntax',
      pod: pod({ labels: podLabel, affinity: [term('service', 'In', 'region', ['foo']), term('service', 'In', 'node', ['{{.bad-value.}}'])] }),
      wantPreFilter: unresolvable(`parsing pod: requiredAffinityTerms: ${badValue}`),
    },
    {
      name: 'affinity with NamespaceSelector',
      pod: pod({ labels: podLabel2, affinity: [term('service', 'In', 'region', ['securityscan', 'value2'], { namespaceSelector: teamSelector })] }),
      pods: [pod({ node: 'node1', ns: 'subteam1.team1', labels: podLabel })],
    },
    {
      name: 'affinity with non-matching NamespaceSelector',
      pod: pod({ labels: podLabel2, affinity: [term('service', 'In', 'region', ['securityscan', 'value2'], { namespaceSelector: teamSelector })] }),
      pods: [pod({ node: 'node1', ns: 'subteam1.team2', labels: podLabel })],
      want: AFFINITY,
    },
    {
      name: 'anti-affinity with matching NamespaceSelector',
      pod: pod({
        ns: 'subteam1.team1',
        labels: podLabel2,
        anti: [term('service', 'In', 'zone', ['securityscan', 'value2'], { namespaceSelector: teamSelector })],
      }),
      pods: [pod({ node: 'node1', ns: 'subteam2.team1', labels: podLabel })],
      want: ANTI,
    },
    {
      name: 'anti-affinity with matching all NamespaceSelector',
      pod: pod({ ns: 'subteam1.team1', labels: podLabel2, anti: [term('service', 'In', 'zone', ['securityscan', 'value2'], { namespaceSelector: {} })] }),
      pods: [pod({ node: 'node1', ns: 'subteam2.team1', labels: podLabel })],
      want: ANTI,
    },
    {
      name: 'anti-affinity with non-matching NamespaceSelector',
      pod: pod({
        ns: 'subteam1.team1',
        labels: podLabel2,
        anti: [term('service', 'In', 'zone', ['securityscan', 'value2'], { namespaceSelector: teamSelector })],
      }),
      pods: [pod({ node: 'node1', ns: 'subteam1.team2', labels: podLabel })],
    },
  ];

  test.each(cases)('$name', (c) => {
    const got = run([node1], c.pods ?? [], c.pod);
    expect(got.pre).toEqual(c.wantPreFilter ?? null);
    if (got.pre === null) expect(got.filters).toEqual([c.want ?? null]);
  });
});

// --- TestRequiredAffinityMultipleNodes ----------------------------------------------------

describe('required affinity, multiple nodes (upstream TestRequiredAffinityMultipleNodes)', () => {
  const china = { region: 'China' };
  const chinaAz1 = { region: 'China', az: 'az1' };
  const india = { region: 'India' };
  const rz = (n: string, region: string, zone: string): Node => node(n, { region, zone, hostname: n });

  const cases: { name: string; pod: Pod; pods: Pod[]; nodes: Node[]; wantPreFilter?: Verdict; want: Verdict[] }[] = [
    {
      name: 'A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules',
      pod: pod({ affinity: [term('foo', 'In', 'region', ['bar'])] }),
      pods: [pod({ name: 'p1', node: 'node1', labels: { foo: 'bar' } })],
      nodes: [node('node1', china), node('node2', chinaAz1), node('node3', india)],
      want: [null, null, AFFINITY],
    },
    {
      name:
        'The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the collection ' +
        "should not be blocked from being scheduled onto any node, even there's no existing pod that matches the rule anywhere.",
      pod: pod({
        labels: { foo: 'bar', service: 'securityscan' },
        affinity: [term('foo', 'In', 'zone', ['bar']), term('service', 'In', 'zone', ['securityscan'])],
      }),
      pods: [pod({ name: 'p1', node: 'nodeA', labels: { foo: 'bar' } })],
      nodes: [node('nodeA', { zone: 'az1', hostname: 'h1' }), node('nodeB', { zone: 'az2', hostname: 'h2' })],
      want: [null, null],
    },
    {
      name: 'The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys',
      pod: pod({
        labels: { foo: 'bar', service: 'securityscan' },
        affinity: [term('foo', 'In', 'zone', ['bar']), term('service', 'In', 'zone', ['securityscan'])],
      }),
      pods: [pod({ name: 'p1', node: 'nodeA', labels: { foo: 'bar' } })],
      nodes: [node('nodeA', { zoneLabel: 'az1', hostname: 'h1' }), node('nodeB', { zoneLabel: 'az2', hostname: 'h2' })],
      want: [AFFINITY, AFFINITY],
    },
    {
      name: 'NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB.',
      pod: pod({ anti: [term('foo', 'In', 'region', ['abc'])] }),
      pods: [pod({ node: 'nodeA', labels: { foo: 'abc' } })],
      nodes: [node('nodeA', { region: 'r1', hostname: 'nodeA' }), node('nodeB', { region: 'r1', hostname: 'nodeB' })],
      want: [ANTI, ANTI],
    },
    {
      name: 'This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.',
      pod: pod({ anti: [term('foo', 'In', 'region', ['abc']), term('service', 'In', 'zone', ['securityscan'])] }),
      pods: [pod({ node: 'nodeA', labels: { foo: 'abc', service: 'securityscan' } })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [ANTI, ANTI],
    },
    {
      name: 'NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC',
      pod: pod({ anti: [term('foo', 'In', 'region', ['abc'])] }),
      pods: [pod({ node: 'nodeA', labels: { foo: 'abc' } })],
      nodes: [node('nodeA', china), node('nodeB', chinaAz1), node('nodeC', india)],
      want: [ANTI, ANTI, null],
    },
    {
      name: 'NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod affinity rule but in different namespace)',
      pod: pod({ ns: 'NS1', labels: { foo: '123' }, anti: [term('foo', 'In', 'region', ['bar'])] }),
      pods: [pod({ node: 'nodeA', ns: 'NS1', labels: { foo: 'bar' } }), pod({ node: 'nodeC', ns: 'NS2', anti: [term('foo', 'In', 'region', ['123'])] })],
      nodes: [node('nodeA', china), node('nodeB', chinaAz1), node('nodeC', india)],
      want: [ANTI, ANTI, null],
    },
    {
      name: "Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the term is also checked",
      pod: pod({ labels: { foo: '' } }),
      pods: [pod({ node: 'nodeA', anti: [term('foo', 'Exists', 'invalid-node-label')] })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z1')],
      wantPreFilter: SKIP,
      want: [],
    },
    {
      name: "Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
      pod: pod({ anti: [term('foo', 'Exists', 'invalid-node-label')] }),
      pods: [pod({ node: 'nodeA', labels: { foo: '' } })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z1')],
      want: [null, null],
    },
    {
      name: "Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each existingPod's terms on all nodes",
      pod: pod({ labels: { foo: '', bar: '' } }),
      pods: [pod({ node: 'nodeA', anti: [term('foo', 'Exists', 'zone')] }), pod({ node: 'nodeA', anti: [term('bar', 'Exists', 'region')] })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [EXISTING, EXISTING],
    },
    {
      name: "Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one anti-affinity rule of existingPod",
      pod: pod({ anti: [term('foo', 'Exists', 'zone'), term('bar', 'Exists', 'region')] }),
      pods: [pod({ node: 'nodeA', labels: { foo: '' } }), pod({ node: 'nodeB', labels: { bar: '' } })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [ANTI, ANTI],
    },
    {
      name: "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
      pod: pod({ labels: { foo: '', bar: '' } }),
      pods: [pod({ node: 'nodeA', anti: [term('foo', 'Exists', 'invalid-node-label'), term('bar', 'Exists', 'zone')] })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [EXISTING, null],
    },
    {
      name: "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
      pod: pod({ anti: [term('foo', 'Exists', 'invalid-node-label'), term('bar', 'Exists', 'zone')] }),
      pods: [pod({ name: 'podA', node: 'nodeA', labels: { foo: '', bar: '' } })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [ANTI, null],
    },
    {
      name: "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
      pod: pod({ labels: { foo: '', bar: '' } }),
      pods: [pod({ node: 'nodeA', anti: [term('foo', 'Exists', 'region'), term('bar', 'Exists', 'zone')] })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [EXISTING, EXISTING],
    },
    {
      name: "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
      pod: pod({ anti: [term('foo', 'Exists', 'region'), term('bar', 'Exists', 'zone')] }),
      pods: [pod({ node: 'nodeA', labels: { foo: '', bar: '' } })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [ANTI, ANTI],
    },
    {
      name: "Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term matches incoming pod, so incoming pod can only be scheduled to nodeC",
      pod: pod({ labels: { foo: '', bar: '' } }),
      pods: [
        pod({ node: 'nodeA', anti: [term('foo', 'Exists', 'zone'), term('labelA', 'Exists', 'zone')] }),
        pod({ node: 'nodeB', anti: [term('bar', 'Exists', 'zone'), term('labelB', 'Exists', 'zone')] }),
      ],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2'), rz('nodeC', 'r1', 'z3')],
      want: [EXISTING, EXISTING, null],
    },
    {
      name: "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match",
      pod: pod({ affinity: [term('foo', 'Exists', 'region'), term('bar', 'Exists', 'zone')] }),
      pods: [pod({ name: 'pod1', labels: { foo: '', bar: '' }, node: 'nodeA' })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z1')],
      want: [null, null],
    },
    {
      name: "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match, and the match logic should be satisfied on the same pod",
      pod: pod({ affinity: [term('foo', 'Exists', 'region'), term('bar', 'Exists', 'zone')] }),
      pods: [pod({ name: 'pod1', node: 'nodeA', labels: { foo: '' } }), pod({ name: 'pod2', node: 'nodeB', labels: { bar: '' } })],
      nodes: [rz('nodeA', 'r1', 'z1'), rz('nodeB', 'r1', 'z2')],
      want: [AFFINITY, AFFINITY],
    },
  ];

  test.each(cases)('$name', (c) => {
    const got = run(c.nodes, c.pods, c.pod, [namespace('NS1', {})]);
    expect(got.pre).toEqual(c.wantPreFilter ?? null);
    if (got.pre === null) expect(got.filters).toEqual(c.want);
  });
});

test('Filter without PreFilter is an Error (upstream TestPreFilterDisabled)', () => {
  const { snap, plugin } = setup([node('a', {})], []);
  const got = plugin.filter(new CycleState(), newPodInfo(pod()), snap.view('a'));
  expect(verdict(got)).toEqual({ code: Code.Error, reasons: ['error reading "PreFilterInterPodAffinity" from cycleState: not found'] });
});

// --- TestPreFilterStateAddRemovePod --------------------------------------------------------

/** Counts as [key, value, n] with the interned ids spelled out, so that two snapshots compare. */
function spelled(snap: TestSnapshot, c: TopologyCounts): [string, string, number][] {
  const s = (id: number): string => snap.table.interner.string(id);
  return entriesOf(c)
    .map(([k, v, n]): [string, string, number] => [s(k), s(v), n])
    .sort((a, b) => (a[0] + a[1]).localeCompare(b[0] + b[1]));
}

function spelledState(snap: TestSnapshot, st: PreFilterState): Record<string, unknown> {
  return {
    affinityKeys: st.affinityKeys.map((k) => snap.table.interner.string(k)),
    antiAffinityKeys: st.antiAffinityKeys.map((k) => snap.table.interner.string(k)),
    selfMatch: st.selfMatch,
    existing: spelled(snap, st.existingAntiAffinityCounts),
    affinity: spelled(snap, st.affinityCounts),
    anti: spelled(snap, st.antiAffinityCounts),
  };
}

describe('AddPod/RemovePod update the PreFilter state (upstream TestPreFilterStateAddRemovePod)', () => {
  const label1 = { region: 'r1', zone: 'z11' };
  const label2 = { region: 'r1', zone: 'z12' };
  const label3 = { region: 'r2', zone: 'z21' };
  const selector1 = { foo: 'bar' };
  const antiFooBar = [term('foo', 'In', 'region', ['bar'])];
  const complex = [term('foo', 'In', 'region', ['bar', 'buzz']), term('service', 'NotIn', 'zone', ['bar', 'security', 'test'])];
  const nodes = [node('nodeA', label1), node('nodeB', label2), node('nodeC', label3)];

  const cases: {
    name: string;
    pending: Pod;
    added: Pod;
    existing: Pod[];
    wantAnti: [string, string, number][];
    wantAffinity: [string, string, number][];
  }[] = [
    {
      name: 'preFilterState anti-affinity terms are updated correctly after adding and removing a pod',
      pending: pod({ name: 'pending', labels: selector1, anti: antiFooBar }),
      existing: [pod({ name: 'p1', labels: selector1, node: 'nodeA' }), pod({ name: 'p2', node: 'nodeC', anti: antiFooBar })],
      added: pod({ name: 'addedPod', labels: selector1, node: 'nodeB', anti: antiFooBar }),
      wantAnti: [['region', 'r1', 2]],
      wantAffinity: [],
    },
    {
      name: 'preFilterState anti-affinity terms are updated correctly after adding and removing a pod (complex)',
      pending: pod({ name: 'pending', labels: selector1, anti: complex }),
      existing: [pod({ name: 'p1', labels: selector1, node: 'nodeA' }), pod({ name: 'p2', node: 'nodeC', anti: antiFooBar })],
      added: pod({ name: 'addedPod', labels: selector1, node: 'nodeA', anti: complex }),
      wantAnti: [
        ['region', 'r1', 2],
        ['zone', 'z11', 2],
        ['zone', 'z21', 1],
      ],
      wantAffinity: [],
    },
    {
      name: 'preFilterState matching pod affinity and anti-affinity are updated correctly after adding and removing a pod',
      pending: pod({ name: 'pending', labels: selector1, affinity: complex }),
      existing: [pod({ name: 'p1', labels: selector1, node: 'nodeA' }), pod({ name: 'p2', node: 'nodeC', anti: antiFooBar, affinity: complex })],
      added: pod({ name: 'addedPod', labels: selector1, node: 'nodeA', anti: complex }),
      wantAnti: [],
      wantAffinity: [
        ['region', 'r1', 2],
        ['zone', 'z11', 2],
      ],
    },
  ];

  test.each(cases)('$name', (c) => {
    const pending = newPodInfo(c.pending);
    const stateFor = (pods: Pod[]) => {
      const { snap, plugin } = setup(nodes, pods);
      const state = new CycleState();
      expect(plugin.preFilter(state, pending, snap.table).status).toBeNull();
      return { snap, plugin, state, s: state.read<PreFilterState>(preFilterStateKey)! };
    };
    const all = stateFor([...c.existing, c.added]);
    const { snap, plugin, state, s: original } = stateFor(c.existing);
    const before = spelledState(snap, original);
    // What preemption does: a copy of the cycle state, then what-ifs on the copy.
    const copy = state.clone();
    const added = newPodInfo(c.added);
    const view = snap.view(c.added.spec!.nodeName!);
    expect(plugin.addPod(copy, pending, added, view)).toBeNull();
    const afterAdd = copy.read<PreFilterState>(preFilterStateKey)!;
    expect(spelled(snap, afterAdd.antiAffinityCounts)).toEqual(c.wantAnti);
    expect(spelled(snap, afterAdd.affinityCounts)).toEqual(c.wantAffinity);
    expect(spelledState(snap, afterAdd)).toEqual(spelledState(all.snap, all.s));
    // The original state is untouched (copy on write).
    expect(spelledState(snap, state.read<PreFilterState>(preFilterStateKey)!)).toEqual(before);
    expect(plugin.removePod(copy, pending, added, view)).toBeNull();
    expect(spelledState(snap, copy.read<PreFilterState>(preFilterStateKey)!)).toEqual(before);
  });

  test('AddPod/RemovePod without PreFilter is an Error', () => {
    const { snap, plugin } = setup(nodes, []);
    const got = plugin.addPod(new CycleState(), newPodInfo(pod()), newPodInfo(pod()), snap.view('nodeA'));
    expect(got?.code).toBe(Code.Error);
  });

  test("an added pod's anti-affinity can bring a topology key PreFilter had not counted", () => {
    const { snap, plugin } = setup(nodes, [pod({ node: 'nodeA', anti: [term('foo', 'Exists', 'region')] })]);
    const incoming = newPodInfo(pod({ labels: selector1 }));
    const state = new CycleState();
    expect(plugin.preFilter(state, incoming, snap.table).status).toBeNull();
    expect(verdict(plugin.filter(state, incoming, snap.view('nodeC')))).toBeNull();
    plugin.addPod(state, incoming, newPodInfo(pod({ node: 'nodeC', anti: [term('foo', 'Exists', 'zone')] })), snap.view('nodeC'));
    expect(verdict(plugin.filter(state, incoming, snap.view('nodeC')))).toEqual(EXISTING);
    expect(verdict(plugin.filter(state, incoming, snap.view('nodeB')))).toEqual(EXISTING);
  });
});

// --- the state is plain data (upstream TestPreFilterStateClone) ---------------------------

describe('PreFilter state is plain data keyed by interned ids', () => {
  const nodes = [node('a', { zone: 'z1' }), node('b', { zone: 'z2' }), node('c', { zone: 'z3' }), node('d', {})];
  const pods = [
    pod({ node: 'a', labels: { app: 'db' } }),
    pod({ node: 'b', labels: { app: 'web' } }),
    pod({ node: 'c', labels: { app: 'db' }, anti: [term('app', 'In', 'zone', ['web'])] }),
  ];
  const incoming = newPodInfo(
    pod({ labels: { app: 'web' }, affinity: [term('app', 'In', 'zone', ['db', 'web'])], anti: [term('app', 'In', 'kubernetes.io/hostname', ['web'])] }),
  );

  test('structuredClone of the state filters every node as the original', () => {
    const { snap, plugin } = setup(nodes, pods);
    const state = new CycleState();
    expect(plugin.preFilter(state, incoming, snap.table).status).toBeNull();
    const s = state.read<PreFilterState>(preFilterStateKey)!;
    // What a worker thread receives.
    const cloned = structuredClone(s);
    expect(cloned).toEqual(s);
    expect(cloned).not.toBe(s);
    const workerState = new CycleState();
    workerState.write(preFilterStateKey, cloned);
    const want = nodes.map((n) => verdict(plugin.filter(state, incoming, snap.view(n.metadata!.name!))));
    expect(want).toEqual([null, ANTI, EXISTING, AFFINITY]);
    expect(nodes.map((n) => verdict(plugin.filter(workerState, incoming, snap.view(n.metadata!.name!))))).toEqual(want);
  });

  test('holds numbers, arrays and maps only (no strings, no objects with methods)', () => {
    const { snap, plugin } = setup(nodes, pods);
    const state = new CycleState();
    plugin.preFilter(state, incoming, snap.table);
    const check = (v: unknown, path: string): void => {
      if (typeof v === 'number' || typeof v === 'boolean') return;
      if (Array.isArray(v)) return v.forEach((x, i) => check(x, `${path}[${i}]`));
      if (v instanceof Map) {
        for (const [k, x] of v) {
          check(k, `${path}.key`);
          check(x, `${path}.value`);
        }
        return;
      }
      if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
        for (const [k, x] of Object.entries(v)) check(x, `${path}.${k}`);
        return;
      }
      throw new Error(`${path}: ${typeof v} is not plain numeric data`);
    };
    expect(() => check(state.read(preFilterStateKey), 'state')).not.toThrow();
  });

  test('Filter returns shared statuses (no allocation when rejecting, null on success)', () => {
    const { snap, plugin } = setup(nodes, pods);
    const state = new CycleState();
    plugin.preFilter(state, incoming, snap.table);
    expect(plugin.filter(state, incoming, snap.view('b'))).toBe(plugin.filter(state, incoming, snap.view('b')));
    expect(plugin.filter(state, incoming, snap.view('b'))?.plugin).toBe(name);
  });
});

// --- TestGetTPMapMatchingIncomingAffinityAntiAffinity ----------------------------------------

describe('incoming pod counts (upstream TestGetTPMapMatchingIncomingAffinityAntiAffinity)', () => {
  const withLabels = (...labels: string[]): Pod => pod({ name: 'normal', node: 'nodeA', labels: Object.fromEntries(labels.map((l) => [l, ''])) });
  const nodeA = node('nodeA', { hostname: 'nodeA' });
  const one: [string, string, number][] = [['hostname', 'nodeA', 1]];
  const cases: { name: string; existing: Pod[]; pod: Pod; wantAffinity: [string, string, number][]; wantAnti: [string, string, number][] }[] = [
    { name: 'nil test', existing: [], pod: pod({ name: 'aaa-normal' }), wantAffinity: [], wantAnti: [] },
    { name: 'incoming pod without affinity/anti-affinity causes a no-op', existing: [withLabels('aaa')], pod: pod({ name: 'aaa-normal' }), wantAffinity: [], wantAnti: [] },
    {
      name: "no pod has label that violates incoming pod's affinity and anti-affinity",
      existing: [withLabels('bbb')],
      pod: pod({ name: 'aaa-anti', affinity: [term('aaa', 'Exists', 'hostname')], anti: [term('aaa', 'Exists', 'hostname')] }),
      wantAffinity: [],
      wantAnti: [],
    },
    {
      name: "existing pod matches incoming pod's affinity and anti-affinity - single term case",
      existing: [withLabels('aaa')],
      pod: pod({ name: 'affi-antiaffi', affinity: [term('aaa', 'Exists', 'hostname')], anti: [term('aaa', 'Exists', 'hostname')] }),
      wantAffinity: one,
      wantAnti: one,
    },
    {
      name: "existing pod matches incoming pod's affinity and anti-affinity - multiple terms case",
      existing: [withLabels('aaa', 'bbb')],
      pod: pod({
        name: 'affi-antiaffi',
        affinity: [term('aaa', 'Exists', 'hostname'), term('bbb', 'Exists', 'hostname')],
        anti: [term('aaa', 'Exists', 'hostname')],
      }),
      wantAffinity: [['hostname', 'nodeA', 2]],
      wantAnti: one,
    },
    {
      name: "existing pod not match incoming pod's affinity but matches anti-affinity",
      existing: [withLabels('aaa')],
      pod: pod({
        name: 'affi-antiaffi',
        affinity: [term('aaa', 'Exists', 'hostname'), term('bbb', 'Exists', 'hostname')],
        anti: [term('aaa', 'Exists', 'hostname'), term('bbb', 'Exists', 'hostname')],
      }),
      wantAffinity: [],
      wantAnti: one,
    },
    {
      name: "incoming pod's anti-affinity has more than one term - existing pod violates partial term - case 1",
      existing: [withLabels('aaa', 'bbb')],
      pod: pod({
        name: 'anaffi-antiaffiti',
        affinity: [term('aaa', 'Exists', 'hostname'), term('ccc', 'Exists', 'hostname')],
        anti: [term('aaa', 'Exists', 'hostname'), term('ccc', 'Exists', 'hostname')],
      }),
      wantAffinity: [],
      wantAnti: one,
    },
    {
      name: "incoming pod's anti-affinity has more than one term - existing pod violates partial term - case 2",
      existing: [withLabels('bbb')],
      pod: pod({
        name: 'affi-antiaffi',
        affinity: [term('aaa', 'Exists', 'hostname'), term('bbb', 'Exists', 'hostname')],
        anti: [term('aaa', 'Exists', 'hostname'), term('bbb', 'Exists', 'hostname')],
      }),
      wantAffinity: [],
      wantAnti: one,
    },
  ];

  test.each(cases)('$name', (c) => {
    const snap = buildSnapshot([nodeA], c.existing);
    const info = newPodInfo(c.pod);
    const terms = new TermCache();
    const s = computePreFilterState({ lister: snap.lister, terms, interner: snap.table.interner }, info, terms.of(info), snap.table);
    expect(s === null ? [] : spelled(snap, s.affinityCounts)).toEqual(c.wantAffinity);
    expect(s === null ? [] : spelled(snap, s.antiAffinityCounts)).toEqual(c.wantAnti);
  });
});

// --- Berth: matchLabelKeys / mismatchLabelKeys, namespaces, bad selectors ------------------------

describe('matchLabelKeys and mismatchLabelKeys', () => {
  const nodes = [node('n1', { zone: 'z1' }), node('n2', { zone: 'z2' }), node('n3', { zone: 'z3' })];

  test("matchLabelKeys adds `key In (incoming pod's value)` to the incoming pod's selector", () => {
    const got = run(
      nodes,
      [pod({ node: 'n1', labels: { app: 'a', hash: 'h0' } }), pod({ node: 'n2', labels: { app: 'a', hash: 'h1' } })],
      pod({ labels: { app: 'a', hash: 'h1' }, affinity: [selectorTerm({ matchLabels: { app: 'a' } }, 'zone', { matchLabelKeys: ['hash'] })] }),
    );
    expect(got.filters).toEqual([AFFINITY, null, AFFINITY]);
  });

  test("mismatchLabelKeys adds `key NotIn (incoming pod's value)`", () => {
    const got = run(
      nodes,
      [pod({ node: 'n1', labels: { app: 'x', tenant: 't1' } }), pod({ node: 'n2', labels: { app: 'y', tenant: 't2' } })],
      pod({ labels: { tenant: 't1' }, anti: [selectorTerm({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, 'zone', { mismatchLabelKeys: ['tenant'] })] }),
    );
    expect(got.filters).toEqual([null, ANTI, null]);
  });

  test('a key the pod does not carry is ignored', () => {
    const got = run(
      nodes,
      [pod({ node: 'n1', labels: { app: 'a', hash: 'h0' } })],
      pod({ labels: { app: 'a' }, affinity: [selectorTerm({ matchLabels: { app: 'a' } }, 'zone', { matchLabelKeys: ['hash'] })] }),
    );
    expect(got.filters).toEqual([null, AFFINITY, AFFINITY]);
  });

  test("an existing pod's keys are merged from its own labels (symmetry)", () => {
    const existing = pod({ node: 'n1', labels: { version: 'v1' }, anti: [selectorTerm({ matchLabels: { app: 'a' } }, 'zone', { matchLabelKeys: ['version'] })] });
    expect(run(nodes, [existing], pod({ labels: { app: 'a', version: 'v1' } })).filters).toEqual([EXISTING, null, null]);
    expect(run(nodes, [existing], pod({ labels: { app: 'a', version: 'v2' } })).pre).toEqual(SKIP);
  });

  test('nothing is merged into a null labelSelector: it still selects nothing', () => {
    const got = run(nodes, [pod({ node: 'n1', labels: { hash: 'h1' } })], pod({ labels: { hash: 'h1' }, anti: [selectorTerm(undefined, 'zone', { matchLabelKeys: ['hash'] })] }));
    expect(got.filters).toEqual([null, null, null]);
  });
});

describe('namespaces', () => {
  const nodes = [node('n1', { zone: 'z1' }), node('n2', { zone: 'z2' })];

  test("a namespaceSelector does not select a namespace the lister does not know (upstream lists the namespaces)", () => {
    const got = run(
      nodes,
      [pod({ node: 'n1', ns: 'ghost', labels: { app: 'a' } })],
      pod({ labels: { app: 'b' }, anti: [term('app', 'In', 'zone', ['a'], { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] } })] }),
    );
    expect(got.filters).toEqual([null, null]);
  });

  test("an existing pod's namespaceSelector reads the incoming pod's namespace labels, empty when the namespace is unknown", () => {
    const existing = pod({
      node: 'n1',
      ns: 'subteam1.team1',
      anti: [term('app', 'In', 'zone', ['b'], { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['team2'] }] } })],
    });
    expect(run(nodes, [existing], pod({ ns: 'ghost', labels: { app: 'b' } })).filters).toEqual([EXISTING, null]);
    expect(run(nodes, [existing], pod({ ns: 'subteam2.team1', labels: { app: 'b' } })).filters).toEqual([EXISTING, null]);
    expect(run(nodes, [existing], pod({ ns: 'subteam1.team2', labels: { app: 'b' } })).pre).toEqual(SKIP);
  });

  test('namespaces and namespaceSelector are ORed', () => {
    const incoming = pod({
      ns: 'subteam1.team1',
      labels: { app: 'b' },
      anti: [term('app', 'In', 'zone', ['a'], { namespaces: ['other'], namespaceSelector: { matchLabels: { team: 'team2' } } })],
    });
    expect(run(nodes, [pod({ node: 'n1', ns: 'other', labels: { app: 'a' } }), pod({ node: 'n2', ns: 'subteam2.team2', labels: { app: 'a' } })], incoming).filters).toEqual([
      ANTI,
      ANTI,
    ]);
    expect(run(nodes, [pod({ node: 'n1', ns: 'subteam1.team1', labels: { app: 'a' } })], incoming).filters).toEqual([null, null]);
  });
});

describe('the first pod of a group', () => {
  const nodes = [node('n1', { zone: 'z1' }), node('n2', { zone: 'z2' }), node('n3', {})];
  const incoming = (): Pod => pod({ labels: { app: 'web' }, affinity: [term('app', 'In', 'zone', ['web'])] });

  test('goes anywhere the topology key exists when no matching pod runs anywhere', () => {
    expect(run(nodes, [pod({ node: 'n1', labels: { app: 'db' } })], incoming()).filters).toEqual([null, null, AFFINITY]);
  });

  test('follows the group once one runs', () => {
    expect(run(nodes, [pod({ node: 'n2', labels: { app: 'web' } })], incoming()).filters).toEqual([AFFINITY, null, AFFINITY]);
  });

  test('a pod that does not match its own terms gets no exception', () => {
    const got = run(nodes, [], pod({ labels: { app: 'db' }, affinity: [term('app', 'In', 'zone', ['web'])] }));
    expect(got.filters).toEqual([AFFINITY, AFFINITY, AFFINITY]);
  });

  test("its own namespace must be among the term's namespaces", () => {
    const got = run(nodes, [], pod({ labels: { app: 'web' }, affinity: [term('app', 'In', 'zone', ['web'], { namespaces: ['elsewhere'] })] }));
    expect(got.filters).toEqual([AFFINITY, AFFINITY, AFFINITY]);
  });
});

describe('a label selector that cannot be parsed makes the pod unschedulable, never a crash', () => {
  const nodes = [node('n1', { zone: 'z1' })];
  const cases: { name: string; pod: Pod; want: string }[] = [
    {
      name: 'unknown operator',
      pod: pod({ affinity: [selectorTerm({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['a'] }] }, 'zone')] }),
      want: 'parsing pod: requiredAffinityTerms: "Equals" is not a valid label selector operator',
    },
    {
      name: 'bad key in an anti-affinity term',
      pod: pod({ anti: [term('a/b/c', 'Exists', 'zone')] }),
      want:
        `parsing pod: requiredAntiAffinityTerms: key: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', ` +
        `and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') ` +
        `with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    },
    {
      name: 'In without values',
      pod: pod({ affinity: [term('app', 'In', 'zone', [])] }),
      want: "parsing pod: requiredAffinityTerms: values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    },
    {
      name: 'Exists with values',
      pod: pod({ affinity: [term('app', 'Exists', 'zone', ['x'])] }),
      want: 'parsing pod: requiredAffinityTerms: values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    },
    {
      name: 'bad namespaceSelector',
      pod: pod({ affinity: [term('app', 'Exists', 'zone', [], { namespaceSelector: { matchLabels: { team: 'a b' } } })] }),
      want:
        `parsing pod: requiredAffinityTerms: values[0][team]: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', ` +
        `and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    },
    {
      name: 'a bad preferred term fails PreFilter too (upstream NewPodInfo parses all four lists)',
      pod: pod({
        raw: {
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term('app', 'Bogus' as Op, 'zone') }],
          },
        },
      }),
      want: 'parsing pod: preferredAffinityTerms: "Bogus" is not a valid label selector operator',
    },
    {
      name: 'errors of several lists are aggregated',
      pod: pod({
        affinity: [term('app', 'Bogus' as Op, 'zone')],
        raw: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term('app', 'In', 'zone') }] } },
      }),
      want:
        'parsing pod: [requiredAffinityTerms: "Bogus" is not a valid label selector operator, ' +
        "preferredAntiAffinityTerms: values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty]",
    },
    {
      name: 'a term that is not an object',
      pod: pod({ affinity: [null as unknown as PodAffinityTerm] }),
      want: 'parsing pod: requiredAffinityTerms: Invalid value: null: a pod affinity term must be an object',
    },
  ];

  test.each(cases)('$name', (c) => {
    expect(run(nodes, [], c.pod).pre).toEqual(unresolvable(c.want));
  });

  test("an existing pod's unparsable list is ignored (as upstream's cache does)", () => {
    const existing = pod({ node: 'n1', labels: { app: 'a' }, anti: [term('app', 'Exists', 'zone'), term('x', 'In', 'zone', [])] });
    expect(run(nodes, [existing], pod({ labels: { app: 'a' } })).pre).toEqual(SKIP);
    expect(run(nodes, [existing], pod({ labels: { app: 'b' }, anti: [term('app', 'Exists', 'zone')] })).filters).toEqual([ANTI]);
  });
});
