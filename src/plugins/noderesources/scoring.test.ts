// NodeResourcesFit's scoring strategies, with upstream's tables
// (least_allocated_test.go, most_allocated_test.go,
// requested_to_capacity_ratio_test.go, fit_test.go TestFitScore), run against
// a real node table built from Node and Pod objects.
import type { Node, Pod, ResourceList } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import type { ResourceSpec, ScoringStrategy, UtilizationShapePoint } from './args.ts';
import { factory } from './fit.ts';
import { brokenLinear } from './resource-allocation.ts';

const handle = testHandle();

let seq = 0;
/** st.MakeNode().Name(name).Capacity(capacity): capacity and allocatable. */
const node = (name: string, capacity: ResourceList = {}): Node => makeNode(name).capacity(capacity).obj();
/** st.MakePod().Req(a).Req(b)…: one container per request list. */
function pod(...containers: ResourceList[]): Pod {
  const b = makePod(`p${++seq}`);
  for (const c of containers) b.req(c);
  return b.obj();
}
/** The same, bound to a node. */
function on(nodeName: string, ...containers: ResourceList[]): Pod {
  const b = makePod(`p${++seq}`).node(nodeName);
  for (const c of containers) b.req(c);
  return b.obj();
}
/** upstream util_test.go makeNode(name, milliCPU, memory, extended). */
function sized(name: string, milliCPU: number, memory: number, extended: Record<string, number> = {}): Node {
  const cap: ResourceList = { cpu: `${milliCPU}m`, memory: `${memory}` };
  for (const [k, v] of Object.entries(extended)) cap[k] = `${v}`;
  return node(name, cap);
}

const cpuMem = (cpu: string, memory: string): ResourceList => ({ cpu, memory });
const defaultResources: ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];
const extendedRes = 'abc.com/xyz';
const extendedResourceSet: ResourceSpec[] = [...defaultResources, { name: extendedRes, weight: 1 }];

interface ScoreCase {
  name: string;
  pod: Pod;
  nodes: Node[];
  existing?: Pod[];
  want: Record<string, number>;
  resources?: ResourceSpec[];
}

function scoreAll(strategy: ScoringStrategy, tc: ScoreCase, runPreScore = true): Record<string, number> {
  const plugin = factory({ scoringStrategy: strategy }, handle);
  const snap = buildSnapshot(tc.nodes, tc.existing ?? []);
  const state = new CycleState();
  const info = newPodInfo(tc.pod);
  if (runPreScore) {
    const feasible = Int32Array.from(tc.nodes, (n) => snap.table.indexOf(n.metadata!.name!));
    expect(plugin.preScore(state, info, snap.table, feasible)).toBeNull();
  }
  const got: Record<string, number> = {};
  for (const n of tc.nodes) got[n.metadata!.name!] = plugin.score(state, info, snap.view(n.metadata!.name!));
  return got;
}

