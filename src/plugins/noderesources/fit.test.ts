// NodeResourcesFit PreFilter/Filter, with upstream's tables (fit_test.go:
// TestEnoughRequests, TestNotEnoughRequests, TestStorageRequests,
// TestRestartableInitContainers, TestPreFilterDisabled), run against a real
// node table built from Node and Pod objects.
import type { Node, Pod, ResourceList } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { PodInfo } from '../../framework/interfaces.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import type { NodeResourcesFitArgs } from './args.ts';
import { InvalidArgsError } from './args.ts';
import { factory, name } from './fit.ts';

const handle = testHandle();

const extendedA = 'example.com/aaa';
const extendedB = 'example.com/bbb';
const kubernetesIOA = 'kubernetes.io/something';
const kubernetesIOB = 'subdomain.kubernetes.io/something';
const hugePageA = 'hugepages-2Mi';

/** upstream framework.Resource as a container's requests: cpu in millicores, the rest in units. */
interface Usage {
  cpu?: number;
  mem?: number;
  eph?: number;
  scalar?: Record<string, number>;
}
function requests(u: Usage): ResourceList {
  const r: ResourceList = { cpu: `${u.cpu ?? 0}m`, memory: `${u.mem ?? 0}`, 'ephemeral-storage': `${u.eph ?? 0}` };
  for (const [k, v] of Object.entries(u.scalar ?? {})) r[k] = `${v}`;
  return r;
}

let seq = 0;
/** newResourcePod(usage...) + newResourceInitPod(pod, init...) */
function pod(containers: Usage[], inits: Usage[] = []): Pod {
  const b = makePod(`p${++seq}`);
  for (const u of containers) b.req(requests(u));
  for (const u of inits) b.initReq(requests(u));
  return b.obj();
}
/** framework.NewNodeInfo(newResourcePod(usage)) on the node: one existing pod. */
function existingOn(nodeName: string, u: Usage): Pod {
  return makePod(`e${++seq}`).node(nodeName).req(requests(u)).obj();
}

/** makeAllocatableResources(milliCPU, memory, pods, extendedA, storage, hugePageA) */
function allocatable(milliCPU: number, memory: number, pods: number, extA: number, storage: number, hugeA: number): ResourceList {
  return {
    cpu: `${milliCPU}m`,
    memory: `${memory}`,
    pods: `${pods}`,
    [extendedA]: `${extA}`,
    'ephemeral-storage': `${storage}`,
    [hugePageA]: `${hugeA}`,
  };
}
const nodeWith = (alloc: ResourceList): Node => makeNode('node').capacity(alloc).obj();

function runFilter(args: unknown, p: Pod | PodInfo, node: Node, existing: Pod[]): { preFilter: Result; filter: Result | 'not run' } {
  const plugin = factory(args, handle);
  const snap = buildSnapshot([node], existing);
  const state = new CycleState();
  const info = 'pod' in p && 'key' in p ? p : newPodInfo(p);
  const pre = plugin.preFilter(state, info, snap.table);
  if (pre.status !== null) return { preFilter: pre.status, filter: 'not run' };
  return { preFilter: null, filter: plugin.filter(state, info, snap.view('node')) };
}

const unschedulable = (...reasons: string[]): Status => new Status(Code.Unschedulable, reasons, name);
const unresolvable = (...reasons: string[]): Status => new Status(Code.UnschedulableAndUnresolvable, reasons, name);
const ins = (r: string): string => `Insufficient ${r}`;

