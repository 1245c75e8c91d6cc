// Ported from upstream pkg/scheduler/framework/plugins/interpodaffinity/scoring_test.go
// (v1.36: TestPreferredAffinity, TestPreferredAffinityWithHardPodAffinitySymmetricWeight),
// plus Berth's cases: matchLabelKeys in preferred terms, the plain-data state.
import type { Affinity, LabelSelector, Namespace, Node, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import { MAX_NODE_SCORE } from '../../framework/interfaces.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import type { InterPodAffinityArgs } from './args.ts';
import { factory, preScoreStateKey, type PreScoreState } from './inter-pod-affinity.ts';

const MAX = MAX_NODE_SCORE;

let podCounter = 0;
function pod(o: { ns?: string; node?: string; labels?: Record<string, string>; affinity?: Affinity } = {}): Pod {
  const b = makePod(`p${++podCounter}`, o.ns ?? 'default');
  for (const [k, v] of Object.entries(o.labels ?? {})) b.label(k, v);
  if (o.node) b.node(o.node);
  const p = b.obj();
  if (o.affinity) p.spec!.affinity = structuredClone(o.affinity);
  return p;
}

function node(name: string, labels: Record<string, string>): Node {
  return makeNode(name).labels(labels).obj();
}

const selector = (...exprs: { key: string; operator: string; values?: string[] }[]): LabelSelector => ({ matchExpressions: exprs });
const weighted = (weight: number, term: PodAffinityTerm): WeightedPodAffinityTerm => ({ weight, podAffinityTerm: term });

const namespaces: Namespace[] = [
  { metadata: { name: 'subteam1.team1', labels: { team: 'team1' } } },
  { metadata: { name: 'subteam2.team1', labels: { team: 'team1' } } },
  { metadata: { name: 'subteam1.team2', labels: { team: 'team2' } } },
  { metadata: { name: 'subteam2.team2', labels: { team: 'team2' } } },
];

interface Outcome {
  status: { code: number; message: string } | null;
  scores?: [string, number][];
}

/** PreScore over all nodes (all feasible), then Score and NormalizeScore, as upstream's test does. */
function scoreAll(nodes: Node[], pods: Pod[], incoming: Pod, args: Partial<InterPodAffinityArgs> = {}): Outcome {
  const snap = buildSnapshot(nodes, pods, { namespaces });
  const plugin = factory(args, testHandle({ lister: snap.lister }));
  const info = newPodInfo(incoming);
  const state = new CycleState();
  const feasible = Int32Array.from(nodes.map((n) => snap.table.indexOf(n.metadata!.name!)));
  const status = plugin.preScore(state, info, snap.table, feasible);
  if (status !== null) return { status: { code: status.code, message: status.message() } };
  const scores = new Float64Array(nodes.length);
  nodes.forEach((n, i) => (scores[i] = plugin.score(state, info, snap.view(n.metadata!.name!))));
  expect(plugin.normalizeScore(state, info, scores, feasible, nodes.length)).toBeNull();
  return { status: null, scores: nodes.map((n, i) => [n.metadata!.name!, scores[i]!]) };
}

const SKIP = { code: Code.Skip, message: '' };

describe('preferred affinity (upstream TestPreferredAffinity)', () => {
  const china = { region: 'China' };
  const india = { region: 'India' };
  const az1 = { az: 'az1' };
  const az2 = { az: 'az2' };
  const chinaAz1 = { region: 'China', az: 'az1' };
  const s1 = { security: 'S1' };
  const s2 = { security: 'S2' };

  const stayWithS1InRegion: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(5, { labelSelector: selector({ key: 'security', operator: 'In', values: ['S1'] }), topologyKey: 'region' }),
      ],
    },
  };
  const stayWithS2InRegion: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(6, { labelSelector: selector({ key: 'security', operator: 'In', values: ['S2'] }), topologyKey: 'region' }),
      ],
    },
  };
  const affinity3: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(8, {
          labelSelector: selector({ key: 'security', operator: 'NotIn', values: ['S1'] }, { key: 'security', operator: 'In', values: ['S2'] }),
          topologyKey: 'region',
        }),
        weighted(2, {
          labelSelector: selector({ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }),
          topologyKey: 'region',
        }),
      ],
    },
  };
  const hardAffinity: Affinity = {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: selector({ key: 'security', operator: 'In', values: ['S1', 'value2'] }), topologyKey: 'region' },
        { labelSelector: selector({ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }), topologyKey: 'region' },
      ],
    },
  };
  const awayFromS1InAz: Affinity = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(5, { labelSelector: selector({ key: 'security', operator: 'In', values: ['S1'] }), topologyKey: 'az' }),
      ],
    },
  };
  const awayFromS2InAz: Affinity = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(5, { labelSelector: selector({ key: 'security', operator: 'In', values: ['S2'] }), topologyKey: 'az' }),
      ],
    },
  };
  const stayWithS1InRegionAwayFromS2InAz: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(8, { labelSelector: selector({ key: 'security', operator: 'In', values: ['S1'] }), topologyKey: 'region' }),
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(5, { labelSelector: selector({ key: 'security', operator: 'In', values: ['S2'] }), topologyKey: 'az' }),
      ],
    },
  };
  const teamTerm = (): PodAffinityTerm => ({
    labelSelector: selector({ key: 'security', operator: 'In', values: ['S1'] }),
    topologyKey: 'region',
    namespaces: ['subteam2.team2'],
    namespaceSelector: selector({ key: 'team', operator: 'In', values: ['team1'] }),
  });
  const affinityNamespaceSelector: Affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, teamTerm())] } };
  const antiAffinityNamespaceSelector: Affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, teamTerm())] } };
  const invalidAffinityLabels: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(8, { labelSelector: selector({ key: 'security', operator: 'In', values: ['{{.bad-value.}}'] }), topologyKey: 'region' }),
      ],
    },
  };
  const invalidAntiAffinityLabels: Affinity = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        weighted(5, { labelSelector: selector({ key: 'security', operator: 'In', values: ['{{.bad-value.}}'] }), topologyKey: 'az' }),
      ],
    },
  };

  const cases: {
    name: string;
    pod: Pod;
    pods?: Pod[];
    nodes: Node[];
    want?: [string, number][];
    wantStatus?: { code: number; message: string };
    ignorePreferredTermsOfExistingPods?: boolean;
  }[] = [
    {
      name: 'all nodes are same priority as Affinity is nil',
      pod: pod({ labels: s1 }),
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      wantStatus: SKIP,
    },
    {
      name: "Affinity: pod that matches topology key & pods in nodes will get high score comparing to otherswhich doesn't match either pods in nodes or in topology key",
      pod: pod({ labels: s1, affinity: stayWithS1InRegion }),
      pods: [pod({ node: 'node1', labels: s1 }), pod({ node: 'node2', labels: s2 }), pod({ node: 'node3', labels: s1 })],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [
        ['node1', MAX],
        ['node2', 0],
        ['node3', 0],
      ],
    },
    {
      name: 'All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score',
      pod: pod({ affinity: stayWithS1InRegion }),
      pods: [pod({ node: 'node1', labels: s1 })],
      nodes: [node('node1', china), node('node2', chinaAz1), node('node3', india)],
      want: [
        ['node1', MAX],
        ['node2', MAX],
        ['node3', 0],
      ],
    },
    {
      name: 'Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score',
      pod: pod({ labels: s1, affinity: stayWithS2InRegion }),
      pods: [
        pod({ node: 'node1', labels: s2 }),
        pod({ node: 'node1', labels: s2 }),
        pod({ node: 'node2', labels: s2 }),
        pod({ node: 'node3', labels: s2 }),
        pod({ node: 'node4', labels: s2 }),
        pod({ node: 'node5', labels: s2 }),
      ],
      nodes: [node('node1', china), node('node2', india), node('node3', china), node('node4', china), node('node5', india)],
      want: [
        ['node1', MAX],
        ['node2', 0],
        ['node3', MAX],
        ['node4', MAX],
        ['node5', 0],
      ],
    },
    {
      name: 'Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures',
      pod: pod({ labels: s1, affinity: affinity3 }),
      pods: [pod({ node: 'node1', labels: s1 }), pod({ node: 'node2', labels: s2 }), pod({ node: 'node3', labels: s1 })],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [
        ['node1', 20],
        ['node2', MAX],
        ['node3', 0],
      ],
    },
    {
      name: 'Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry',
      pod: pod({ labels: s2 }),
      pods: [pod({ node: 'node1', labels: s1, affinity: stayWithS1InRegion }), pod({ node: 'node2', labels: s2, affinity: stayWithS2InRegion })],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [
        ['node1', 0],
        ['node2', MAX],
        ['node3', 0],
      ],
    },
    {
      name: 'Affinity symmetry with namespace selector',
      pod: pod({ ns: 'subteam1.team1', labels: s1 }),
      pods: [pod({ node: 'node1', labels: s1, affinity: affinityNamespaceSelector }), pod({ node: 'node2', labels: s2, affinity: stayWithS2InRegion })],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [
        ['node1', MAX],
        ['node2', 0],
        ['node3', 0],
      ],
    },
    {
      name: 'AntiAffinity symmetry with namespace selector',
      pod: pod({ ns: 'subteam1.team1', labels: s1 }),
      pods: [pod({ node: 'node1', labels: s1, affinity: antiAffinityNamespaceSelector }), pod({ node: 'node2', labels: s2, affinity: stayWithS2InRegion })],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [
        ['node1', 0],
        ['node2', MAX],
        ['node3', MAX],
      ],
    },
    {
      name: 'Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry',
      pod: pod({ labels: s1 }),
      pods: [pod({ node: 'node1', labels: s1, affinity: hardAffinity }), pod({ node: 'node2', labels: s2, affinity: hardAffinity })],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [
        ['node1', MAX],
        ['node2', MAX],
        ['node3', 0],
      ],
    },
    {
      name: 'Anti Affinity: pod that does not match existing pods in node will get high score',
      pod: pod({ labels: s1, affinity: awayFromS1InAz }),
      pods: [pod({ node: 'node1', labels: s1 }), pod({ node: 'node2', labels: s2 })],
      nodes: [node('node1', az1), node('node2', china)],
      want: [
        ['node1', 0],
        ['node2', MAX],
      ],
    },
    {
      name: 'Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others',
      pod: pod({ labels: s1, affinity: awayFromS1InAz }),
      pods: [pod({ node: 'node1', labels: s1 }), pod({ node: 'node2', labels: s1 })],
      nodes: [node('node1', az1), node('node2', china)],
      want: [
        ['node1', 0],
        ['node2', MAX],
      ],
    },
    {
      name: 'Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score',
      pod: pod({ labels: s1, affinity: awayFromS1InAz }),
      pods: [pod({ node: 'node1', labels: s1 }), pod({ node: 'node1', labels: s1 }), pod({ node: 'node2', labels: s2 })],
      nodes: [node('node1', az1), node('node2', india)],
      want: [
        ['node1', 0],
        ['node2', MAX],
      ],
    },
    {
      name: 'Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score',
      pod: pod({ labels: s2 }),
      pods: [pod({ node: 'node1', labels: s1, affinity: awayFromS2InAz }), pod({ node: 'node2', labels: s2, affinity: awayFromS1InAz })],
      nodes: [node('node1', az1), node('node2', az2)],
      want: [
        ['node1', 0],
        ['node2', MAX],
      ],
    },
    {
      name: 'Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity',
      pod: pod({ labels: s1, affinity: stayWithS1InRegionAwayFromS2InAz }),
      pods: [pod({ node: 'node1', labels: s1 }), pod({ node: 'node2', labels: s1 })],
      nodes: [node('node1', china), node('node2', az1)],
      want: [
        ['node1', MAX],
        ['node2', 0],
      ],
    },
    {
      name: 'Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels',
      pod: pod({ labels: s1, affinity: stayWithS1InRegionAwayFromS2InAz }),
      pods: [
        pod({ node: 'node1', labels: s1 }),
        pod({ node: 'node1', labels: s1 }),
        pod({ node: 'node2', labels: s1 }),
        pod({ node: 'node3', labels: s1 }),
        pod({ node: 'node3', labels: s1 }),
        pod({ node: 'node4', labels: s1 }),
        pod({ node: 'node5', labels: s1 }),
      ],
      nodes: [node('node1', chinaAz1), node('node2', india), node('node3', china), node('node4', china), node('node5', india)],
      want: [
        ['node1', MAX],
        ['node2', 0],
        ['node3', MAX],
        ['node4', MAX],
        ['node5', 0],
      ],
    },
    {
      name: 'Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry',
      pod: pod({ labels: s1, affinity: stayWithS1InRegionAwayFromS2InAz }),
      pods: [
        pod({ node: 'node1', labels: s1 }),
        pod({ node: 'node2', labels: s2 }),
        pod({ node: 'node3', affinity: stayWithS1InRegionAwayFromS2InAz }),
        pod({ node: 'node4', affinity: awayFromS1InAz }),
      ],
      nodes: [node('node1', china), node('node2', az1), node('node3', india), node('node4', az2)],
      want: [
        ['node1', MAX],
        ['node2', 0],
        ['node3', MAX],
        ['node4', 0],
      ],
    },
    {
      // kubernetes/kubernetes#82796
      name: "Avoid panic when partial nodes in a topology don't have pods with affinity",
      pod: pod({ labels: s1 }),
      pods: [pod({ node: 'node1', labels: s1 }), pod({ node: 'node2', affinity: stayWithS1InRegionAwayFromS2InAz })],
      nodes: [node('node1', china), node('node2', china)],
      want: [
        ['node1', 0],
        ['node2', 0],
      ],
    },
    {
      name: 'invalid Affinity fails PreScore',
      pod: pod({ affinity: invalidAffinityLabels }),
      nodes: [node('node1', china), node('node2', china)],
      wantStatus: { code: Code.Error, message: 'Invalid value: "{{.bad-value.}}"' },
    },
    {
      name: 'invalid AntiAffinity fails PreScore',
      pod: pod({ affinity: invalidAntiAffinityLabels }),
      nodes: [node('node1', china), node('node2', china)],
      wantStatus: { code: Code.Error, message: 'Invalid value: "{{.bad-value.}}"' },
    },
    {
      name: 'Affinity with pods matching NamespaceSelector',
      pod: pod({ ns: 'subteam1.team1', labels: s1, affinity: affinityNamespaceSelector }),
      pods: [
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam1.team2', labels: s1 }),
        pod({ node: 'node2', ns: 'subteam2.team1', labels: s1 }),
      ],
      nodes: [node('node1', china), node('node2', india)],
      want: [
        ['node1', MAX],
        ['node2', 0],
      ],
    },
    {
      name: 'Affinity with pods matching both NamespaceSelector and Namespaces fields',
      pod: pod({ ns: 'subteam1.team1', labels: s1, affinity: affinityNamespaceSelector }),
      pods: [
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam2.team2', labels: s1 }),
        pod({ node: 'node2', ns: 'subteam2.team1', labels: s1 }),
      ],
      nodes: [node('node1', china), node('node2', india)],
      want: [
        ['node1', MAX],
        ['node2', 0],
      ],
    },
    {
      name: 'Anti-affinity with pods matching NamespaceSelector',
      pod: pod({ ns: 'subteam1.team1', labels: s1, affinity: antiAffinityNamespaceSelector }),
      pods: [
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam1.team2', labels: s1 }),
        pod({ node: 'node2', ns: 'subteam2.team1', labels: s1 }),
      ],
      nodes: [node('node1', china), node('node2', india)],
      want: [
        ['node1', 0],
        ['node2', MAX],
      ],
    },
    {
      name: 'Anti-affinity with pods matching both NamespaceSelector and Namespaces fields',
      pod: pod({ ns: 'subteam1.team1', labels: s1, affinity: antiAffinityNamespaceSelector }),
      pods: [
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam1.team1', labels: s1 }),
        pod({ node: 'node1', ns: 'subteam2.team2', labels: s1 }),
        pod({ node: 'node2', ns: 'subteam2.team1', labels: s1 }),
      ],
      nodes: [node('node1', china), node('node2', india)],
      want: [
        ['node1', 0],
        ['node2', MAX],
      ],
    },
    {
      name: 'Ignore preferred terms of existing pods',
      pod: pod({ labels: s2 }),
      pods: [pod({ node: 'node1', labels: s1, affinity: stayWithS1InRegionAwayFromS2InAz }), pod({ node: 'node2', labels: s2, affinity: stayWithS2InRegion })],
      nodes: [node('node1', china), node('node2', india)],
      wantStatus: SKIP,
      ignorePreferredTermsOfExistingPods: true,
    },
    {
      name: 'Do not ignore preferred terms of existing pods',
      pod: pod({ labels: s2 }),
      pods: [pod({ node: 'node1', labels: s1, affinity: stayWithS1InRegionAwayFromS2InAz }), pod({ node: 'node2', labels: s2, affinity: stayWithS2InRegion })],
      nodes: [node('node1', china), node('node2', india)],
      want: [
        ['node1', 0],
        ['node2', MAX],
      ],
      ignorePreferredTermsOfExistingPods: false,
    },
    {
      name: 'No nodes to score',
      pod: pod({ labels: s2 }),
      nodes: [],
      wantStatus: SKIP,
    },
  ];

  test.each(cases)('$name', (c) => {
    const got = scoreAll(c.nodes, c.pods ?? [], c.pod, { hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: c.ignorePreferredTermsOfExistingPods ?? false });
    if (c.wantStatus) {
      expect(got.status?.code).toBe(c.wantStatus.code);
      expect(got.status?.message).toContain(c.wantStatus.message);
    } else {
      expect(got).toEqual({ status: null, scores: c.want });
    }
  });
});

