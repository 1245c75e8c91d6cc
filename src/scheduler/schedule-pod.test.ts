// The scheduling algorithm for one pod against a real node table: how many
// nodes it looks at (upstream's numFeasibleNodesToFind and the rotating
// start index), PreFilter's node restriction, scoring and the seeded
// tie-break, and the FitError diagnosis, with the default plugins and with
// small fakes (upstream pkg/scheduler/schedule_one_test.go, v1.36).
import type { Node } from '../api/types.ts';
import { resolveConfig } from '../config/scheduler-config.ts';
import type { Plugin, PreFilterResult } from '../framework/interfaces.ts';
import type { NodeView } from '../framework/node-view.ts';
import { EXTENSION_POINTS, Framework, type ExtensionPoint, type Registry } from '../framework/runtime.ts';
import { Code, Status, type Result } from '../framework/status.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../testing/builders.ts';
import { FitError } from './fit-error.ts';
import {
  Algorithm,
  MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND,
  MIN_FEASIBLE_NODES_TO_FIND,
  numFeasibleNodesToFind,
  PluginError,
  TieBreaker,
} from './schedule-pod.ts';

// --- fixtures --------------------------------------------------------------------

const pod = makePod('p').info();

function nodeList(count: number, prefix = 'n'): Node[] {
  return Array.from({ length: count }, (_, i) => makeNode(`${prefix}${i}`).capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj());
}
const tableOf = (nodes: Node[]) => buildSnapshot(nodes).table;

type Fake = Plugin & Record<string, unknown>;
const fake = (name: string, methods: Record<string, unknown>): Fake => ({ name, ...methods });

/** A Framework over fake plugins, each at the points given (a queue sort and a binder are added). */
function fakeFramework(plugins: Fake[], points: Partial<Record<ExtensionPoint, string[]>>, percentageOfNodesToScore = 0): Framework {
  const all: Fake[] = [fake('Sort', { less: () => false }), fake('Binder', { bind: () => Promise.resolve(null) }), ...plugins];
  const registry: Registry = new Map(all.map((p) => [p.name, { name: p.name, factory: () => p }]));
  const none = Object.fromEntries(EXTENSION_POINTS.map((p) => [p, [] as string[]])) as Record<ExtensionPoint, string[]>;
  return new Framework(
    { schedulerName: 'berth', points: { ...none, queueSort: ['Sort'], bind: ['Binder'], ...points }, weights: {}, args: {}, percentageOfNodesToScore },
    registry,
    testHandle(),
  );
}

/** Fits every node and scores them all alike; records the nodes Filter saw, in order. */
function everyNodeFits() {
  const seen: string[] = [];
  const filter = fake('TrueFilter', {
    filter: (_s: unknown, _p: unknown, node: NodeView) => {
      seen.push(node.name());
      return null;
    },
  });
  const score = fake('EqualPrioritizer', { score: () => 1 });
  return { seen, filter, score };
}

/** The in-tree default profile, as `berth run` builds it. */
function defaultFramework(percentageOfNodesToScore?: number): Framework {
  const config = resolveConfig(percentageOfNodesToScore === undefined ? {} : { percentageOfNodesToScore }, inTreeRegistry, defaultPlugins);
  return new Framework(config.profiles[0]!, inTreeRegistry, testHandle());
}

function fitError(run: () => unknown): FitError {
  try {
    run();
  } catch (err) {
    if (err instanceof FitError) return err;
    throw err;
  }
  throw new Error('expected a FitError');
}

function pluginError(run: () => unknown): PluginError {
  try {
    run();
  } catch (err) {
    if (err instanceof PluginError) return err;
    throw err;
  }
  throw new Error('expected a PluginError');
}

// --- numFeasibleNodesToFind ---------------------------------------------------------------