describe('Filter: TestEnoughRequests', () => {
  const table: { name: string; pod: Pod; existing: Usage; args?: Partial<NodeResourcesFitArgs>; want: Status | null }[] = [
    { name: 'no resources requested always fits', pod: makePod('empty').obj(), existing: { cpu: 10, mem: 20 }, want: null },
    {
      name: 'too many resources fails',
      pod: pod([{ cpu: 1, mem: 1 }]),
      existing: { cpu: 10, mem: 20 },
      want: unschedulable(ins('cpu'), ins('memory')),
    },
    {
      name: "too many resources fails due to init container cpu",
      pod: pod([{ cpu: 1, mem: 1 }], [{ cpu: 3, mem: 1 }]),
      existing: { cpu: 8, mem: 19 },
      want: unschedulable(ins('cpu')),
    },
    {
      name: 'too many resources fails due to highest init container cpu',
      pod: pod([{ cpu: 1, mem: 1 }], [{ cpu: 3, mem: 1 }, { cpu: 2, mem: 1 }]),
      existing: { cpu: 8, mem: 19 },
      want: unschedulable(ins('cpu')),
    },
    {
      name: 'too many resources fails due to init container memory',
      pod: pod([{ cpu: 1, mem: 1 }], [{ cpu: 1, mem: 3 }]),
      existing: { cpu: 9, mem: 19 },
      want: unschedulable(ins('memory')),
    },
    {
      name: 'too many resources fails due to highest init container memory',
      pod: pod([{ cpu: 1, mem: 1 }], [{ cpu: 1, mem: 3 }, { cpu: 1, mem: 2 }]),
      existing: { cpu: 9, mem: 19 },
      want: unschedulable(ins('memory')),
    },
    {
      name: "init container fits because it's the max, not sum, of containers and init containers",
      pod: pod([{ cpu: 1, mem: 1 }], [{ cpu: 1, mem: 1 }]),
      existing: { cpu: 9, mem: 19 },
      want: null,
    },
    {
      name: "multiple init containers fit because it's the max, not sum, of containers and init containers",
      pod: pod([{ cpu: 1, mem: 1 }], [{ cpu: 1, mem: 1 }, { cpu: 1, mem: 1 }]),
      existing: { cpu: 9, mem: 19 },
      want: null,
    },
    { name: 'both resources fit', pod: pod([{ cpu: 1, mem: 1 }]), existing: { cpu: 5, mem: 5 }, want: null },
    { name: 'one resource memory fits', pod: pod([{ cpu: 2, mem: 1 }]), existing: { cpu: 9, mem: 5 }, want: unschedulable(ins('cpu')) },
    { name: 'one resource cpu fits', pod: pod([{ cpu: 1, mem: 2 }]), existing: { cpu: 5, mem: 19 }, want: unschedulable(ins('memory')) },
    { name: 'equal edge case', pod: pod([{ cpu: 5, mem: 1 }]), existing: { cpu: 5, mem: 19 }, want: null },
    { name: 'equal edge case for init container', pod: pod([{ cpu: 4, mem: 1 }], [{ cpu: 5, mem: 1 }]), existing: { cpu: 5, mem: 19 }, want: null },
    { name: 'extended resource fits', pod: pod([{ scalar: { [extendedA]: 1 } }]), existing: {}, want: null },
    { name: 'extended resource fits for init container', pod: pod([{}], [{ scalar: { [extendedA]: 1 } }]), existing: {}, want: null },
    {
      name: 'extended resource capacity enforced',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [extendedA]: 10 } }]),
      existing: { scalar: { [extendedA]: 0 } },
      want: unresolvable(ins(extendedA)),
    },
    {
      name: 'extended resource capacity enforced for init container',
      pod: pod([{}], [{ cpu: 1, mem: 1, scalar: { [extendedA]: 10 } }]),
      existing: { scalar: { [extendedA]: 0 } },
      want: unresolvable(ins(extendedA)),
    },
    {
      name: 'extended resource allocatable enforced',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [extendedA]: 1 } }]),
      existing: { scalar: { [extendedA]: 5 } },
      want: unschedulable(ins(extendedA)),
    },
    {
      name: 'extended resource allocatable enforced for init container',
      pod: pod([{}], [{ cpu: 1, mem: 1, scalar: { [extendedA]: 1 } }]),
      existing: { scalar: { [extendedA]: 5 } },
      want: unschedulable(ins(extendedA)),
    },
    {
      name: 'extended resource allocatable enforced for multiple containers',
      pod: pod([
        { cpu: 1, mem: 1, scalar: { [extendedA]: 3 } },
        { cpu: 1, mem: 1, scalar: { [extendedA]: 3 } },
      ]),
      existing: { scalar: { [extendedA]: 2 } },
      want: unresolvable(ins(extendedA)),
    },
    {
      name: 'extended resource allocatable admits multiple init containers',
      pod: pod(
        [{}],
        [
          { cpu: 1, mem: 1, scalar: { [extendedA]: 3 } },
          { cpu: 1, mem: 1, scalar: { [extendedA]: 3 } },
        ],
      ),
      existing: { scalar: { [extendedA]: 2 } },
      want: null,
    },
    {
      name: 'extended resource allocatable enforced for multiple init containers',
      pod: pod(
        [{}],
        [
          { cpu: 1, mem: 1, scalar: { [extendedA]: 6 } },
          { cpu: 1, mem: 1, scalar: { [extendedA]: 3 } },
        ],
      ),
      existing: { scalar: { [extendedA]: 2 } },
      want: unresolvable(ins(extendedA)),
    },
    {
      name: 'extended resource allocatable enforced for unknown resource',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [extendedB]: 1 } }]),
      existing: {},
      want: unresolvable(ins(extendedB)),
    },
    {
      name: 'extended resource allocatable enforced for unknown resource for init container',
      pod: pod([{}], [{ cpu: 1, mem: 1, scalar: { [extendedB]: 1 } }]),
      existing: {},
      want: unresolvable(ins(extendedB)),
    },
    {
      name: 'kubernetes.io resource capacity enforced',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [kubernetesIOA]: 10 } }]),
      existing: {},
      want: unresolvable(ins(kubernetesIOA)),
    },
    {
      name: 'kubernetes.io resource capacity enforced for init container',
      pod: pod([{}], [{ cpu: 1, mem: 1, scalar: { [kubernetesIOB]: 10 } }]),
      existing: {},
      want: unresolvable(ins(kubernetesIOB)),
    },
    {
      name: 'hugepages resource capacity enforced',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [hugePageA]: 10 } }]),
      existing: { scalar: { [hugePageA]: 0 } },
      want: unresolvable(ins(hugePageA)),
    },
    {
      name: 'hugepages resource capacity enforced for init container',
      pod: pod([{}], [{ cpu: 1, mem: 1, scalar: { [hugePageA]: 10 } }]),
      existing: { scalar: { [hugePageA]: 0 } },
      want: unresolvable(ins(hugePageA)),
    },
    {
      name: 'hugepages resource allocatable enforced for multiple containers',
      pod: pod([
        { cpu: 1, mem: 1, scalar: { [hugePageA]: 3 } },
        { cpu: 1, mem: 1, scalar: { [hugePageA]: 3 } },
      ]),
      existing: { scalar: { [hugePageA]: 2 } },
      want: unresolvable(ins(hugePageA)),
    },
    {
      name: 'skip checking ignored extended resource',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [extendedB]: 1 } }]),
      existing: {},
      args: { ignoredResources: ['example.com/bbb'] },
      want: null,
    },
    {
      name: 'resources + pod overhead fits',
      pod: withOverhead(pod([{ cpu: 1, mem: 1 }]), { cpu: '3m', memory: '13' }),
      existing: { cpu: 5, mem: 5 },
      want: null,
    },
    {
      name: 'requests + overhead does not fit for memory',
      pod: withOverhead(pod([{ cpu: 1, mem: 1 }]), { cpu: '1m', memory: '15' }),
      existing: { cpu: 5, mem: 5 },
      want: unschedulable(ins('memory')),
    },
    {
      name: 'skip checking ignored extended resource via resource groups',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [extendedB]: 1, [kubernetesIOA]: 1 } }]),
      existing: {},
      args: { ignoredResourceGroups: ['example.com'] },
      want: unresolvable(ins(kubernetesIOA)),
    },
    {
      name: 'skip checking extended resource request with quantity zero via resource groups',
      pod: pod([{ cpu: 1, mem: 1, scalar: { [extendedA]: 0 } }]),
      existing: { scalar: { [extendedA]: 6 } },
      want: null,
    },
    {
      name: 'skip checking resource request with quantity zero',
      pod: makePod('z').req({ [extendedA]: '1' }).obj(),
      existing: { cpu: 20, mem: 30, scalar: { [extendedA]: 1 } },
      want: null,
    },
    {
      name: 'both pod-level and container-level resources fit',
      pod: withPodLevel(pod([{ cpu: 1, mem: 1 }]), { cpu: '1m', memory: '2' }),
      existing: { cpu: 5, mem: 5 },
      want: null,
    },
    {
      name: 'pod-level cpu resource not fit',
      pod: withPodLevel(pod([{ cpu: 1, mem: 1 }]), { cpu: '7m', memory: '2' }),
      existing: { cpu: 5, mem: 5 },
      want: unschedulable(ins('cpu')),
    },
    {
      name: 'pod-level memory resource not fit',
      pod: withPodLevel(pod([{ cpu: 1, mem: 1 }]), { cpu: '3m', memory: '2' }),
      existing: { cpu: 5, mem: 19 },
      want: unschedulable(ins('memory')),
    },
    {
      name: 'pod-level hugepages resource fit',
      pod: withPodLevel(pod([]), { cpu: '3m', memory: '2', [hugePageA]: '5' }),
      existing: {},
      want: null,
    },
    {
      name: 'both pod-level and container-level hugepages resource fit',
      pod: withPodLevel(pod([{ cpu: 1, mem: 1, scalar: { [hugePageA]: 3 } }]), { cpu: '3m', memory: '2', [hugePageA]: '5' }),
      existing: {},
      want: null,
    },
    {
      name: 'pod-level hugepages resource not fit',
      pod: withPodLevel(pod([]), { cpu: '3m', memory: '2', [hugePageA]: '10' }),
      existing: {},
      want: unresolvable(ins(hugePageA)),
    },
    {
      name: 'one pod-level cpu resource fits and all init and non-init containers resources fit',
      pod: withPodLevel(pod([{ cpu: 1, mem: 1 }], [{ cpu: 1, mem: 1 }]), { cpu: '3m', memory: '2' }),
      existing: { cpu: 5, mem: 19 },
      want: unschedulable(ins('memory')),
    },
  ];
  test.each(table)('$name', ({ pod: p, existing, args, want }) => {
    // The node of upstream's test: makeAllocatableResources(10, 20, 32, 5, 20, 5).
    const node = nodeWith(allocatable(10, 20, 32, 5, 20, 5));
    const got = runFilter(args ?? {}, p, node, [existingOn('node', existing)]);
    expect(got.preFilter).toBeNull();
    expect(got.filter).toEqual(want);
  });
});