describe('hardPodAffinityWeight (upstream TestPreferredAffinityWithHardPodAffinitySymmetricWeight)', () => {
  const hardPodAffinity: Affinity = {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: selector({ key: 'service', operator: 'In', values: ['S1'] }),
          namespaces: ['', 'subteam2.team2'],
          namespaceSelector: selector({ key: 'team', operator: 'In', values: ['team1'] }),
          topologyKey: 'region',
        },
      ],
    },
  };
  const nodes = [node('node1', { region: 'China' }), node('node2', { region: 'India' }), node('node3', { az: 'az1' })];
  const existing = (): Pod[] => [pod({ node: 'node1', affinity: hardPodAffinity }), pod({ node: 'node2', affinity: hardPodAffinity })];
  const both: [string, number][] = [
    ['node1', MAX],
    ['node2', MAX],
    ['node3', 0],
  ];
  const cases: { name: string; pod: Pod; weight: number; want?: [string, number][]; wantStatus?: { code: number; message: string } }[] = [
    // Upstream's pod has namespace "", which its term names; Berth's test pods live in "default".
    { name: 'with default weight', pod: pod({ ns: '', labels: { service: 'S1' } }), weight: 1, want: both },
    { name: 'with zero weight', pod: pod({ ns: '', labels: { service: 'S1' } }), weight: 0, wantStatus: SKIP },
    { name: 'with no matching namespace', pod: pod({ ns: 'subteam1.team2', labels: { service: 'S1' } }), weight: 1, wantStatus: SKIP },
    { name: 'with matching NamespaceSelector', pod: pod({ ns: 'subteam1.team1', labels: { service: 'S1' } }), weight: 1, want: both },
    { name: 'with matching Namespaces', pod: pod({ ns: 'subteam2.team2', labels: { service: 'S1' } }), weight: 1, want: both },
  ];

  test.each(cases)('$name', (c) => {
    const got = scoreAll(nodes, existing(), c.pod, { hardPodAffinityWeight: c.weight });
    if (c.wantStatus) expect(got.status).toEqual(c.wantStatus);
    else expect(got).toEqual({ status: null, scores: c.want });
  });
});