describe('LeastAllocated (least_allocated_test.go)', () => {
  const table: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested',
      pod: pod(),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('4000', '10000'))],
      want: { node1: 100, node2: 100 },
    },
    {
      name: 'nothing scheduled, resources requested, differently sized nodes',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))],
      want: { node1: 37, node2: 50 },
    },
    {
      name: 'no resources requested, pods scheduled',
      pod: pod(),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('4000', '10000'))],
      existing: [on('node1'), on('node1'), on('node2'), on('node2')],
      want: { node1: 100, node2: 100 },
    },
    {
      name: 'no resources requested, pods scheduled with resources',
      pod: pod(),
      nodes: [node('node1', cpuMem('10000', '20000')), node('node2', cpuMem('10000', '20000'))],
      existing: [
        on('node1', cpuMem('3000', '0')),
        on('node1', cpuMem('3000', '0')),
        on('node2', cpuMem('3000', '0')),
        on('node2', cpuMem('3000', '5000')),
      ],
      want: { node1: 70, node2: 57 },
    },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('10000', '20000')), node('node2', cpuMem('10000', '20000'))],
      existing: [on('node1', cpuMem('3000', '0')), on('node2', cpuMem('3000', '5000'))],
      want: { node1: 57, node2: 45 },
    },
    {
      name: 'resources requested, pods scheduled with resources, differently sized nodes',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('10000', '20000')), node('node2', cpuMem('10000', '50000'))],
      existing: [on('node1', cpuMem('3000', '0')), on('node2', cpuMem('3000', '5000'))],
      want: { node1: 57, node2: 60 },
    },
    {
      name: 'requested resources exceed node capacity',
      pod: pod(cpuMem('3000', '0')),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('4000', '10000'))],
      existing: [on('node1', cpuMem('3000', '0')), on('node2', cpuMem('3000', '5000'))],
      want: { node1: 50, node2: 25 },
    },
    {
      name: 'zero node resources, pods scheduled with resources',
      pod: pod(),
      nodes: [node('node1'), node('node2')],
      existing: [on('node1', cpuMem('3000', '0')), on('node2', cpuMem('3000', '5000'))],
      want: { node1: 0, node2: 0 },
    },
    {
      name: 'nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))],
      want: { node1: 41, node2: 50 },
      resources: [
        { name: 'memory', weight: 2 },
        { name: 'cpu', weight: 1 },
      ],
    },
    {
      // Upstream's internal config rejects weight 0; its v1 API (what files hold) defaults it to 1.
      name: 'resource with zero weight is defaulted to 1',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))],
      want: { node1: 37, node2: 50 },
      resources: [
        { name: 'memory', weight: 1 },
        { name: 'cpu', weight: 0 },
      ],
    },
    {
      name: 'bypass extended resource if the pod does not request',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('6000', '10000')), node('node2', { cpu: '6000', memory: '10000', [extendedRes]: '4' })],
      want: { node1: 50, node2: 50 },
      resources: extendedResourceSet,
    },
    {
      name: 'honor extended resource if the pod requests',
      pod: pod({ cpu: '3000', memory: '5000', [extendedRes]: '2' }),
      nodes: [
        node('node1', { cpu: '6000', memory: '10000', [extendedRes]: '4' }),
        node('node2', { cpu: '6000', memory: '10000', [extendedRes]: '10' }),
      ],
      want: { node1: 50, node2: 60 },
      resources: extendedResourceSet,
    },
    {
      name: "if the node doesn't have a resource",
      pod: pod(cpuMem('3000', '4000')),
      nodes: [node('node1', cpuMem('6000', '10000')), node('node2', { cpu: '6000', memory: '10000', [extendedRes]: '4' })],
      want: { node1: 55, node2: 55 },
      resources: [
        { name: extendedRes, weight: 2 },
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
      ],
    },
  ];
  test.each(table)('$name', (tc) => {
    expect(scoreAll({ type: 'LeastAllocated', resources: tc.resources ?? defaultResources }, tc)).toEqual(tc.want);
  });
});

describe('MostAllocated (most_allocated_test.go)', () => {
  const table: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested',
      pod: pod(),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('4000', '10000'))],
      want: { node1: 0, node2: 0 },
    },
    {
      name: 'nothing scheduled, resources requested, differently sized nodes',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))],
      want: { node1: 62, node2: 50 },
    },
    {
      name: 'no resources requested, pods scheduled with resources',
      pod: pod(),
      nodes: [node('node1', cpuMem('10000', '20000')), node('node2', cpuMem('10000', '20000'))],
      existing: [
        on('node1', cpuMem('3000', '0')),
        on('node1', cpuMem('3000', '0')),
        on('node2', cpuMem('3000', '0')),
        on('node2', cpuMem('3000', '5000')),
      ],
      want: { node1: 30, node2: 42 },
    },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('10000', '20000')), node('node2', cpuMem('10000', '20000'))],
      existing: [on('node1', cpuMem('3000', '0')), on('node2', cpuMem('3000', '5000'))],
      want: { node1: 42, node2: 55 },
    },
    {
      name: 'resources requested equal node capacity',
      pod: pod(cpuMem('2000', '4000'), cpuMem('3000', '5000')),
      nodes: [node('node1', cpuMem('5000', '10000')), node('node2', cpuMem('10000', '9000'))],
      want: { node1: 95, node2: 75 },
    },
    {
      name: 'nothing scheduled, resources requested, differently sized nodes, memory weighted 2',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))],
      want: { node1: 58, node2: 50 },
      resources: [
        { name: 'memory', weight: 2 },
        { name: 'cpu', weight: 1 },
      ],
    },
    {
      name: 'no resources requested, pods scheduled, nonzero request for resource',
      pod: makePod('p-nonzero').container({ name: 'container' }).obj(),
      nodes: [node('node1', cpuMem('250m', '1000Mi')), node('node2', cpuMem('250m', '1000Mi'))],
      existing: [
        makePod('e1').node('node1').container({ name: 'container' }).obj(),
        makePod('e2').node('node1').container({ name: 'container' }).obj(),
      ],
      want: { node1: 80, node2: 30 },
    },
    {
      name: 'bypass extended resource if the pod does not request',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('6000', '10000')), node('node2', { cpu: '6000', memory: '10000', [extendedRes]: '4' })],
      want: { node1: 50, node2: 50 },
      resources: extendedResourceSet,
    },
    {
      name: 'honor extended resource if the pod request',
      pod: pod({ cpu: '3000', memory: '5000', [extendedRes]: '2' }),
      nodes: [
        node('node1', { cpu: '6000', memory: '10000', [extendedRes]: '4' }),
        node('node2', { cpu: '6000', memory: '10000', [extendedRes]: '10' }),
      ],
      want: { node1: 50, node2: 40 },
      resources: extendedResourceSet,
    },
    {
      name: "if the node doesn't have a resource",
      pod: pod(cpuMem('3000', '4000')),
      nodes: [node('node1', cpuMem('6000', '10000')), node('node2', { cpu: '6000', memory: '10000', [extendedRes]: '4' })],
      want: { node1: 45, node2: 45 },
      resources: [
        { name: extendedRes, weight: 2 },
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
      ],
    },
  ];
  test.each(table)('$name', (tc) => {
    expect(scoreAll({ type: 'MostAllocated', resources: tc.resources ?? defaultResources }, tc)).toEqual(tc.want);
  });
});