function withPodLevel(p: Pod, req: ResourceList): Pod {
  return { ...p, spec: { ...p.spec, resources: { requests: req } } };
}
function withOverhead(p: Pod, overhead: ResourceList): Pod {
  return { ...p, spec: { ...p.spec, overhead } };
}

describe('Filter: TestNotEnoughRequests', () => {
  const table: { name: string; pod: Pod; existing: Usage }[] = [
    { name: "even without specified resources, predicate fails when there's no space for additional pod", pod: makePod('x').obj(), existing: { cpu: 10, mem: 20 } },
    { name: "even if both resources fit, predicate fails when there's no space for additional pod", pod: pod([{ cpu: 1, mem: 1 }]), existing: { cpu: 5, mem: 5 } },
    { name: "even for equal edge case, predicate fails when there's no space for additional pod", pod: pod([{ cpu: 5, mem: 1 }]), existing: { cpu: 5, mem: 19 } },
    {
      name: "even for equal edge case, predicate fails when there's no space for additional pod due to init container",
      pod: pod([{ cpu: 5, mem: 1 }], [{ cpu: 5, mem: 1 }]),
      existing: { cpu: 5, mem: 19 },
    },
  ];
  test.each(table)('$name', ({ pod: p, existing }) => {
    const node = nodeWith(allocatable(10, 20, 1, 0, 0, 0));
    expect(runFilter({}, p, node, [existingOn('node', existing)]).filter).toEqual(unschedulable('Too many pods'));
  });

  test('too many pods comes first, with the resources short', () => {
    const node = nodeWith(allocatable(10, 20, 1, 0, 0, 0));
    expect(runFilter({}, pod([{ cpu: 6, mem: 1 }]), node, [existingOn('node', { cpu: 5, mem: 19 })]).filter).toEqual(
      unschedulable('Too many pods', ins('cpu')),
    );
  });

  test('a node that does not report pods takes none', () => {
    const node = makeNode('node').capacity({ cpu: '4', memory: '1Gi' }).obj();
    expect(runFilter({}, makePod('x').obj(), node, []).filter).toEqual(unschedulable('Too many pods'));
  });
});