describe('numFeasibleNodesToFind', () => {
  // Upstream's TestNumFeasibleNodesToFind. Berth resolves the global and the
  // profile percentage in the config (the profile's wins; 0 is adaptive), so
  // each row goes through resolveConfig first.
  const cases: { name: string; globalPercentage?: number; profilePercentage?: number; numAllNodes: number; wantNumNodes: number }[] = [
    { name: 'not set percentageOfNodesToScore and nodes number not more than 50', numAllNodes: 10, wantNumNodes: 10 },
    { name: 'set profile percentageOfNodesToScore and nodes number not more than 50', profilePercentage: 40, numAllNodes: 10, wantNumNodes: 10 },
    { name: 'not set percentageOfNodesToScore and nodes number more than 50', numAllNodes: 1000, wantNumNodes: 420 },
    { name: 'set profile percentageOfNodesToScore and nodes number more than 50', profilePercentage: 40, numAllNodes: 1000, wantNumNodes: 400 },
    {
      name: 'set global and profile percentageOfNodesToScore and nodes number more than 50',
      globalPercentage: 100,
      profilePercentage: 40,
      numAllNodes: 1000,
      wantNumNodes: 400,
    },
    { name: 'set global percentageOfNodesToScore and nodes number more than 50', globalPercentage: 40, numAllNodes: 1000, wantNumNodes: 400 },
    { name: 'not set profile percentageOfNodesToScore and nodes number more than 50*125', numAllNodes: 6000, wantNumNodes: 300 },
    { name: 'set profile percentageOfNodesToScore and nodes number more than 50*125', profilePercentage: 40, numAllNodes: 6000, wantNumNodes: 2400 },
  ];
  test.each(cases)('$name', ({ globalPercentage, profilePercentage, numAllNodes, wantNumNodes }) => {
    const resolved = resolveConfig(
      {
        ...(globalPercentage === undefined ? {} : { percentageOfNodesToScore: globalPercentage }),
        profiles: [profilePercentage === undefined ? {} : { percentageOfNodesToScore: profilePercentage }],
      },
      inTreeRegistry,
      defaultPlugins,
    );
    expect(numFeasibleNodesToFind(resolved.profiles[0]!.percentageOfNodesToScore, numAllNodes)).toBe(wantNumNodes);
  });

  const edges: { name: string; percentage: number; numAllNodes: number; want: number }[] = [
    { name: 'below 100 nodes: all of them, whatever the percentage', percentage: 1, numAllNodes: 99, want: 99 },
    { name: 'exactly 100 nodes, adaptive: 50% would be 50, the floor is 100', percentage: 0, numAllNodes: 100, want: 100 },
    { name: 'a small percentage never goes below 100 nodes', percentage: 1, numAllNodes: 5000, want: 100 },
    { name: '100%: every node', percentage: 100, numAllNodes: 5000, want: 5000 },
    { name: 'adaptive bottoms out at 5%', percentage: 0, numAllNodes: 100_000, want: 5000 },
    { name: 'truncates like Go int32 division', percentage: 0, numAllNodes: 1999, want: Math.trunc((1999 * (50 - 15)) / 100) },
    { name: 'no nodes', percentage: 0, numAllNodes: 0, want: 0 },
  ];
  test.each(edges)('$name', ({ percentage, numAllNodes, want }) => {
    expect(numFeasibleNodesToFind(percentage, numAllNodes)).toBe(want);
  });

  test("upstream's constants", () => {
    expect([MIN_FEASIBLE_NODES_TO_FIND, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND]).toEqual([100, 5]);
  });
});

// --- which nodes get looked at -----------------------------------------------------------------