describe('RequestedToCapacityRatio (requested_to_capacity_ratio_test.go)', () => {
  const shape: UtilizationShapePoint[] = [
    { utilization: 0, score: 10 },
    { utilization: 100, score: 0 },
  ];
  const table: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested (default - least requested nodes have priority)',
      pod: pod(),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('4000', '10000'))],
      existing: [on('node1'), on('node1')],
      want: { node1: 100, node2: 100 },
    },
    {
      name: 'nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)',
      pod: pod(cpuMem('1000', '2000'), cpuMem('2000', '3000')),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))],
      existing: [on('node1'), on('node1')],
      want: { node1: 38, node2: 50 },
    },
    {
      name: 'no resources requested, pods scheduled with resources (default - least requested nodes have priority)',
      pod: pod(),
      nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))],
      existing: [on('node1', cpuMem('3000', '5000')), on('node2', cpuMem('3000', '5000'))],
      want: { node1: 38, node2: 50 },
    },
  ];
  test.each(table)('$name', (tc) => {
    const strategy: ScoringStrategy = { type: 'RequestedToCapacityRatio', resources: defaultResources, requestedToCapacityRatio: { shape } };
    expect(scoreAll(strategy, tc)).toEqual(tc.want);
  });

  const binPacking: ScoringStrategy = {
    type: 'RequestedToCapacityRatio',
    resources: [{ name: 'intel.com/foo', weight: 1 }],
    requestedToCapacityRatio: {
      shape: [
        { utilization: 0, score: 0 },
        { utilization: 100, score: 1 },
      ],
    },
  };
  const GiB10 = 10000 * 1024 * 1024;
  // TestResourceBinPackingSingleExtended
  const single: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested',
      pod: pod(),
      nodes: [sized('node1', 4000, GiB10, { 'intel.com/foo': 8 }), sized('node2', 4000, GiB10, { 'intel.com/foo': 4 })],
      want: { node1: 0, node2: 0 },
    },
    {
      name: 'resources requested, pods scheduled with less resources',
      pod: pod({ 'intel.com/foo': '2' }),
      nodes: [sized('node1', 4000, GiB10, { 'intel.com/foo': 8 }), sized('node2', 4000, GiB10, { 'intel.com/foo': 4 })],
      existing: [pod()],
      want: { node1: 2, node2: 5 },
    },
    {
      name: 'resources requested, pods scheduled with resources, on node with existing pod running',
      pod: pod({ 'intel.com/foo': '2' }),
      nodes: [sized('node1', 4000, GiB10, { 'intel.com/foo': 8 }), sized('node2', 4000, GiB10, { 'intel.com/foo': 4 })],
      existing: [on('node2', { 'intel.com/foo': '2' })],
      want: { node1: 2, node2: 10 },
    },
    {
      name: 'resources requested, pods scheduled with more resources',
      pod: pod({ 'intel.com/foo': '4' }),
      nodes: [sized('node1', 4000, GiB10, { 'intel.com/foo': 8 }), sized('node2', 4000, GiB10, { 'intel.com/foo': 4 })],
      existing: [pod()],
      want: { node1: 5, node2: 10 },
    },
  ];
  test.each(single)('bin packing, one extended resource: $name', (tc) => {
    expect(scoreAll(binPacking, tc)).toEqual(tc.want);
  });

  // TestResourceBinPackingMultipleExtended
  const multiStrategy: ScoringStrategy = {
    ...binPacking,
    resources: [
      { name: 'intel.com/foo', weight: 3 },
      { name: 'intel.com/bar', weight: 5 },
    ],
  };
  const ext1 = { 'intel.com/foo': 4, 'intel.com/bar': 8 };
  const ext2 = { 'intel.com/foo': 8, 'intel.com/bar': 4 };
  const podExt1 = { 'intel.com/foo': '2', 'intel.com/bar': '2' };
  const podExt2 = { 'intel.com/foo': '4', 'intel.com/bar': '2' };
  const multi: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested',
      pod: pod(),
      nodes: [sized('node1', 4000, GiB10, ext2), sized('node2', 4000, GiB10, ext1)],
      want: { node1: 0, node2: 0 },
    },
    {
      name: 'resources requested, pods scheduled with less resources',
      pod: pod(podExt1),
      nodes: [sized('node1', 4000, GiB10, ext2), sized('node2', 4000, GiB10, ext1)],
      existing: [pod()],
      want: { node1: 4, node2: 3 },
    },
    {
      name: 'resources requested, pods scheduled with resources, on node with existing pod running',
      pod: pod(podExt1),
      nodes: [sized('node1', 4000, GiB10, ext2), sized('node2', 4000, GiB10, ext1)],
      existing: [on('node2', podExt2)],
      want: { node1: 4, node2: 7 },
    },
    {
      name: 'resources requested, pods scheduled with more resources',
      pod: pod(podExt2),
      nodes: [sized('node1', 4000, GiB10, ext2), sized('node2', 4000, GiB10, ext1)],
      existing: [pod()],
      want: { node1: 5, node2: 5 },
    },
  ];
  test.each(multi)('bin packing, two extended resources: $name', (tc) => {
    expect(scoreAll(multiStrategy, tc)).toEqual(tc.want);
  });
});