describe('Filter: TestStorageRequests', () => {
  const table: { name: string; pod: Pod; existing: Usage; want: Status | null }[] = [
    { name: 'empty storage requested, and pod fits', pod: pod([{ cpu: 1, mem: 1 }]), existing: { cpu: 2, mem: 10 }, want: null },
    {
      name: 'storage ephemeral local storage request exceeds allocatable',
      pod: pod([{ eph: 25 }]),
      existing: { cpu: 2, mem: 2 },
      want: unresolvable(ins('ephemeral-storage')),
    },
    { name: 'ephemeral local storage is sufficient', pod: pod([], [{ eph: 5 }]), existing: { cpu: 2, mem: 2, eph: 10 }, want: null },
    { name: 'pod fits', pod: pod([{ eph: 10 }]), existing: { cpu: 2, mem: 2 }, want: null },
    {
      name: 'ephemeral storage short but within allocatable is resolvable',
      pod: pod([{ eph: 15 }]),
      existing: { eph: 10 },
      want: unschedulable(ins('ephemeral-storage')),
    },
  ];
  test.each(table)('$name', ({ pod: p, existing, want }) => {
    const node = nodeWith(allocatable(10, 20, 32, 5, 20, 5));
    expect(runFilter({}, p, node, [existingOn('node', existing)]).filter).toEqual(want);
  });
});