describe('the rotating start index', () => {
  test("upstream's TestFairEvaluationForNodes: 500 nodes at 30% look at 150 per cycle, starting where the last stopped", () => {
    const table = tableOf(nodeList(500));
    const { seen, filter, score } = everyNodeFits();
    const fw = fakeFramework([filter, score], { filter: ['TrueFilter'], score: ['EqualPrioritizer'] }, 30);
    const algorithm = new Algorithm(1);
    const nodesToFind = numFeasibleNodesToFind(30, 500);
    expect(nodesToFind).toBe(150);
    const timesSeen = new Map<string, number>();
    // Iterating over all nodes more than twice.
    for (let i = 0; i < 2 * (Math.trunc(500 / nodesToFind) + 1); i++) {
      seen.length = 0;
      const result = algorithm.schedulePod(fw, pod, table);
      expect([result.feasibleNodes, result.evaluatedNodes]).toEqual([nodesToFind, nodesToFind]);
      expect(algorithm.nextStartNodeIndex).toBe(((i + 1) * nodesToFind) % 500);
      expect(seen[0]).toBe(table.nameAt((i * nodesToFind) % 500));
      for (const name of seen) timesSeen.set(name, (timesSeen.get(name) ?? 0) + 1);
    }
    // 8 cycles × 150 = 1200 looks over 500 nodes: every node 2 or 3 times.
    expect(timesSeen.size).toBe(500);
    expect(new Set(timesSeen.values())).toEqual(new Set([2, 3]));
  });

  test('advances by the nodes evaluated (rejected ones too) and wraps', () => {
    // No score plugin: the first feasible node is taken (upstream), so each
    // cycle stops at the first node that fits.
    const table = tableOf(nodeList(5));
    const rejects = new Set(['n1', 'n2']);
    const filter = fake('Picky', { filter: (_s: unknown, _p: unknown, node: NodeView) => (rejects.has(node.name()) ? Status.unschedulable('picky') : null) });
    const fw = fakeFramework([filter], { filter: ['Picky'] });
    const algorithm = new Algorithm(1);
    const got = Array.from({ length: 5 }, () => {
      const r = algorithm.schedulePod(fw, pod, table);
      return [r.nodeName, r.evaluatedNodes, algorithm.nextStartNodeIndex];
    });
    expect(got).toEqual([
      ['n0', 1, 1],
      ['n3', 3, 4],
      ['n4', 1, 0],
      ['n0', 1, 1],
      ['n3', 3, 4],
    ]);
  });

  test('over consecutive cycles every node is evaluated first once', () => {
    const table = tableOf(nodeList(7));
    const { seen, filter } = everyNodeFits();
    const fw = fakeFramework([filter], { filter: ['TrueFilter'] });
    const algorithm = new Algorithm(1);
    const first = Array.from({ length: 7 }, () => {
      seen.length = 0;
      algorithm.schedulePod(fw, pod, table);
      return seen[0];
    });
    expect(first).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  });

  test('still advances when a plugin fails mid-way', () => {
    const table = tableOf(nodeList(4));
    const filter = fake('Breaks', { filter: (_s: unknown, _p: unknown, node: NodeView) => (node.name() === 'n2' ? Status.error('broken') : null) });
    const fw = fakeFramework([filter, fake('S', { score: () => 1 })], { filter: ['Breaks'], score: ['S'] });
    const algorithm = new Algorithm(1);
    expect(() => algorithm.schedulePod(fw, pod, table)).toThrow(PluginError);
    expect(algorithm.nextStartNodeIndex).toBe(3);
  });
});

describe('how many feasible nodes are collected', () => {
  test('more than 100 nodes: only numFeasibleNodesToFind, and only those are scored', () => {
    const table = tableOf(nodeList(1000));
    const { filter } = everyNodeFits();
    let scored = 0;
    const preScoreSaw: number[] = [];
    const score = fake('Counting', {
      preScore: (_s: unknown, _p: unknown, _n: unknown, feasible: Int32Array) => (preScoreSaw.push(feasible.length), null),
      score: () => (scored++, 1),
    });
    const fw = fakeFramework([filter, score], { filter: ['TrueFilter'], preScore: ['Counting'], score: ['Counting'] });
    const result = new Algorithm(1).schedulePod(fw, pod, table);
    expect([result.feasibleNodes, result.evaluatedNodes, preScoreSaw, scored]).toEqual([420, 420, [420], 420]);
  });

  test('rejected nodes do not count: it keeps looking until enough fit', () => {
    // 300 nodes, adaptive 48% → 144 to find; every odd node is rejected.
    const table = tableOf(nodeList(300));
    const filter = fake('EvenOnly', {
      filter: (_s: unknown, _p: unknown, node: NodeView) => (node.index % 2 === 1 ? Status.unschedulable('odd') : null),
    });
    const fw = fakeFramework([filter, fake('S', { score: () => 1 })], { filter: ['EvenOnly'], score: ['S'] });
    const result = new Algorithm(1).schedulePod(fw, pod, table);
    expect(numFeasibleNodesToFind(0, 300)).toBe(144);
    expect([result.feasibleNodes, result.evaluatedNodes]).toEqual([144, 287]);
  });

  test('100 nodes or fewer: every node is looked at', () => {
    const table = tableOf(nodeList(100));
    const { seen, filter, score } = everyNodeFits();
    const fw = fakeFramework([filter, score], { filter: ['TrueFilter'], score: ['EqualPrioritizer'] }, 10);
    const result = new Algorithm(1).schedulePod(fw, pod, table);
    expect([result.feasibleNodes, result.evaluatedNodes, seen.length]).toEqual([100, 100, 100]);
  });
});