describe('brokenLinear (TestBrokenLinearFunction)', () => {
  const table: { name: string; points: UtilizationShapePoint[]; assertions: [number, number][] }[] = [
    {
      name: 'rising',
      points: [
        { utilization: 10, score: 1 },
        { utilization: 90, score: 9 },
      ],
      assertions: [[-10, 1], [0, 1], [9, 1], [10, 1], [15, 1], [19, 1], [20, 2], [89, 8], [90, 9], [99, 9], [100, 9], [110, 9]],
    },
    {
      name: 'up then down',
      points: [
        { utilization: 0, score: 2 },
        { utilization: 40, score: 10 },
        { utilization: 100, score: 0 },
      ],
      assertions: [[-10, 2], [0, 2], [20, 6], [30, 8], [40, 10], [70, 5], [100, 0], [110, 0]],
    },
    {
      name: 'flat',
      points: [
        { utilization: 0, score: 2 },
        { utilization: 40, score: 2 },
        { utilization: 100, score: 2 },
      ],
      assertions: [[-10, 2], [0, 2], [20, 2], [30, 2], [40, 2], [70, 2], [100, 2], [110, 2]],
    },
    {
      // Go's integer division truncates towards zero on a falling segment.
      name: 'falling segment truncates towards zero',
      points: [
        { utilization: 0, score: 100 },
        { utilization: 100, score: 0 },
      ],
      assertions: [[33, 67], [1, 99], [99, 1]],
    },
  ];
  test.each(table)('$name', ({ points, assertions }) => {
    const f = brokenLinear(points);
    for (const [p, want] of assertions) expect([p, f(p)]).toEqual([p, want]);
  });
});