describe('Filter: TestRestartableInitContainers', () => {
  const withSidecar = (request?: ResourceList, sidecarRequest?: ResourceList): Pod => ({
    metadata: { namespace: 'default', name: `sc${++seq}`, uid: `sc-uid-${seq}` },
    spec: {
      containers: [{ name: 'regular', ...(request ? { resources: { requests: request } } : {}) }],
      initContainers: [{ name: 'restartable-init', restartPolicy: 'Always', ...(sidecarRequest ? { resources: { requests: sidecarRequest } } : {}) }],
    },
  });
  const table: { name: string; pod: Pod; want: Status | null }[] = [
    { name: 'allow pod without restartable init containers', pod: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'regular' }] } }, want: null },
    { name: 'allow pod with restartable init containers', pod: withSidecar(), want: null },
    {
      name: "allow pod if the total requested resources do not exceed the node's allocatable resources",
      pod: withSidecar({ cpu: '1m' }, { cpu: '1m' }),
      want: null,
    },
    {
      name: "not allow pod if the total requested resources do exceed the node's allocatable resources",
      pod: withSidecar({ cpu: '1m' }, { cpu: '2m' }),
      want: unresolvable(ins('cpu')),
    },
  ];
  test.each(table)('$name', ({ pod: p, want }) => {
    const node = nodeWith(allocatable(2, 0, 1, 0, 0, 0));
    expect(runFilter({}, p, node, []).filter).toEqual(want);
  });
});