// --- PreFilter's restriction ------------------------------------------------------------------

describe('PreFilter restricting the nodes', () => {
  const restrict = (name: string, result: PreFilterResult) => fake(name, { preFilter: () => result });
  const three = () => tableOf(['node1', 'node2', 'node3'].map((n) => makeNode(n).obj()));

  test('only the named nodes go through Filter', () => {
    const { seen, filter, score } = everyNodeFits();
    const fw = fakeFramework([restrict('FakePreFilter2', { status: null, nodeNames: new Set(['node2']) }), restrict('FakePreFilter3', { status: null, nodeNames: new Set(['node1', 'node2']) }), filter, score], {
      preFilter: ['FakePreFilter2', 'FakePreFilter3'],
      filter: ['TrueFilter'],
      score: ['EqualPrioritizer'],
    });
    const result = new Algorithm(1).schedulePod(fw, pod, three());
    expect([result.nodeName, result.evaluatedNodes, seen]).toEqual(['node2', 1, ['node2']]);
  });

  test('some nodes filtered out by PreFilter, the others by Filter: both counted, both plugins to blame', () => {
    const filter = fake('FakeFilter', { filter: () => Status.unschedulable('injecting failure for pod test-prefilter') });
    const fw = fakeFramework([restrict('FakePreFilter', { status: null, nodeNames: new Set(['node2']) }), filter], {
      preFilter: ['FakePreFilter'],
      filter: ['FakeFilter'],
    });
    const table = tableOf(['node1', 'node2'].map((n) => makeNode(n).obj()));
    const err = fitError(() => new Algorithm(1).schedulePod(fw, pod, table));
    expect(err.message).toBe("0/2 nodes are available: 1 injecting failure for pod test-prefilter, 1 node(s) didn't satisfy plugin(s) [FakePreFilter].");
    expect([...err.diagnosis.unschedulablePlugins].sort()).toEqual(['FakeFilter', 'FakePreFilter']);
    const absent = err.diagnosis.nodeStatuses.get('node1')!;
    expect([absent.code, absent.reasons]).toEqual([Code.UnschedulableAndUnresolvable, ["node(s) didn't satisfy plugin(s) [FakePreFilter]"]]);
    expect(err.diagnosis.nodeStatuses.get('node2')?.plugin).toBe('FakeFilter');
    expect(err.diagnosis.preFilterMessage).toBe('');
  });

  test('a node name that does not exist: every node is out, with the absent-node reason', () => {
    const { filter } = everyNodeFits();
    const fw = fakeFramework([restrict('FakePreFilter', { status: null, nodeNames: new Set(['invalid-node']) }), filter], {
      preFilter: ['FakePreFilter'],
      filter: ['TrueFilter'],
    });
    const table = tableOf(['1', '2'].map((n) => makeNode(n).obj()));
    const err = fitError(() => new Algorithm(1).schedulePod(fw, pod, table));
    expect(err.message).toBe("0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [FakePreFilter].");
    expect([...err.diagnosis.unschedulablePlugins]).toEqual(['FakePreFilter']);
  });

  const rejections: { name: string; plugins: [string, PreFilterResult][]; numNodes: number; message: string; unschedulablePlugins: string[] }[] = [
    {
      name: 'non-intersecting nodes',
      plugins: [
        ['FakePreFilter1', { status: null }],
        ['FakePreFilter2', { status: null, nodeNames: new Set(['node2']) }],
        ['FakePreFilter3', { status: null, nodeNames: new Set(['node1']) }],
      ],
      numNodes: 3,
      message: "0/3 nodes are available: node(s) didn't satisfy plugin(s) [FakePreFilter2 FakePreFilter3] simultaneously.",
      unschedulablePlugins: ['FakePreFilter2', 'FakePreFilter3'],
    },
    {
      name: 'an empty node set',
      plugins: [
        ['FakePreFilter1', { status: null }],
        ['FakePreFilter2', { status: null, nodeNames: new Set() }],
      ],
      numNodes: 1,
      message: "0/1 nodes are available: node(s) didn't satisfy plugin FakePreFilter2.",
      unschedulablePlugins: ['FakePreFilter2'],
    },
    {
      name: 'an unschedulable status',
      plugins: [['FakePreFilter', { status: Status.unresolvable('injected unschedulable status') }]],
      numNodes: 2,
      message: '0/2 nodes are available: injected unschedulable status.',
      unschedulablePlugins: ['FakePreFilter'],
    },
  ];
  test.each(rejections)('PreFilter returning $name: the message replaces the node histogram', ({ plugins, numNodes, message, unschedulablePlugins }) => {
    const filter = fake('NeverRuns', { filter: () => Status.unschedulable('a filter reason') });
    const fw = fakeFramework([...plugins.map(([name, r]) => restrict(name, r)), filter], { preFilter: plugins.map(([n]) => n), filter: ['NeverRuns'] });
    const err = fitError(() => new Algorithm(1).schedulePod(fw, pod, tableOf(nodeList(numNodes, 'node'))));
    expect(err.message).toBe(message);
    expect([...err.diagnosis.unschedulablePlugins].sort()).toEqual(unschedulablePlugins);
    // Every node carries PreFilter's status, for PostFilter.
    expect(err.diagnosis.nodeStatuses.size).toBe(numNodes);
    expect(new Set([...err.diagnosis.nodeStatuses.values()].map((s) => s.message()))).toEqual(new Set([err.diagnosis.preFilterMessage]));
  });

  test('a PreFilter error is a PluginError in upstream words', () => {
    const fw = fakeFramework([restrict('FakePreFilter', { status: Status.error('injected error status') })], { preFilter: ['FakePreFilter'] });
    const err = pluginError(() => new Algorithm(1).schedulePod(fw, pod, tableOf(nodeList(2))));
    expect(err.message).toBe('running PreFilter plugin "FakePreFilter": injected error status');
    expect([err.status.code, err.status.plugin]).toEqual([Code.Error, 'FakePreFilter']);
  });

  test('PreFilter Skip: that plugin\'s Filter does not run', () => {
    const skipped = fake('Skipped', { preFilter: () => ({ status: Status.skip() }), filter: () => Status.error('must not run') });
    const picky = fake('FakeFilter1', { filter: (_s: unknown, _p: unknown, node: NodeView) => (node.name() === 'node1' ? Status.unschedulable('no') : null) });
    const fw = fakeFramework([skipped, picky, fake('S', { score: () => 1 })], { preFilter: ['Skipped'], filter: ['FakeFilter1', 'Skipped'], score: ['S'] });
    const result = new Algorithm(1).schedulePod(fw, pod, three());
    expect([result.feasibleNodes, result.evaluatedNodes]).toEqual([2, 3]);
  });
});