describe('Fit score (fit_test.go TestFitScore)', () => {
  const existing = (): Pod[] => [on('node1', cpuMem('2000', '4000')), on('node2', cpuMem('1000', '2000'))];
  const nodes = (): Node[] => [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('6000', '10000'))];
  const table: { name: string; strategy: ScoringStrategy; tc: ScoreCase }[] = [
    {
      name: 'RequestedToCapacityRatio case1',
      strategy: {
        type: 'RequestedToCapacityRatio',
        resources: defaultResources,
        requestedToCapacityRatio: {
          shape: [
            { utilization: 0, score: 10 },
            { utilization: 100, score: 0 },
          ],
        },
      },
      tc: { name: '', pod: pod(cpuMem('3000', '5000')), nodes: nodes(), existing: existing(), want: { node1: 10, node2: 32 } },
    },
    {
      name: 'RequestedToCapacityRatio case2',
      strategy: {
        type: 'RequestedToCapacityRatio',
        resources: defaultResources,
        requestedToCapacityRatio: {
          shape: [
            { utilization: 0, score: 0 },
            { utilization: 100, score: 10 },
          ],
        },
      },
      tc: { name: '', pod: pod(cpuMem('3000', '5000')), nodes: nodes(), existing: existing(), want: { node1: 95, node2: 68 } },
    },
    {
      name: 'MostAllocated',
      strategy: { type: 'MostAllocated', resources: defaultResources },
      tc: { name: '', pod: pod(cpuMem('1000', '2000')), nodes: nodes(), existing: existing(), want: { node1: 67, node2: 36 } },
    },
    {
      name: 'LeastAllocated',
      strategy: { type: 'LeastAllocated', resources: defaultResources },
      tc: { name: '', pod: pod(cpuMem('1000', '2000')), nodes: nodes(), existing: existing(), want: { node1: 32, node2: 63 } },
    },
    {
      name: 'MostAllocated with sidecar container',
      strategy: { type: 'MostAllocated', resources: defaultResources },
      tc: {
        name: '',
        pod: pod(cpuMem('1000', '2000')),
        nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('4000', '10000'))],
        existing: [
          makePod('sc1').node('node1').req(cpuMem('1000', '2000')).initReq(cpuMem('1000', '2000'), 'Always').obj(),
          on('node2', cpuMem('1000', '2000')),
        ],
        want: { node1: 67, node2: 45 },
      },
    },
    {
      name: 'LeastAllocated with sidecar container',
      strategy: { type: 'LeastAllocated', resources: defaultResources },
      tc: {
        name: '',
        pod: pod(cpuMem('1000', '2000')),
        nodes: [node('node1', cpuMem('4000', '10000')), node('node2', cpuMem('4000', '10000'))],
        existing: [
          makePod('sc2').node('node1').req(cpuMem('1000', '2000')).initReq(cpuMem('1000', '2000'), 'Always').obj(),
          on('node2', cpuMem('1000', '2000')),
        ],
        want: { node1: 32, node2: 55 },
      },
    },
  ];
  test.each(table)('$name', ({ strategy, tc }) => {
    expect(scoreAll(strategy, tc)).toEqual(tc.want);
  });
  // Upstream's "if PreScore is not called" rows: Score computes the request itself.
  test.each(table.filter((t) => !t.name.includes('sidecar')))('$name, without PreScore', ({ strategy, tc }) => {
    expect(scoreAll(strategy, tc, false)).toEqual(tc.want);
  });

  test('pod-level requests are what the pod is scored with (upstream v1.36 Fit ignores them: see fit.ts)', () => {
    const podLevel = makePod('pl').container({ name: 'a' }).obj();
    podLevel.spec!.resources = { requests: { cpu: '2', memory: '4Gi' } };
    const tc: ScoreCase = {
      name: '',
      pod: podLevel,
      nodes: [node('node1', cpuMem('4', '8Gi'))],
      // cpu (4000-2000)/4000 → 50, memory (8-4)/8 → 50; upstream would score the 100m/200Mi default: 97
      want: { node1: 50 },
    };
    expect(scoreAll({ type: 'LeastAllocated', resources: defaultResources }, tc)).toEqual(tc.want);
  });

  test('LeastAllocated (the default) weighs the non-zero defaults of requestless containers', () => {
    // Each requestless container counts 100m / 200Mi when scoring, as upstream.
    const tc: ScoreCase = {
      name: '',
      pod: makePod('bare').container({ name: 'c' }).obj(),
      nodes: [node('node1', cpuMem('1', '1Gi')), node('node2', cpuMem('1', '1Gi'))],
      existing: [makePod('e').node('node1').container({ name: 'c' }).container({ name: 'd' }).obj()],
      want: {
        // node1: cpu (1000-300)/1000 → 70, memory (1024-600)/1024 → 41; (70+41)/2 = 55
        node1: 55,
        // node2: cpu 90, memory (1024-200)/1024 → 80; 85
        node2: 85,
      },
    };
    expect(scoreAll({ type: 'LeastAllocated', resources: defaultResources }, tc)).toEqual(tc.want);
  });
});