describe('PreFilter and Filter, Berth', () => {
  test('Filter without PreFilter is an error (TestPreFilterDisabled)', () => {
    const plugin = factory({}, handle);
    const snap = buildSnapshot([nodeWith(allocatable(10, 20, 32, 0, 0, 0))]);
    const got = plugin.filter(new CycleState(), makePod('x').info(), snap.view('node'));
    expect(got).toEqual(Status.error('error reading "PreFilterNodeResourcesFit" from cycleState: not found'));
  });

  test('a pod that cannot be read is rejected in PreFilter with its reason', () => {
    const bad = makePod('bad').req({ cpu: 'abc' }).obj();
    const got = runFilter({}, bad, nodeWith(allocatable(10, 20, 32, 0, 0, 0)), []);
    expect(got.preFilter).toEqual(
      unresolvable(
        `spec.containers[0].resources.requests.cpu: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "abc"`,
      ),
    );
    expect(got.filter).toBe('not run');
  });

  test('several scalar shortages are listed by name, after the fixed ones', () => {
    const p = pod([{ cpu: 11, scalar: { 'example.com/zzz': 1, 'example.com/aaa': 6, 'example.com/mmm': 1 } }]);
    expect(runFilter({}, p, nodeWith(allocatable(10, 20, 32, 5, 20, 5)), []).filter).toEqual(
      unresolvable(ins('cpu'), ins('example.com/aaa'), ins('example.com/mmm'), ins('example.com/zzz')),
    );
  });

  test('the same rejection is one Status object across nodes, fresh per pod', () => {
    const plugin = factory({}, handle);
    const nodes = ['a', 'b'].map((n) => makeNode(n).capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj());
    const snap = buildSnapshot(nodes);
    const state = new CycleState();
    const info = makePod('big').req({ cpu: '2' }).info();
    expect(plugin.preFilter(state, info, snap.table).status).toBeNull();
    const onA = plugin.filter(state, info, snap.view('a'));
    expect(plugin.filter(state, info, snap.view('b'))).toBe(onA);
    const state2 = new CycleState();
    plugin.preFilter(state2, makePod('big2').req({ cpu: '2' }).info(), snap.table);
    expect(plugin.filter(state2, info, snap.view('a'))).not.toBe(onA);
  });

  test('more scalar resources than the rejection cache holds', () => {
    const scalar: Record<string, number> = {};
    for (let i = 0; i < 30; i++) scalar[`example.com/r${String(i).padStart(2, '0')}`] = 1;
    const got = runFilter({}, pod([{ scalar }]), nodeWith(allocatable(10, 20, 32, 5, 20, 5)), []).filter;
    expect(got).toEqual(unresolvable(...Object.keys(scalar).sort().map(ins)));
  });

  test('a request exactly filling the node fits; one unit more does not', () => {
    const node = makeNode('node').capacity({ cpu: '4', memory: '8Gi', pods: '110', 'nvidia.com/gpu': '2' }).obj();
    const existing = [makePod('e').node('node').req({ cpu: '3500m', memory: '7Gi', 'nvidia.com/gpu': '1' }).obj()];
    expect(runFilter({}, pod([{ cpu: 500, mem: 1024 ** 3, scalar: { 'nvidia.com/gpu': 1 } }]), node, existing).filter).toBeNull();
    expect(runFilter({}, pod([{ cpu: 501, mem: 1024 ** 3 + 1, scalar: { 'nvidia.com/gpu': 2 } }]), node, existing).filter).toEqual(
      unschedulable(ins('cpu'), ins('memory'), ins('nvidia.com/gpu')),
    );
  });

  test('assumed pods count against the node', () => {
    const plugin = factory({}, handle);
    const node = makeNode('node').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj();
    const snap = buildSnapshot([node]);
    snap.cache.assumePod(makePod('assumed').req({ cpu: '600m' }).info(), 'node');
    snap.cache.updateSnapshot(snap.table);
    const state = new CycleState();
    const info = makePod('next').req({ cpu: '500m' }).info();
    plugin.preFilter(state, info, snap.table);
    expect(plugin.filter(state, info, snap.view('node'))).toEqual(unschedulable(ins('cpu')));
  });
});

describe('factory and events', () => {
  test('rejects invalid args', () => {
    expect(() => factory({ scoringStrategy: { type: 'Fancy' } }, handle)).toThrow(InvalidArgsError);
  });

  test('events (TestEventsToRegister, without queueing hints)', () => {
    expect(factory({}, handle).eventsToRegister()).toEqual([
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Pod', action: 'Update' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeAllocatable' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ]);
  });
});