// --- scoring and the pick --------------------------------------------------------------------

describe('scoring and the pick', () => {
  test('a single feasible node is taken without PreScore or Score', () => {
    const calls: string[] = [];
    const filter = fake('OnlyN1', { filter: (_s: unknown, _p: unknown, node: NodeView) => (node.name() === 'n1' ? null : Status.unschedulable('no')) });
    const score = fake('Counting', { preScore: () => (calls.push('preScore'), null), score: () => (calls.push('score'), 1) });
    const fw = fakeFramework([filter, score], { filter: ['OnlyN1'], preScore: ['Counting'], score: ['Counting'] });
    const result = new Algorithm(1).schedulePod(fw, pod, tableOf(nodeList(3)));
    expect([result.nodeName, result.feasibleNodes, result.evaluatedNodes, calls]).toEqual(['n1', 1, 3, []]);
  });

  test('two feasible nodes: scored, and the higher total wins whatever the seed', () => {
    const calls: string[] = [];
    const score = fake('PreferN2', {
      preScore: () => (calls.push('preScore'), null),
      score: (_s: unknown, _p: unknown, node: NodeView) => (calls.push('score'), node.name() === 'n2' ? 90 : 10),
    });
    const fw = fakeFramework([score], { preScore: ['PreferN2'], score: ['PreferN2'] });
    const table = tableOf(nodeList(3));
    for (const seed of [1, 2, 3, 99]) expect(new Algorithm(seed).schedulePod(fw, pod, table).nodeName).toBe('n2');
    expect(calls.slice(0, 4)).toEqual(['preScore', 'score', 'score', 'score']);
  });

  test('the default plugins pick the node with the most room (LeastAllocated)', () => {
    const nodes = [
      makeNode('busy').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj(),
      makeNode('idle').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj(),
    ];
    const busyPod = makePod('running').req({ cpu: '3', memory: '6Gi' }).node('busy').obj();
    const table = buildSnapshot(nodes, [busyPod]).table;
    const fw = defaultFramework();
    for (const seed of [1, 2, 3]) {
      expect(new Algorithm(seed).schedulePod(fw, makePod('new').req({ cpu: '500m', memory: '1Gi' }).info(), table).nodeName).toBe('idle');
    }
  });

  const choices = (seed: number, cycles: number) => {
    const table = tableOf(nodeList(4));
    const { filter, score } = everyNodeFits();
    const fw = fakeFramework([filter, score], { filter: ['TrueFilter'], score: ['EqualPrioritizer'] });
    const algorithm = new Algorithm(seed);
    return Array.from({ length: cycles }, () => algorithm.schedulePod(fw, pod, table).nodeName);
  };

  test('ties: the same seed gives the same sequence of choices', () => {
    expect(choices(42, 50)).toEqual(choices(42, 50));
    expect(choices(0, 20)).toEqual(choices(0, 20));
  });

  test('ties: different seeds give different sequences', () => {
    expect(choices(1, 50)).not.toEqual(choices(2, 50));
  });

  test('ties: over many cycles every tied node is chosen, about evenly (not always the first)', () => {
    const counts = new Map<string, number>();
    for (const name of choices(7, 400)) counts.set(name, (counts.get(name) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['n0', 'n1', 'n2', 'n3']);
    for (const [, n] of counts) expect(n).toBeGreaterThan(60);
  });

  test('ties are broken only among the best: a lower tie never wins', () => {
    const score = fake('TwoLevels', { score: (_s: unknown, _p: unknown, node: NodeView) => (node.name() === 'n1' || node.name() === 'n3' ? 50 : 10) });
    const fw = fakeFramework([score], { score: ['TwoLevels'] });
    const table = tableOf(nodeList(5));
    const algorithm = new Algorithm(3);
    const picked = new Set(Array.from({ length: 100 }, () => algorithm.schedulePod(fw, pod, table).nodeName));
    expect(picked).toEqual(new Set(['n1', 'n3']));
  });

  test('the tie-breaker is a seeded xorshift32: deterministic, 32-bit, and seed 0 is replaced', () => {
    const a = new TieBreaker(5);
    const b = new TieBreaker(5);
    const seqA = Array.from({ length: 10 }, () => a.next());
    expect(seqA).toEqual(Array.from({ length: 10 }, () => b.next()));
    for (const x of seqA) expect(Number.isInteger(x) && x > 0 && x < 2 ** 32).toBe(true);
    expect(new TieBreaker(0).next()).toBe(new TieBreaker(0x9e3779b9).next());
    // xorshift32 of 1: 1 ^ 1<<13 = 8193; ^ >>>17 = 8193; ^ <<5 = 270369.
    expect(new TieBreaker(1).next()).toBe(270369);
  });
});

// --- when no node fits, or a plugin fails ----------------------------------------------------------

describe('FitError diagnosis', () => {
  test('the default plugins: a count per reason, sorted as strings, and the plugins that rejected', () => {
    const nodes = [
      makeNode('small1').capacity({ cpu: '1', memory: '1Gi', pods: '110' }).obj(),
      makeNode('small2').capacity({ cpu: '1', memory: '1Gi', pods: '110' }).obj(),
      makeNode('tainted').capacity({ cpu: '8', memory: '16Gi', pods: '110' }).taint('dedicated', 'gpu', 'NoSchedule').obj(),
      makeNode('cordoned').capacity({ cpu: '8', memory: '16Gi', pods: '110' }).unschedulable().obj(),
    ];
    const err = fitError(() => new Algorithm(1).schedulePod(defaultFramework(), makePod('big').req({ cpu: '2', memory: '2Gi' }).info(), buildSnapshot(nodes).table));
    expect(err.message).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 2 Insufficient cpu, 2 Insufficient memory.',
    );
    expect(err.numAllNodes).toBe(4);
    expect(Object.fromEntries(err.diagnosis.reasons)).toEqual({
      'Insufficient cpu': 2,
      'Insufficient memory': 2,
      'node(s) had untolerated taint(s)': 1,
      'node(s) were unschedulable': 1,
    });
    expect([...err.diagnosis.unschedulablePlugins].sort()).toEqual(['NodeResourcesFit', 'NodeUnschedulable', 'TaintToleration']);
    expect([...err.diagnosis.nodeStatuses.keys()].sort()).toEqual(['cordoned', 'small1', 'small2', 'tainted']);
    expect(err.diagnosis.nodeStatuses.get('tainted')?.plugin).toBe('TaintToleration');
  });

  test('"10 …" sorts before "2 …", as Go\'s sort.Strings', () => {
    const nodes = [
      ...Array.from({ length: 10 }, (_, i) => makeNode(`small${i}`).capacity({ cpu: '1', memory: '8Gi', pods: '110' }).obj()),
      ...Array.from({ length: 2 }, (_, i) => makeNode(`tainted${i}`).capacity({ cpu: '8', memory: '8Gi', pods: '110' }).taint('k', 'v', 'NoSchedule').obj()),
    ];
    const err = fitError(() => new Algorithm(1).schedulePod(defaultFramework(), makePod('big').req({ cpu: '2' }).info(), buildSnapshot(nodes).table));
    expect(err.message).toBe('0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint(s).');
  });

  test('no node at all', () => {
    const err = fitError(() => new Algorithm(1).schedulePod(defaultFramework(), pod, tableOf([])));
    expect([err.numAllNodes, err.message]).toEqual([0, 'no nodes available to schedule pods']);
  });
});

