// NodeResourcesBalancedAllocation with upstream's table
// (balanced_allocation_test.go TestNodeResourcesBalancedAllocation, v1.36),
// run against a real node table built from Node and Pod objects.
import type { Node, Pod, ResourceList } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code, Status } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { InvalidArgsError } from './args.ts';
import { factory, name } from './balanced-allocation.ts';

const handle = testHandle();

/** upstream util_test.go makeNode(name, milliCPU, memory, extended) */
function sized(nodeName: string, milliCPU: number, memory: number, extended: Record<string, number> = {}): Node {
  const cap: ResourceList = { cpu: `${milliCPU}m`, memory: `${memory}` };
  for (const [k, v] of Object.entries(extended)) cap[k] = `${v}`;
  return makeNode(nodeName).capacity(cap).obj();
}
let seq = 0;
function pod(...containers: ResourceList[]): Pod {
  const b = makePod(`p${++seq}`);
  for (const c of containers) b.req(c);
  return b.obj();
}
function on(nodeName: string, ...containers: ResourceList[]): Pod {
  const b = makePod(`p${++seq}`).node(nodeName);
  for (const c of containers) b.req(c);
  return b.obj();
}
const cpuOnly = (cpu: string): ResourceList => ({ cpu });
const cpuAndMemory = (cpu: string, memory: string): ResourceList => ({ cpu, memory });
const cpuAndMemoryAndGpu = (cpu: string, memory: string, gpu: string): ResourceList => ({ cpu, memory, 'nvidia.com/gpu': gpu });
const gpu = (count: number): Record<string, number> => ({ 'nvidia.com/gpu': count });
const withGpu = { resources: [{ name: 'cpu' }, { name: 'memory' }, { name: 'nvidia.com/gpu', weight: 1 }] };

interface Case {
  name: string;
  pod: Pod;
  nodes: Node[];
  existing?: Pod[];
  args?: unknown;
  want: Record<string, number>;
}

function scores(tc: Case, runPreScore: boolean): Record<string, number> | Status {
  const plugin = factory(tc.args ?? {}, handle);
  const snap = buildSnapshot(tc.nodes, tc.existing ?? []);
  const state = new CycleState();
  const info = newPodInfo(tc.pod);
  if (runPreScore) {
    const status = plugin.preScore(state, info, snap.table, Int32Array.from(tc.nodes.keys()));
    if (status !== null) return status;
  }
  const got: Record<string, number> = {};
  for (const n of tc.nodes) got[n.metadata!.name!] = plugin.score(state, info, snap.view(n.metadata!.name!));
  return got;
}

describe('NodeResourcesBalancedAllocation (TestNodeResourcesBalancedAllocation)', () => {
  test('nothing scheduled, nothing requested, skip in PreScore', () => {
    const tc: Case = { name: '', pod: pod(), nodes: [sized('node1', 4000, 10000), sized('node2', 4000, 10000)], want: {} };
    expect(scores(tc, true)).toEqual(new Status(Code.Skip, [], name));
    // Score without PreScore: a best-effort pod scores 0 everywhere.
    expect(scores(tc, false)).toEqual({ node1: 0, node2: 0 });
  });

  const table: Case[] = [
    {
      // node1: cpu 0 → 75%, memory 0 → 50%: 100 → 87, score 68; node2: 50%/50%: 100 → 100, score 75
      name: 'nothing scheduled, resources requested, differently sized nodes',
      pod: pod(cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000')),
      nodes: [sized('node1', 4000, 10000), sized('node2', 6000, 10000)],
      want: { node1: 68, node2: 75 },
    },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: pod(cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000')),
      nodes: [sized('node1', 10000, 20000), sized('node2', 10000, 20000)],
      existing: [on('node1', cpuOnly('1000m'), cpuOnly('2000m')), on('node2', cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000'))],
      want: { node1: 73, node2: 74 },
    },
    {
      name: 'resources requested, pods scheduled with resources, differently sized nodes',
      pod: pod(cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000')),
      nodes: [sized('node1', 10000, 20000), sized('node2', 10000, 50000)],
      existing: [on('node1', cpuOnly('1000m'), cpuOnly('2000m')), on('node2', cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000'))],
      want: { node1: 73, node2: 70 },
    },
    {
      name: 'resources requested, pods scheduled with resources, nodes to reach min/max score',
      pod: pod({ memory: '2000' }, { memory: '3000' }),
      nodes: [sized('node1', 3000, 5000), sized('node2', 3000, 5000)],
      existing: [on('node1', cpuOnly('1000m'), cpuOnly('2000m'))],
      want: { node1: 100, node2: 50 },
    },
    {
      name: 'requested resources at node capacity',
      pod: pod(cpuOnly('1000m'), cpuOnly('2000m')),
      nodes: [sized('node1', 6000, 10000), sized('node2', 6000, 10000)],
      existing: [on('node1', cpuOnly('1000m'), cpuOnly('2000m')), on('node2', cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000'))],
      want: { node1: 62, node2: 62 },
    },
    {
      name: 'scalar resource is included in the score computation if pod requests the scalar resource',
      pod: pod(cpuAndMemoryAndGpu('0', '0', '1')),
      nodes: [sized('node1', 3500, 40000, gpu(8)), sized('node2', 3500, 40000, gpu(8))],
      existing: [
        on('node1', cpuAndMemory('1000m', '2000'), cpuAndMemoryAndGpu('2000m', '3000', '3')),
        on('node2', cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000')),
      ],
      args: withGpu,
      want: { node1: 75, node2: 76 },
    },
    {
      name: "scalar resource is not included in the score computation if pod doesn't request the scalar resource",
      pod: pod(cpuAndMemory('1000m', '2000'), cpuAndMemory('2000m', '3000')),
      nodes: [sized('node1', 3500, 40000, gpu(8)), sized('node2', 3500, 40000)],
      existing: [],
      args: withGpu,
      want: { node1: 56, node2: 56 },
    },
    {
      // Berth: plain requests, not the non-zero defaults (upstream useRequested: true).
      name: 'requestless containers count nothing',
      pod: pod(cpuAndMemory('1000m', '2000')),
      nodes: [sized('node1', 4000, 8000), sized('node2', 4000, 8000)],
      existing: [makePod('bare').node('node1').container({ name: 'c' }).obj()],
      want: { node1: 75, node2: 75 },
    },
  ];
  test.each(table)('$name', (tc) => {
    expect(scores(tc, true)).toEqual(tc.want);
  });
  // Upstream: "Whether or not prescore was called, the end result should be the same."
  test.each(table.filter((tc) => tc.args === undefined))('$name, without PreScore', (tc) => {
    expect(scores(tc, false)).toEqual(tc.want);
  });
});

describe('factory and events', () => {
  test('defaults to cpu and memory', () => {
    expect(factory(undefined, handle).args).toEqual({
      resources: [
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
      ],
    });
  });
  test('rejects invalid args', () => {
    expect(() => factory({ resources: [{ name: 'cpu', weight: 2 }] }, handle)).toThrow(InvalidArgsError);
  });
  test('registers no events: it never rejects a pod', () => {
    expect(factory({}, handle).eventsToRegister()).toEqual([]);
  });
});