describe('scoring, Berth cases', () => {
  test('the weight scales the symmetric preference against preferred terms', () => {
    // node1's pod requires the incoming pod's kind (×weight); node2's pod prefers it with weight 10.
    const required: Affinity = {
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone' }] },
    };
    const preferred: Affinity = {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(10, { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone' })] },
    };
    const nodes = [node('node1', { zone: 'z1' }), node('node2', { zone: 'z2' }), node('node3', { zone: 'z3' })];
    const pods = [pod({ node: 'node1', affinity: required }), pod({ node: 'node2', affinity: preferred })];
    const incoming = pod({ labels: { app: 'web' } });
    expect(scoreAll(nodes, pods, incoming, { hardPodAffinityWeight: 1 }).scores).toEqual([
      ['node1', 10],
      ['node2', MAX],
      ['node3', 0],
    ]);
    expect(scoreAll(nodes, pods, incoming, { hardPodAffinityWeight: 100 }).scores).toEqual([
      ['node1', MAX],
      ['node2', 10],
      ['node3', 0],
    ]);
  });

  test('matchLabelKeys narrow a preferred term to pods of the same revision', () => {
    const affinity: Affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          weighted(10, { labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['hash'], topologyKey: 'kubernetes.io/hostname' }),
        ],
      },
    };
    const nodes = [node('node1', {}), node('node2', {})];
    const pods = [pod({ node: 'node1', labels: { app: 'web', hash: 'old' } }), pod({ node: 'node2', labels: { app: 'web', hash: 'new' } })];
    expect(scoreAll(nodes, pods, pod({ labels: { app: 'web', hash: 'new' }, affinity })).scores).toEqual([
      ['node1', MAX],
      ['node2', 0],
    ]);
  });

  test('the PreScore state survives structuredClone and scores the same', () => {
    const affinity: Affinity = {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(3, { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' })] },
    };
    const nodes = [node('node1', { zone: 'z1' }), node('node2', { zone: 'z2' })];
    const snap = buildSnapshot(nodes, [pod({ node: 'node1', labels: { app: 'db' } })]);
    const plugin = factory({}, testHandle({ lister: snap.lister }));
    const info = newPodInfo(pod({ affinity }));
    const state = new CycleState();
    expect(plugin.preScore(state, info, snap.table, Int32Array.of(0, 1))).toBeNull();
    const copy = new CycleState();
    copy.write(preScoreStateKey, structuredClone(state.read<PreScoreState>(preScoreStateKey)));
    for (const n of ['node1', 'node2']) expect(plugin.score(copy, info, snap.view(n))).toBe(plugin.score(state, info, snap.view(n)));
    expect(plugin.score(state, info, snap.view('node1'))).toBe(3);
  });

  test('Score and NormalizeScore without PreScore', () => {
    const snap = buildSnapshot([node('node1', {})]);
    const plugin = factory({}, testHandle({ lister: snap.lister }));
    const info = newPodInfo(pod());
    expect(() => plugin.score(new CycleState(), info, snap.view('node1'))).toThrow('failed to read "PreScoreInterPodAffinity" from cycleState: not found');
    expect(plugin.normalizeScore(new CycleState(), info, new Float64Array(1), Int32Array.of(0), 1)?.code).toBe(Code.Error);
  });

  test('negative raw scores normalize to [0, 100]', () => {
    const snap = buildSnapshot([node('node1', {})]);
    const plugin = factory({}, testHandle({ lister: snap.lister }));
    const state = new CycleState();
    const s: PreScoreState = { topologyScore: { keys: [0], values: [new Map([[1, -5]])] } };
    state.write(preScoreStateKey, s);
    const scores = Float64Array.of(-10, -5, 0, 3);
    plugin.normalizeScore(state, newPodInfo(pod()), scores, Int32Array.of(0, 0, 0, 0), 4);
    expect([...scores]).toEqual([0, 38, 76, 100]);
  });
});
