import type { HostPort, PodResources } from '../framework/interfaces.ts';
import { QuantityError } from './quantity.ts';
import { isExtendedResourceName, isScalarResourceName, nodeAllocatable, podHostPorts, podRequests } from './resources.ts';
import type { NodeAllocatable } from './resources.ts';
import type { Container, ContainerPort, Node, PodSpec, ResourceList } from './types.ts';

const Mi = 1024 * 1024;
const Gi = 1024 * Mi;
const DEFAULT_MEM = 200 * Mi;

const c = (requests: ResourceList): Container => ({ resources: { requests } });
const sidecar = (requests: ResourceList): Container => ({ resources: { requests }, restartPolicy: 'Always' });

/** A PodResources with everything not given at zero. */
function res(r: Partial<PodResources>): PodResources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: {}, nonZeroMilliCPU: 0, nonZeroMemory: 0, ...r };
}

// Every want below was checked against kube-scheduler v1.36.3's
// framework.NewPodInfo(pod).CalculateResource() with default feature gates.
describe('podRequests', () => {
  const table: { name: string; spec: PodSpec; want: PodResources }[] = [
    // component-helpers TestPodResourceRequests (the rows that do not read pod status)
    {
      name: 'larger init container',
      spec: { initContainers: [c({ cpu: '4' })], containers: [c({ cpu: '1' })] },
      want: res({ milliCPU: 4000, nonZeroMilliCPU: 4000, nonZeroMemory: DEFAULT_MEM }),
    },
    {
      name: 'larger containers',
      spec: { initContainers: [c({ cpu: '2' })], containers: [c({ cpu: '2' }), c({ cpu: '3' })] },
      want: res({ milliCPU: 5000, nonZeroMilliCPU: 5000, nonZeroMemory: 2 * DEFAULT_MEM }),
    },
    {
      name: 'pod overhead included',
      spec: {
        overhead: { cpu: '1', memory: '1Gi' },
        initContainers: [c({ cpu: '2' })],
        containers: [c({ cpu: '2' }), c({ cpu: '3' })],
      },
      want: res({ milliCPU: 6000, memory: Gi, nonZeroMilliCPU: 6000, nonZeroMemory: Gi + 2 * DEFAULT_MEM }),
    },
    {
      name: 'restartable init container',
      spec: { initContainers: [sidecar({ cpu: '1' })], containers: [c({ cpu: '1' })] },
      want: res({ milliCPU: 2000, nonZeroMilliCPU: 2000, nonZeroMemory: 2 * DEFAULT_MEM }),
    },
    {
      name: 'multiple restartable init containers',
      spec: {
        initContainers: [c({ cpu: '5' }), sidecar({ cpu: '1' }), sidecar({ cpu: '2' }), sidecar({ cpu: '3' })],
        containers: [c({ cpu: '1' })],
      },
      want: res({ milliCPU: 7000, nonZeroMilliCPU: 7000, nonZeroMemory: 4 * DEFAULT_MEM }),
    },
    {
      name: 'multiple restartable and regular init containers',
      spec: {
        initContainers: [c({ cpu: '5' }), sidecar({ cpu: '1' }), sidecar({ cpu: '2' }), c({ cpu: '5' }), sidecar({ cpu: '3' })],
        containers: [c({ cpu: '1' })],
      },
      want: res({ milliCPU: 8000, nonZeroMilliCPU: 8000, nonZeroMemory: 4 * DEFAULT_MEM }),
    },
    {
      name: 'restartable-init, init and regular',
      spec: { initContainers: [sidecar({ cpu: '10' }), c({ cpu: '200' })], containers: [c({ cpu: '100' })] },
      want: res({ milliCPU: 210_000, nonZeroMilliCPU: 210_000, nonZeroMemory: 2 * DEFAULT_MEM }),
    },
    // component-helpers TestPodLevelResourceRequests
    { name: 'nil', spec: {}, want: res({}) },
    {
      name: 'pod level memory resource',
      spec: { resources: { requests: { memory: '2Mi' } } },
      want: res({ memory: 2 * Mi, nonZeroMemory: 2 * Mi }),
    },
    {
      name: 'pod level memory and container level cpu resources',
      spec: { resources: { requests: { memory: '2Mi' } }, containers: [c({ cpu: '2m' })] },
      want: res({ milliCPU: 2, memory: 2 * Mi, nonZeroMilliCPU: 2, nonZeroMemory: 2 * Mi }),
    },
    {
      name: 'pod level unsupported resources set at both pod-level and container-level',
      spec: { resources: { requests: { storage: '2Mi' } }, containers: [c({ storage: '3Mi' })] },
      want: res({ nonZeroMilliCPU: 100, nonZeroMemory: DEFAULT_MEM }),
    },
    {
      name: 'pod level unsupported resources set at pod-level',
      spec: { resources: { requests: { storage: '2Mi' } }, containers: [c({ memory: '3Mi' })] },
      want: res({ memory: 3 * Mi, nonZeroMilliCPU: 100, nonZeroMemory: 3 * Mi }),
    },
    {
      name: 'only container level resources set',
      spec: { containers: [c({ memory: '3Mi', cpu: '2m' })] },
      want: res({ milliCPU: 2, memory: 3 * Mi, nonZeroMilliCPU: 2, nonZeroMemory: 3 * Mi }),
    },
    {
      name: 'both container-level and pod-level resources set',
      spec: { resources: { requests: { memory: '6Mi', cpu: '8m' } }, containers: [c({ memory: '3Mi', cpu: '2m' })] },
      want: res({ milliCPU: 8, memory: 6 * Mi, nonZeroMilliCPU: 8, nonZeroMemory: 6 * Mi }),
    },
    {
      name: 'container-level resources and init container set',
      spec: { containers: [c({ memory: '3Mi', cpu: '2m' })], initContainers: [c({ memory: '5Mi', cpu: '4m' })] },
      want: res({ milliCPU: 4, memory: 5 * Mi, nonZeroMilliCPU: 4, nonZeroMemory: 5 * Mi }),
    },
    {
      name: 'container-level resources and sidecar container set',
      spec: { containers: [c({ memory: '3Mi', cpu: '2m' })], initContainers: [sidecar({ memory: '5Mi', cpu: '4m' })] },
      want: res({ milliCPU: 6, memory: 8 * Mi, nonZeroMilliCPU: 6, nonZeroMemory: 8 * Mi }),
    },
    {
      name: 'container-level resources, init and sidecar container set',
      spec: {
        containers: [c({ memory: '3Mi', cpu: '2m' })],
        initContainers: [sidecar({ memory: '5Mi', cpu: '4m' }), c({ memory: '6Mi', cpu: '8m' })],
      },
      want: res({ milliCPU: 12, memory: 11 * Mi, nonZeroMilliCPU: 12, nonZeroMemory: 11 * Mi }),
    },
    {
      name: 'pod-level resources, container-level resources, init and sidecar container set',
      spec: {
        resources: { requests: { memory: '15Mi', cpu: '18m' } },
        containers: [c({ memory: '3Mi', cpu: '2m' })],
        initContainers: [sidecar({ memory: '5Mi', cpu: '4m' }), c({ memory: '6Mi', cpu: '8m' })],
      },
      want: res({ milliCPU: 18, memory: 15 * Mi, nonZeroMilliCPU: 18, nonZeroMemory: 15 * Mi }),
    },
    {
      name: 'pod-level resources, hugepage request single page size',
      spec: { resources: { requests: { memory: '10Mi', 'hugepages-2Mi': '2Mi' }, limits: { 'hugepages-2Mi': '2Mi' } } },
      want: res({ memory: 10 * Mi, scalar: { 'hugepages-2Mi': 2 * Mi }, nonZeroMemory: 10 * Mi }),
    },
    {
      name: 'pod-level resources, hugepage request multiple page sizes',
      spec: { resources: { requests: { cpu: '1', 'hugepages-2Mi': '2Mi', 'hugepages-1Gi': '1Gi' } } },
      want: res({ milliCPU: 1000, scalar: { 'hugepages-2Mi': 2 * Mi, 'hugepages-1Gi': Gi }, nonZeroMilliCPU: 1000 }),
    },
    {
      name: 'pod-level resources, container-level resources, hugepage single page size',
      spec: {
        resources: { requests: { cpu: '1', 'hugepages-2Mi': '10Mi' } },
        containers: [c({ 'hugepages-2Mi': '6Mi' })],
      },
      want: res({ milliCPU: 1000, scalar: { 'hugepages-2Mi': 10 * Mi }, nonZeroMilliCPU: 1000, nonZeroMemory: DEFAULT_MEM }),
    },
    {
      name: 'pod-level resources, container-level resources, hugepages multiple page sizes',
      spec: {
        resources: { requests: { cpu: '1', 'hugepages-2Mi': '10Mi', 'hugepages-1Gi': '2Gi' } },
        containers: [c({ cpu: '1', 'hugepages-1Gi': '2Gi' })],
      },
      want: res({
        milliCPU: 1000,
        scalar: { 'hugepages-2Mi': 10 * Mi, 'hugepages-1Gi': 2 * Gi },
        nonZeroMilliCPU: 1000,
        nonZeroMemory: DEFAULT_MEM,
      }),
    },
    // scheduler: defaults for scoring, extended resources, exactness
    {
      name: 'containers without requests count the defaults when scoring',
      spec: { containers: [c({}), { name: 'no-resources' }] },
      want: res({ nonZeroMilliCPU: 200, nonZeroMemory: 2 * DEFAULT_MEM }),
    },
    {
      name: 'an explicit zero is a request: no default',
      spec: { containers: [c({ cpu: '0', memory: '0' })] },
      want: res({}),
    },
    {
      name: 'a null quantity reads as zero, and is a request',
      spec: { containers: [c({ cpu: null as unknown as string })] },
      want: res({ nonZeroMemory: DEFAULT_MEM }),
    },
    {
      name: 'overhead is added to the defaults too',
      spec: { overhead: { cpu: '250m', memory: '120Mi' }, containers: [c({})] },
      want: res({ milliCPU: 250, memory: 120 * Mi, nonZeroMilliCPU: 350, nonZeroMemory: 320 * Mi }),
    },
    {
      name: 'quantities are summed exactly, then rounded once',
      spec: { containers: [c({ cpu: '0.5m', memory: '0.5' }), c({ cpu: '0.5m', memory: '0.5' })] },
      want: res({ milliCPU: 1, memory: 1, nonZeroMilliCPU: 1, nonZeroMemory: 1 }),
    },
    {
      name: 'a tenth of a core, ten times',
      spec: { containers: Array.from({ length: 10 }, () => c({ cpu: '0.1' })) },
      want: res({ milliCPU: 1000, nonZeroMilliCPU: 1000, nonZeroMemory: 10 * DEFAULT_MEM }),
    },
    {
      name: 'JSON numbers',
      spec: { containers: [c({ cpu: 2, memory: 1e9 })] },
      want: res({ milliCPU: 2000, memory: 1e9, nonZeroMilliCPU: 2000, nonZeroMemory: 1e9 }),
    },
    {
      name: 'ephemeral storage and extended resources',
      spec: {
        containers: [
          c({ 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '2', 'example.com/foo': '500m' }),
          c({ 'nvidia.com/gpu': '1', 'kubernetes.io/batch-thing': '3', 'attachable-volumes-aws-ebs': '1' }),
        ],
      },
      want: res({
        ephemeralStorage: Gi,
        scalar: { 'nvidia.com/gpu': 3, 'example.com/foo': 1, 'kubernetes.io/batch-thing': 3, 'attachable-volumes-aws-ebs': 1 },
        nonZeroMilliCPU: 200,
        nonZeroMemory: 2 * DEFAULT_MEM,
      }),
    },
    {
      name: 'a zero extended request is still listed',
      spec: { containers: [c({ cpu: '1', memory: '1Gi', 'example.com/foo': '0' })] },
      want: res({ milliCPU: 1000, memory: Gi, scalar: { 'example.com/foo': 0 }, nonZeroMilliCPU: 1000, nonZeroMemory: Gi }),
    },
    {
      name: 'names that are not resources the scheduler counts are ignored',
      spec: { containers: [c({ cpu: '1', memory: '1Gi', pods: '3', foo: '1', 'requests.example.com/foo': '1', 'Example.com/foo': '1' })] },
      want: res({ milliCPU: 1000, memory: Gi, nonZeroMilliCPU: 1000, nonZeroMemory: Gi }),
    },
    {
      name: 'pod-level resources without cpu or memory (hugepages only)',
      spec: { resources: { requests: { 'hugepages-2Mi': '4Mi' } }, containers: [c({})] },
      want: res({ scalar: { 'hugepages-2Mi': 4 * Mi }, nonZeroMilliCPU: 100, nonZeroMemory: DEFAULT_MEM }),
    },
    {
      name: 'sidecar ephemeral storage raises later init containers',
      spec: {
        initContainers: [sidecar({ 'ephemeral-storage': '1Gi' }), c({ 'ephemeral-storage': '2Gi' })],
        containers: [c({ 'ephemeral-storage': '1Gi' })],
      },
      want: res({ ephemeralStorage: 3 * Gi, nonZeroMilliCPU: 200, nonZeroMemory: 2 * DEFAULT_MEM }),
    },
  ];
  test.each(table)('$name', ({ spec, want }) => {
    expect(podRequests(spec)).toEqual(want);
  });

  const malformed: { name: string; spec: PodSpec; field: string; input: string }[] = [
    { name: 'container cpu', spec: { containers: [c({ cpu: '1' }), c({ cpu: 'abc' })] }, field: 'spec.containers[1].resources.requests.cpu', input: 'abc' },
    { name: 'init container memory', spec: { initContainers: [c({ memory: '1 Gi' })] }, field: 'spec.initContainers[0].resources.requests.memory', input: '1 Gi' },
    { name: 'extended resource', spec: { containers: [c({ 'nvidia.com/gpu': '1.5.5' })] }, field: 'spec.containers[0].resources.requests[nvidia.com/gpu]', input: '1.5.5' },
    { name: 'overhead', spec: { overhead: { cpu: '1gi' } }, field: 'spec.overhead.cpu', input: '1gi' },
    { name: 'pod-level', spec: { resources: { requests: { memory: '' } } }, field: 'spec.resources.requests.memory', input: '' },
    { name: 'an ignored name is still read', spec: { containers: [c({ foo: 'x' })] }, field: 'spec.containers[0].resources.requests.foo', input: 'x' },
    { name: 'not a string or number', spec: { containers: [c({ cpu: true as unknown as string })] }, field: 'spec.containers[0].resources.requests.cpu', input: 'true' },
  ];
  test.each(malformed)('throws QuantityError naming the field: $name', ({ spec, field, input }) => {
    let err: unknown;
    try {
      podRequests(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuantityError);
    expect((err as QuantityError).field).toBe(field);
    expect((err as QuantityError).input).toBe(input);
  });

  test('tolerates odd shapes', () => {
    const odd = { containers: [null, { resources: null }, { resources: { requests: 'cpu=1' } }] } as unknown as PodSpec;
    expect(podRequests(odd)).toEqual(res({ nonZeroMilliCPU: 300, nonZeroMemory: 3 * DEFAULT_MEM }));
    expect(podRequests({ containers: 'nope' } as unknown as PodSpec)).toEqual(res({}));
  });
});

describe('resource names', () => {
  const table: { name: string; extended: boolean; scalar: boolean }[] = [
    { name: 'cpu', extended: false, scalar: false },
    { name: 'memory', extended: false, scalar: false },
    { name: 'pods', extended: false, scalar: false },
    { name: 'storage', extended: false, scalar: false },
    { name: 'foo', extended: false, scalar: false },
    { name: 'nvidia.com/gpu', extended: true, scalar: true },
    { name: 'example.com/dongle', extended: true, scalar: true },
    { name: 'requests.example.com/foo', extended: false, scalar: false },
    { name: 'kubernetes.io/foo', extended: false, scalar: true },
    { name: 'node.kubernetes.io/foo', extended: false, scalar: true },
    { name: 'hugepages-2Mi', extended: false, scalar: true },
    { name: 'attachable-volumes-csi-ebs', extended: false, scalar: true },
    { name: 'Example.com/foo', extended: false, scalar: false },
    { name: 'example.com/', extended: false, scalar: false },
    { name: 'a/b/c', extended: false, scalar: false },
    { name: `example.com/${'x'.repeat(64)}`, extended: false, scalar: false },
  ];
  test.each(table)('$name', ({ name, extended, scalar }) => {
    expect(isExtendedResourceName(name)).toBe(extended);
    expect(isScalarResourceName(name)).toBe(scalar);
  });
});

describe('nodeAllocatable', () => {
  const none: NodeAllocatable = { milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0, scalar: {} };
  const table: { name: string; node: Node; want: NodeAllocatable }[] = [
    {
      name: 'a typical node',
      node: { status: { allocatable: { cpu: '3500m', memory: '15Gi', 'ephemeral-storage': '100Gi', pods: '110' } } },
      want: { milliCPU: 3500, memory: 15 * Gi, ephemeralStorage: 100 * Gi, pods: 110, scalar: {} },
    },
    {
      name: 'extended and hugepages resources by name',
      node: { status: { allocatable: { cpu: '64', 'nvidia.com/gpu': '8', 'hugepages-1Gi': '4Gi', foo: '7' } } },
      want: { ...none, milliCPU: 64000, scalar: { 'nvidia.com/gpu': 8, 'hugepages-1Gi': 4 * Gi } },
    },
    { name: 'fractional values round up', node: { status: { allocatable: { cpu: '0.0001', memory: '0.5' } } }, want: { ...none, milliCPU: 1, memory: 1 } },
    { name: 'JSON numbers', node: { status: { allocatable: { cpu: 4, pods: 110 } } }, want: { ...none, milliCPU: 4000, pods: 110 } },
    { name: 'no status', node: {}, want: none },
    { name: 'no allocatable (capacity is not read)', node: { status: { capacity: { cpu: '4' } } }, want: none },
    { name: 'allocatable that is not an object', node: { status: { allocatable: 'cpu=4' as unknown as ResourceList } }, want: none },
    { name: 'a null quantity', node: { status: { allocatable: { cpu: null as unknown as string, pods: '10' } } }, want: { ...none, pods: 10 } },
    {
      name: 'a huge node',
      node: { status: { allocatable: { cpu: '100000', memory: '8Ei', pods: '1e6' } } },
      want: { ...none, milliCPU: 1e8, memory: 2 ** 63, pods: 1e6 },
    },
  ];
  test.each(table)('$name', ({ node, want }) => {
    expect(nodeAllocatable(node)).toEqual(want);
  });

  test('a malformed quantity throws QuantityError naming the field', () => {
    const node: Node = { status: { allocatable: { cpu: '4', memory: '16 Gi' } } };
    expect(() => nodeAllocatable(node)).toThrow(QuantityError);
    try {
      nodeAllocatable(node);
    } catch (e) {
      expect((e as QuantityError).field).toBe('status.allocatable.memory');
      expect((e as QuantityError).message).toMatch(/^quantities must match the regular expression .*: "16 Gi"$/);
    }
  });
});

describe('podHostPorts', () => {
  const port = (p: ContainerPort): ContainerPort => ({ containerPort: p.hostPort ?? 8000, ...p });
  const withPorts = (ports: ContainerPort[], restartPolicy?: string): Container => ({ ports: ports.map(port), ...(restartPolicy ? { restartPolicy } : {}) });
  const table: { name: string; spec: PodSpec; want: HostPort[] }[] = [
    // scheduler util TestGetHostPorts
    { name: 'no containers', spec: {}, want: [] },
    { name: 'container port without host port', spec: { containers: [withPorts([{ containerPort: 8001, protocol: 'TCP' }])] }, want: [] },
    {
      name: 'sidecar port without host port',
      spec: { initContainers: [withPorts([{ containerPort: 8001, protocol: 'TCP' }], 'Always')] },
      want: [],
    },
    {
      name: 'regular init container host port is not held',
      spec: { initContainers: [withPorts([{ hostPort: 8001, protocol: 'TCP' }])] },
      want: [],
    },
    {
      name: 'container host port',
      spec: { containers: [withPorts([{ hostPort: 8001, protocol: 'TCP' }])] },
      want: [{ protocol: 'TCP', hostIP: '0.0.0.0', port: 8001 }],
    },
    {
      name: 'sidecar host port',
      spec: { initContainers: [withPorts([{ hostPort: 8001, protocol: 'TCP' }], 'Always')] },
      want: [{ protocol: 'TCP', hostIP: '0.0.0.0', port: 8001 }],
    },
    {
      name: 'several, sidecars first',
      spec: {
        containers: [withPorts([{ hostPort: 8001, protocol: 'TCP' }, { hostPort: 8002, protocol: 'UDP', hostIP: '10.0.0.1' }])],
        initContainers: [withPorts([{ hostPort: 9000 }], 'Always')],
      },
      want: [
        { protocol: 'TCP', hostIP: '0.0.0.0', port: 9000 },
        { protocol: 'TCP', hostIP: '0.0.0.0', port: 8001 },
        { protocol: 'UDP', hostIP: '10.0.0.1', port: 8002 },
      ],
    },
    // sanitize: protocol defaults to TCP, hostIP to 0.0.0.0
    {
      name: 'defaults',
      spec: { containers: [withPorts([{ hostPort: 80 }, { hostPort: 53, protocol: 'SCTP', hostIP: '' }])] },
      want: [
        { protocol: 'TCP', hostIP: '0.0.0.0', port: 80 },
        { protocol: 'SCTP', hostIP: '0.0.0.0', port: 53 },
      ],
    },
    {
      name: 'zero, negative and non-numeric host ports are skipped',
      spec: { containers: [withPorts([{ hostPort: 0 }, { hostPort: -1 }, { hostPort: '80' as unknown as number }])] },
      want: [],
    },
  ];
  test.each(table)('$name', ({ spec, want }) => {
    expect(podHostPorts(spec)).toEqual(want);
  });
});