describe('a plugin Error surfaces as PluginError', () => {
  const three = () => tableOf(nodeList(3));
  const cases: { name: string; plugins: Fake[]; points: Partial<Record<ExtensionPoint, string[]>>; message: string; plugin: string }[] = [
    {
      name: 'Filter returning Error on one node',
      plugins: [fake('F', { filter: (_s: unknown, _p: unknown, node: NodeView): Result => (node.name() === 'n0' ? Status.error('broken') : null) })],
      points: { filter: ['F'] },
      message: 'running "F" filter plugin: broken',
      plugin: 'F',
    },
    {
      name: 'PreScore failing',
      plugins: [fake('P', { preScore: () => Status.error('no data'), score: () => 1 })],
      points: { preScore: ['P'], score: ['P'] },
      message: 'running PreScore plugin "P": no data',
      plugin: 'P',
    },
    {
      name: 'Score throwing',
      plugins: [
        fake('S', {
          score: () => {
            throw new Error('kaput');
          },
        }),
      ],
      points: { score: ['S'] },
      message: 'running Score plugins: plugin "S" failed with: kaput',
      plugin: 'S',
    },
  ];
  test.each(cases)('$name', ({ plugins, points, message, plugin }) => {
    const err = pluginError(() => new Algorithm(1).schedulePod(fakeFramework(plugins, points), pod, three()));
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.message, err.status.code, err.status.plugin]).toEqual(['PluginError', message, Code.Error, plugin]);
  });

  test('a Filter rejection is not an error: the node is just out', () => {
    const fw = fakeFramework([fake('F', { filter: (_s: unknown, _p: unknown, node: NodeView) => (node.name() === 'n1' ? Status.unschedulable('no') : null) }), fake('S', { score: () => 1 })], {
      filter: ['F'],
      score: ['S'],
    });
    const result = new Algorithm(1).schedulePod(fw, pod, three());
    expect([result.feasibleNodes, result.evaluatedNodes]).toEqual([2, 3]);
    expect(result.state).toBeDefined();
  });
});
