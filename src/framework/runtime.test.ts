// The framework runtime with small fake plugins: how a profile becomes a
// Framework (and which profiles are refused), and what each extension point
// does with what its plugins return or throw, in upstream's words
// (pkg/scheduler/framework/runtime/framework.go, v1.36).
import { jest } from '@jest/globals';
import { buildSnapshot, makeNode, makePod, testHandle } from '../testing/builders.ts';
import { CycleState } from './cycle-state.ts';
import type {
  BindPlugin,
  ClusterEvent,
  NodeStatusMap,
  PermitResult,
  Plugin,
  PostFilterResult,
  PreFilterResult,
  QueueSortPlugin,
} from './interfaces.ts';
import { EXTENSION_POINTS, Framework, MAX_PERMIT_TIMEOUT_MS, type ExtensionPoint, type Registry, type ResolvedProfile } from './runtime.ts';
import { Code, Status, type Result } from './status.ts';

// --- fakes ---------------------------------------------------------------------

/** A plugin is its name plus whichever point methods a test gives it. */
type Fake = Plugin & Record<string, unknown>;
const fake = (name: string, methods: Record<string, unknown> = {}): Fake => ({ name, ...methods });

const sort = fake('Sort', { less: () => false }) as Fake & QueueSortPlugin;
const binder = fake('Binder', { bind: () => Promise.resolve(null) }) as Fake & BindPlugin;

function registryOf(plugins: Plugin[], factoryCalls?: Map<string, unknown[]>): Registry {
  return new Map(
    [sort, binder, ...plugins].map((p) => [
      p.name,
      {
        name: p.name,
        defaultArgs: { from: 'defaults' },
        factory: (args: unknown) => {
          factoryCalls?.set(p.name, [...(factoryCalls.get(p.name) ?? []), args]);
          return p;
        },
      },
    ]),
  );
}

function profileOf(points: Partial<Record<ExtensionPoint, string[]>>, extra: Partial<ResolvedProfile> = {}): ResolvedProfile {
  const all = Object.fromEntries(EXTENSION_POINTS.map((p) => [p, [] as string[]])) as Record<ExtensionPoint, string[]>;
  return {
    schedulerName: 'berth',
    points: { ...all, queueSort: ['Sort'], bind: ['Binder'], ...points },
    weights: {},
    args: {},
    percentageOfNodesToScore: 0,
    ...extra,
  };
}

/** A Framework over these plugins, each at the points given (queueSort and bind are filled in). */
function frameworkOf(plugins: Plugin[], points: Partial<Record<ExtensionPoint, string[]>>, extra: Partial<ResolvedProfile> = {}): Framework {
  return new Framework(profileOf(points, extra), registryOf(plugins), testHandle());
}

const snapshot = buildSnapshot([makeNode('n1').obj(), makeNode('n2').obj(), makeNode('n3').obj()]);
const table = snapshot.table;
const indexes = (...names: string[]) => Int32Array.from(names.map((n) => table.indexOf(n)));
const pod = makePod('p').info();

/** Records the order plugins were called in. */
function callLog() {
  const calls: string[] = [];
  return { calls, record: (what: string) => calls.push(what) };
}

const boom = () => {
  throw new Error('boom');
};

// --- construction -------------------------------------------------------------------

describe('Framework construction', () => {
  const filter = fake('F', { filter: () => null });
  const cases: { name: string; plugins: Plugin[]; points: Partial<Record<ExtensionPoint, string[]>>; want: string }[] = [
    { name: 'an unknown plugin', plugins: [], points: { filter: ['Nope'] }, want: 'plugin Nope is not registered' },
    { name: 'a plugin at a point it does not implement', plugins: [filter], points: { score: ['F'] }, want: 'plugin F does not implement score' },
    { name: 'no queueSort plugin', plugins: [], points: { queueSort: [] }, want: 'exactly one queueSort plugin must be enabled, got 0' },
    {
      name: 'two queueSort plugins',
      plugins: [fake('Sort2', { less: () => true })],
      points: { queueSort: ['Sort', 'Sort2'] },
      want: 'exactly one queueSort plugin must be enabled, got 2',
    },
    { name: 'no bind plugin', plugins: [], points: { bind: [] }, want: 'at least one bind plugin must be enabled' },
    { name: 'a plugin twice at one point', plugins: [filter], points: { filter: ['F', 'F'] }, want: 'plugin F is enabled more than once at filter' },
  ];
  test.each(cases)('rejects $name', ({ plugins, points, want }) => {
    expect(() => frameworkOf(plugins, points)).toThrow(new Error(want));
  });

  test('a factory that throws names the plugin', () => {
    const registry: Registry = new Map([...registryOf([]), ['Bad', { name: 'Bad', factory: boom }]]);
    let thrown: unknown;
    try {
      new Framework(profileOf({ filter: ['Bad'] }), registry, testHandle());
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error).message).toBe('initializing plugin Bad: boom');
    expect(((thrown as Error).cause as Error).message).toBe('boom');
  });

  test('one instance per plugin, shared by every point it runs at, built with its args or the defaults', () => {
    const multi = fake('Multi', { preFilter: () => ({ status: null }), filter: () => null, score: () => 0 });
    const other = fake('Other', { filter: () => null });
    const calls = new Map<string, unknown[]>();
    const fw = new Framework(
      profileOf({ preFilter: ['Multi'], filter: ['Multi', 'Other'], score: ['Multi'] }, { args: { Multi: { custom: true } } }),
      registryOf([multi, other], calls),
      testHandle(),
    );
    expect(calls.get('Multi')).toEqual([{ custom: true }]);
    expect(calls.get('Other')).toEqual([{ from: 'defaults' }]);
    expect(fw.preFilterPlugins[0]).toBe(multi);
    expect(fw.filterPlugins[0]).toBe(multi);
    expect(fw.scorePlugins[0]!.plugin).toBe(multi);
    expect(fw.plugins.get('Multi')).toBe(multi);
    expect([...fw.plugins.keys()].sort()).toEqual(['Binder', 'Multi', 'Other', 'Sort']);
  });

  test('score weights come from the profile, 1 when it names none', () => {
    const a = fake('A', { score: () => 0 });
    const b = fake('B', { score: () => 0 });
    const fw = frameworkOf([a, b], { score: ['A', 'B'] }, { weights: { A: 3 } });
    expect(fw.scorePlugins.map((s) => [s.plugin.name, s.weight])).toEqual([
      ['A', 3],
      ['B', 1],
    ]);
  });

  test("collects each plugin's enqueue events, once, and none for plugins without", () => {
    const events: ClusterEvent[] = [{ resource: 'Node', action: 'Add' }];
    const eventsToRegister = jest.fn(() => events);
    const withEvents = fake('WithEvents', { preFilter: () => ({ status: null }), filter: () => null, eventsToRegister });
    const without = fake('Without', { filter: () => null });
    const fw = frameworkOf([withEvents, without], { preFilter: ['WithEvents'], filter: ['WithEvents', 'Without'] });
    expect(fw.enqueueEvents.get('WithEvents')).toEqual(events);
    expect(fw.enqueueEvents.has('Without')).toBe(false);
    expect(eventsToRegister).toHaveBeenCalledTimes(1);
  });

  test('keeps the profile name and percentageOfNodesToScore', () => {
    const fw = frameworkOf([], {}, { schedulerName: 'other', percentageOfNodesToScore: 40 });
    expect([fw.schedulerName, fw.percentageOfNodesToScore]).toEqual(['other', 40]);
  });
});

// --- a plugin that throws --------------------------------------------------------

describe('a plugin that throws', () => {
  const thrower = fake('Thrower', {
    preEnqueue: boom,
    preFilter: boom,
    filter: boom,
    postFilter: () => Promise.reject(new Error('boom')),
    preScore: boom,
    score: boom,
    reserve: boom,
    unreserve: () => undefined,
    permit: boom,
    preBind: () => Promise.reject(new Error('boom')),
    bind: boom,
  });
  const normalizer = fake('Normalizer', { score: () => 1, normalizeScore: boom });
  const fw = frameworkOf([thrower, normalizer], {
    preEnqueue: ['Thrower'],
    preFilter: ['Thrower'],
    filter: ['Thrower'],
    postFilter: ['Thrower'],
    preScore: ['Thrower'],
    reserve: ['Thrower'],
    permit: ['Thrower'],
    preBind: ['Thrower'],
    bind: ['Thrower'],
  });
  const scoreFw = (name: string) => frameworkOf([thrower, normalizer], { score: [name] });
  const feasible = indexes('n1', 'n2');

  const cases: { point: string; run: () => Result | Promise<Result>; want: string }[] = [
    { point: 'PreEnqueue', run: () => fw.runPreEnqueuePlugins(pod), want: 'running PreEnqueue plugin "Thrower": boom' },
    { point: 'PreFilter', run: () => fw.runPreFilterPlugins(new CycleState(), pod, table).status, want: 'running PreFilter plugin "Thrower": boom' },
    { point: 'Filter', run: () => fw.runFilterPlugins(new CycleState(), pod, snapshot.view('n1')), want: 'running "Thrower" filter plugin: boom' },
    {
      point: 'PostFilter',
      run: async () => (await fw.runPostFilterPlugins(new CycleState(), pod, new Map())).status,
      want: 'running PostFilter plugin "Thrower": boom',
    },
    { point: 'PreScore', run: () => fw.runPreScorePlugins(new CycleState(), pod, table, feasible), want: 'running PreScore plugin "Thrower": boom' },
    {
      point: 'Score',
      run: () => scoreFw('Thrower').runScorePlugins(new CycleState(), pod, table, feasible, 2, new Float64Array(2)),
      want: 'running Score plugins: plugin "Thrower" failed with: boom',
    },
    {
      point: 'NormalizeScore',
      run: () => scoreFw('Normalizer').runScorePlugins(new CycleState(), pod, table, feasible, 2, new Float64Array(2)),
      want: 'running Normalize on Score plugins: plugin "Normalizer" failed with: boom',
    },
    { point: 'Reserve', run: () => fw.runReservePlugins(new CycleState(), pod, 'n1'), want: 'running Reserve plugin "Thrower": boom' },
    { point: 'Permit', run: () => fw.runPermitPlugins(new CycleState(), pod, 'n1').status, want: 'running Permit plugin "Thrower": boom' },
    { point: 'PreBind', run: () => fw.runPreBindPlugins(new CycleState(), pod, 'n1'), want: 'running PreBind plugin "Thrower": boom' },
    { point: 'Bind', run: () => fw.runBindPlugins(new CycleState(), pod, 'n1'), want: 'running Bind plugin "Thrower": boom' },
  ];
  test.each(cases)('at $point becomes a Code.Error status naming the plugin and the point', async ({ run, want }) => {
    const status = await run();
    expect(status).toBeInstanceOf(Status);
    expect({ code: status!.code, reasons: status!.reasons, plugin: status!.plugin }).toEqual({
      code: Code.Error,
      reasons: [want],
      plugin: want.includes('Normalizer') ? 'Normalizer' : 'Thrower',
    });
  });

  test('something thrown that is not an Error is stringified', () => {
    const odd = fake('Odd', {
      filter: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'not an Error';
      },
    });
    const status = frameworkOf([odd], { filter: ['Odd'] }).runFilterPlugins(new CycleState(), pod, snapshot.view('n1'));
    expect(status?.reasons).toEqual(['running "Odd" filter plugin: not an Error']);
  });

  test('Unreserve and PostBind hand each throw to the callback and still run every plugin', () => {
    const { calls, record } = callLog();
    const mk = (name: string, throws: boolean) =>
      fake(name, {
        reserve: () => null,
        unreserve: () => {
          record(`unreserve ${name}`);
          if (throws) throw new Error(`unreserve ${name} failed`);
        },
        postBind: () => {
          record(`postBind ${name}`);
          if (throws) throw new Error(`postBind ${name} failed`);
        },
      });
    const fw = frameworkOf([mk('A', true), mk('B', false)], { reserve: ['A', 'B'], postBind: ['A', 'B'] });
    const errors: unknown[] = [];
    expect(() => fw.runUnreservePlugins(new CycleState(), pod, 'n1', (e) => errors.push(e))).not.toThrow();
    expect(() => fw.runPostBindPlugins(new CycleState(), pod, 'n1', (e) => errors.push(e))).not.toThrow();
    expect(calls).toEqual(['unreserve B', 'unreserve A', 'postBind A', 'postBind B']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['unreserve A failed', 'postBind A failed']);
  });
});

// --- PreEnqueue ------------------------------------------------------------------------

describe('runPreEnqueuePlugins', () => {
  test('lets the pod in when every plugin succeeds, else returns the first refusal, naming its plugin', () => {
    const ok = fake('Ok', { preEnqueue: () => null });
    const gate = fake('Gate', { preEnqueue: () => Status.unresolvable('waiting for scheduling gates: [g]') });
    const never = fake('Never', { preEnqueue: jest.fn(() => null) });
    expect(frameworkOf([ok], { preEnqueue: ['Ok'] }).runPreEnqueuePlugins(pod)).toBeNull();
    const status = frameworkOf([ok, gate, never], { preEnqueue: ['Ok', 'Gate', 'Never'] }).runPreEnqueuePlugins(pod);
    expect([status?.code, status?.reasons, status?.plugin]).toEqual([Code.UnschedulableAndUnresolvable, ['waiting for scheduling gates: [g]'], 'Gate']);
    expect(never.preEnqueue).not.toHaveBeenCalled();
  });
});

// --- PreFilter and Filter -------------------------------------------------------------

const preFilter = (name: string, result: PreFilterResult, extra: Record<string, unknown> = {}) =>
  fake(name, { preFilter: jest.fn(() => result), ...extra });

describe('runPreFilterPlugins', () => {
  test('Skip records the plugin, and its Filter does not run', () => {
    const skipper = preFilter('Skipper', { status: Status.skip() }, { filter: jest.fn(() => Status.unschedulable('never')) });
    const fw = frameworkOf([skipper], { preFilter: ['Skipper'], filter: ['Skipper'] });
    const state = new CycleState();
    expect(fw.runPreFilterPlugins(state, pod, table)).toEqual({ status: null, restrictedBy: [] });
    expect([...state.skipFilterPlugins]).toEqual(['Skipper']);
    expect(fw.runFilterPlugins(state, pod, snapshot.view('n1'))).toBeNull();
    expect(skipper.filter).not.toHaveBeenCalled();
    // Without the Skip, the same Filter rejects.
    expect(fw.runFilterPlugins(new CycleState(), pod, snapshot.view('n1'))?.reasons).toEqual(['never']);
  });

  const cases: {
    name: string;
    results: [string, PreFilterResult][];
    want: { code: Code | null; reasons?: string[]; plugin?: string; nodeNames?: string[]; restrictedBy: string[] };
  }[] = [
    {
      name: 'no plugin restricts: all nodes',
      results: [['A', { status: null }]],
      want: { code: null, restrictedBy: [] },
    },
    {
      name: 'restrictions intersect across plugins',
      results: [
        ['A', { status: null, nodeNames: new Set(['n1', 'n2']) }],
        ['B', { status: null }],
        ['C', { status: null, nodeNames: new Set(['n2', 'n3']) }],
      ],
      want: { code: null, nodeNames: ['n2'], restrictedBy: ['A', 'C'] },
    },
    {
      name: 'an empty intersection: every restricting plugin, sorted, "simultaneously"',
      results: [
        ['FakePreFilter1', { status: null }],
        ['FakePreFilter3', { status: null, nodeNames: new Set(['node1']) }],
        ['FakePreFilter2', { status: null, nodeNames: new Set(['node2']) }],
      ],
      want: {
        code: Code.UnschedulableAndUnresolvable,
        reasons: ["node(s) didn't satisfy plugin(s) [FakePreFilter2 FakePreFilter3] simultaneously"],
        plugin: '',
        nodeNames: [],
        restrictedBy: ['FakePreFilter3', 'FakePreFilter2'],
      },
    },
    {
      name: 'one plugin returning no node: upstream names it without brackets',
      results: [
        ['FakePreFilter1', { status: null }],
        ['FakePreFilter2', { status: null, nodeNames: new Set() }],
      ],
      want: {
        code: Code.UnschedulableAndUnresolvable,
        reasons: ["node(s) didn't satisfy plugin FakePreFilter2"],
        plugin: '',
        nodeNames: [],
        restrictedBy: ['FakePreFilter2'],
      },
    },
    {
      name: 'UnschedulableAndUnresolvable stops at once, naming the plugin',
      results: [
        ['A', { status: null, nodeNames: new Set(['n1']) }],
        ['B', { status: Status.unresolvable('nope') }],
        ['C', { status: Status.unschedulable('never asked') }],
      ],
      want: { code: Code.UnschedulableAndUnresolvable, reasons: ['nope'], plugin: 'B', restrictedBy: ['A'] },
    },
    {
      name: 'Unschedulable lets the others run; the last one is returned',
      results: [
        ['A', { status: Status.unschedulable('first') }],
        ['B', { status: null, nodeNames: new Set(['n1']) }],
        ['C', { status: Status.unschedulable('second') }],
      ],
      want: { code: Code.Unschedulable, reasons: ['second'], plugin: 'C', nodeNames: ['n1'], restrictedBy: ['B'] },
    },
    {
      name: 'UnschedulableAndUnresolvable after Unschedulable wins',
      results: [
        ['A', { status: Status.unschedulable('first') }],
        ['B', { status: Status.unresolvable('final') }],
      ],
      want: { code: Code.UnschedulableAndUnresolvable, reasons: ['final'], plugin: 'B', restrictedBy: [] },
    },
    {
      name: 'an Error status is wrapped in upstream words',
      results: [['FakePreFilter', { status: Status.error('injected error status') }]],
      want: { code: Code.Error, reasons: ['running PreFilter plugin "FakePreFilter": injected error status'], plugin: 'FakePreFilter', restrictedBy: [] },
    },
    {
      name: 'any other code (Wait) is an Error too',
      results: [['W', { status: new Status(Code.Wait, ['hold on']) }]],
      want: { code: Code.Error, reasons: ['running PreFilter plugin "W": hold on'], plugin: 'W', restrictedBy: [] },
    },
  ];
  test.each(cases)('$name', ({ name, results, want }) => {
    const plugins = results.map(([plugin, result]) => preFilter(plugin, result));
    const fw = frameworkOf(plugins, { preFilter: results.map(([name]) => name) });
    const got = fw.runPreFilterPlugins(new CycleState(), pod, table);
    expect({
      code: got.status?.code ?? null,
      ...(got.status ? { reasons: got.status.reasons, plugin: got.status.plugin } : {}),
      ...(got.nodeNames ? { nodeNames: [...got.nodeNames] } : {}),
      restrictedBy: got.restrictedBy,
    }).toEqual(want);
    // A plugin after one that stopped the point is never asked.
    if (name.startsWith('UnschedulableAndUnresolvable stops')) expect(plugins[2]!.preFilter).not.toHaveBeenCalled();
  });
});

describe('runFilterPlugins', () => {
  const pass = (name: string) => fake(name, { filter: jest.fn(() => null) });
  const reject = (name: string, status: Status) => fake(name, { filter: jest.fn(() => status) });

  test('passes when every plugin passes', () => {
    expect(frameworkOf([pass('A'), pass('B')], { filter: ['A', 'B'] }).runFilterPlugins(new CycleState(), pod, snapshot.view('n1'))).toBeNull();
  });

  test('returns the first rejection with the plugin name; later plugins do not run', () => {
    const a = pass('A');
    const b = reject('B', Status.unschedulable('Insufficient cpu'));
    const c = reject('C', Status.unresolvable('other'));
    const status = frameworkOf([a, b, c], { filter: ['A', 'B', 'C'] }).runFilterPlugins(new CycleState(), pod, snapshot.view('n1'));
    expect([status?.code, status?.reasons, status?.plugin]).toEqual([Code.Unschedulable, ['Insufficient cpu'], 'B']);
    expect(a.filter).toHaveBeenCalledTimes(1);
    expect(c.filter).not.toHaveBeenCalled();
  });

  const codes: { name: string; status: Status; want: { code: Code; reasons: string[] } }[] = [
    { name: 'Unschedulable stays', status: Status.unschedulable('x'), want: { code: Code.Unschedulable, reasons: ['x'] } },
    { name: 'UnschedulableAndUnresolvable stays', status: Status.unresolvable('x'), want: { code: Code.UnschedulableAndUnresolvable, reasons: ['x'] } },
    { name: 'Pending stays (a rejection upstream)', status: Status.pending('x'), want: { code: Code.Pending, reasons: ['x'] } },
    { name: 'Error is wrapped', status: Status.error('x'), want: { code: Code.Error, reasons: ['running "F" filter plugin: x'] } },
    { name: 'Skip is an Error', status: Status.skip(), want: { code: Code.Error, reasons: ['running "F" filter plugin: '] } },
  ];
  test.each(codes)('$name', ({ status, want }) => {
    const got = frameworkOf([reject('F', status)], { filter: ['F'] }).runFilterPlugins(new CycleState(), pod, snapshot.view('n1'));
    expect({ code: got?.code, reasons: got?.reasons, plugin: got?.plugin }).toEqual({ ...want, plugin: 'F' });
  });

  test('a Success status object is a pass', () => {
    const ok = reject('F', new Status(Code.Success));
    expect(frameworkOf([ok], { filter: ['F'] }).runFilterPlugins(new CycleState(), pod, snapshot.view('n1'))).toBeNull();
  });
});

// --- PostFilter ---------------------------------------------------------------------

describe('runPostFilterPlugins', () => {
  const post = (name: string, result: PostFilterResult) => fake(name, { postFilter: jest.fn(() => Promise.resolve(result)) });
  const run = (plugins: Fake[]) =>
    frameworkOf(plugins, { postFilter: plugins.map((p) => p.name) }).runPostFilterPlugins(new CycleState(), pod, new Map() as NodeStatusMap);

  test('no plugin: Unschedulable, no nomination', async () => {
    const got = await run([]);
    expect(got.nominatedNodeName).toBeUndefined();
    expect([got.status?.code, got.status?.reasons]).toEqual([Code.Unschedulable, []]);
  });

  test('the first success is returned as is; later plugins do not run', async () => {
    const later = post('Later', { status: null, nominatedNodeName: 'n3' });
    const got = await run([post('A', { status: Status.unschedulable('a') }), post('Preempt', { status: null, nominatedNodeName: 'n2' }), later]);
    expect(got).toEqual({ status: null, nominatedNodeName: 'n2' });
    expect(later.postFilter).not.toHaveBeenCalled();
  });

  test('all Unschedulable: every reason, the first rejector, the last nomination', async () => {
    const got = await run([
      post('A', { status: Status.unschedulable('a1', 'a2'), nominatedNodeName: 'n1' }),
      post('B', { status: Status.unschedulable('b') }),
      post('C', { status: Status.pending('c'), nominatedNodeName: 'n3' }),
    ]);
    expect({ code: got.status?.code, reasons: got.status?.reasons, plugin: got.status?.plugin, nominated: got.nominatedNodeName }).toEqual({
      code: Code.Unschedulable,
      reasons: ['a1', 'a2', 'b', 'c'],
      plugin: 'A',
      nominated: 'n3',
    });
  });

  test('UnschedulableAndUnresolvable stops, naming its plugin', async () => {
    const later = post('Later', { status: null });
    const got = await run([post('A', { status: Status.unschedulable('a') }), post('B', { status: Status.unresolvable('b') }), later]);
    expect([got.status?.code, got.status?.reasons, got.status?.plugin]).toEqual([Code.UnschedulableAndUnresolvable, ['b'], 'B']);
    expect(later.postFilter).not.toHaveBeenCalled();
  });

  test('any other code is an Error naming the plugin', async () => {
    const got = await run([post('A', { status: Status.skip() }), post('B', { status: null })]);
    expect([got.status?.code, got.status?.plugin]).toEqual([Code.Error, 'A']);
  });
});

// --- PreScore and Score ---------------------------------------------------------------

describe('runPreScorePlugins and runScorePlugins', () => {
  const nodeScore = (byNode: Record<string, number>) => (_s: CycleState, _p: unknown, node: { name(): string }) => byNode[node.name()]!;
  const feasible = indexes('n1', 'n2', 'n3');

  test('PreScore Skip skips that plugin\'s Score; the others still count', () => {
    const skipped = fake('Skipped', { preScore: () => Status.skip(), score: jest.fn(() => 100) });
    const counted = fake('Counted', { preScore: () => null, score: () => 10 });
    const fw = frameworkOf([skipped, counted], { preScore: ['Skipped', 'Counted'], score: ['Skipped', 'Counted'] });
    const state = new CycleState();
    expect(fw.runPreScorePlugins(state, pod, table, feasible)).toBeNull();
    expect([...state.skipScorePlugins]).toEqual(['Skipped']);
    const totals = new Float64Array(3);
    expect(fw.runScorePlugins(state, pod, table, feasible, 3, totals)).toBeNull();
    expect([...totals]).toEqual([10, 10, 10]);
    expect(skipped.score).not.toHaveBeenCalled();
  });

  test('a PreScore status other than Success or Skip is an Error, and stops', () => {
    const later = fake('Later', { preScore: jest.fn(() => null) });
    const fw = frameworkOf([fake('Bad', { preScore: () => Status.unschedulable('no') }), later], { preScore: ['Bad', 'Later'] });
    const status = fw.runPreScorePlugins(new CycleState(), pod, table, feasible);
    expect([status?.code, status?.reasons, status?.plugin]).toEqual([Code.Error, ['running PreScore plugin "Bad": no'], 'Bad']);
    expect(later.preScore).not.toHaveBeenCalled();
  });

  test('scores are normalized, then weighted, then summed per node', () => {
    // Raw 1, 2, 4 normalized ×25 → 25, 50, 100, weight 2; plus a flat 10 at weight 3.
    const scaled = fake('Scaled', {
      score: nodeScore({ n1: 1, n2: 2, n3: 4 }),
      normalizeScore: (_s: CycleState, _p: unknown, scores: Float64Array, _f: Int32Array, count: number) => {
        for (let i = 0; i < count; i++) scores[i]! *= 25;
        return null;
      },
    });
    const flat = fake('Flat', { score: () => 10 });
    const fw = frameworkOf([scaled, flat], { score: ['Scaled', 'Flat'] }, { weights: { Scaled: 2, Flat: 3 } });
    const totals = new Float64Array(4).fill(-1);
    expect(fw.runScorePlugins(new CycleState(), pod, table, feasible, 3, totals)).toBeNull();
    expect([...totals]).toEqual([80, 130, 230, -1]);
  });

  test('normalization sees every node\'s score and the feasible indexes', () => {
    const seen: unknown[] = [];
    const spy = fake('Spy', {
      score: nodeScore({ n1: 7, n3: 9 }),
      normalizeScore: (_s: CycleState, _p: unknown, scores: Float64Array, f: Int32Array, count: number) => {
        seen.push([...scores.subarray(0, count)], [...f.subarray(0, count)].map((i) => table.nameAt(i)));
        return null;
      },
    });
    frameworkOf([spy], { score: ['Spy'] }).runScorePlugins(new CycleState(), pod, table, indexes('n3', 'n1'), 2, new Float64Array(2));
    expect(seen).toEqual([
      [9, 7],
      ['n3', 'n1'],
    ]);
  });

  const outOfRange: { name: string; raw: number; normalize?: (v: number) => number; want: number | string }[] = [
    { name: 'above 100', raw: 101, want: 101 },
    { name: 'negative', raw: -1, want: -1 },
    { name: 'NaN', raw: NaN, want: 'NaN' },
    { name: 'above 100 before normalization is fine', raw: 150, normalize: (v) => v / 2, want: 0 },
    { name: 'normalization that leaves it above 100', raw: 100, normalize: (v) => v * 2, want: 200 },
  ];
  test.each(outOfRange)('a score outside [0, 100] after normalization is an Error: $name', ({ raw, normalize, want }) => {
    const plugin = fake('Odd', {
      score: () => raw,
      ...(normalize
        ? {
            normalizeScore: (_s: CycleState, _p: unknown, scores: Float64Array) => {
              scores[0] = normalize(scores[0]!);
              return null;
            },
          }
        : {}),
    });
    const status = frameworkOf([plugin], { score: ['Odd'] }).runScorePlugins(new CycleState(), pod, table, indexes('n1'), 1, new Float64Array(1));
    if (want === 0) {
      expect(status).toBeNull();
      return;
    }
    expect([status?.code, status?.reasons, status?.plugin]).toEqual([
      Code.Error,
      [`applying score defaultWeights on Score plugins: plugin "Odd" returns an invalid score ${want}, it should in the range of [0, 100] after normalizing`],
      'Odd',
    ]);
  });

  test('NormalizeScore returning a failure is an Error', () => {
    const plugin = fake('Norm', { score: () => 1, normalizeScore: () => Status.error('bad') });
    const status = frameworkOf([plugin], { score: ['Norm'] }).runScorePlugins(new CycleState(), pod, table, feasible, 3, new Float64Array(3));
    expect(status?.reasons).toEqual(['running Normalize on Score plugins: plugin "Norm" failed with: bad']);
  });

  test('no feasible node: nothing to score', () => {
    const plugin = fake('S', { score: jest.fn(() => 1) });
    expect(frameworkOf([plugin], { score: ['S'] }).runScorePlugins(new CycleState(), pod, table, new Int32Array(0), 0, new Float64Array(0))).toBeNull();
    expect(plugin.score).not.toHaveBeenCalled();
  });
});

// --- Reserve, Unreserve, Permit --------------------------------------------------------

describe('runReservePlugins and runUnreservePlugins', () => {
  test('the first failure stops Reserve, naming its plugin; Error statuses are wrapped', () => {
    const { calls, record } = callLog();
    const mk = (name: string, status: Result) =>
      fake(name, { reserve: () => (record(`reserve ${name}`), status), unreserve: () => record(`unreserve ${name}`) });
    const rejected = frameworkOf([mk('A', null), mk('B', Status.unschedulable('taken')), mk('C', null)], { reserve: ['A', 'B', 'C'] });
    const status = rejected.runReservePlugins(new CycleState(), pod, 'n1');
    expect([status?.code, status?.reasons, status?.plugin]).toEqual([Code.Unschedulable, ['taken'], 'B']);
    expect(calls).toEqual(['reserve A', 'reserve B']);

    const failed = frameworkOf([mk('E', Status.error('disk full'))], { reserve: ['E'] }).runReservePlugins(new CycleState(), pod, 'n1');
    expect([failed?.code, failed?.reasons, failed?.plugin]).toEqual([Code.Error, ['running Reserve plugin "E": disk full'], 'E']);
  });

  test('Unreserve runs every Reserve plugin in reverse order', () => {
    const { calls, record } = callLog();
    const mk = (name: string) => fake(name, { reserve: () => null, unreserve: () => record(name) });
    const fw = frameworkOf([mk('A'), mk('B'), mk('C')], { reserve: ['A', 'B', 'C'] });
    expect(fw.runReservePlugins(new CycleState(), pod, 'n1')).toBeNull();
    fw.runUnreservePlugins(new CycleState(), pod, 'n1', () => undefined);
    expect(calls).toEqual(['C', 'B', 'A']);
  });
});

describe('runPermitPlugins', () => {
  const permit = (name: string, result: PermitResult) => fake(name, { permit: jest.fn(() => result) });
  const run = (plugins: Fake[]) => frameworkOf(plugins, { permit: plugins.map((p) => p.name) }).runPermitPlugins(new CycleState(), pod, 'n1');
  const wait = (timeoutMs?: number): PermitResult => ({ status: new Status(Code.Wait), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const waiting = { code: Code.Wait, reasons: ['one or more plugins asked to wait and no plugin rejected pod "p"'] };

  const cases: { name: string; results: PermitResult[]; want: { code: Code; reasons: string[]; plugin?: string; timeoutMs?: number } | null }[] = [
    { name: 'every plugin allows', results: [{ status: null }, { status: new Status(Code.Success) }], want: null },
    { name: 'Wait: the longest timeout asked', results: [wait(100), { status: null }, wait(500), wait(200)], want: { ...waiting, timeoutMs: 500 } },
    { name: 'Wait without a timeout still waits', results: [wait()], want: { ...waiting, timeoutMs: 0 } },
    { name: 'Wait is capped at upstream\'s 15 minutes', results: [wait(60 * 60 * 1000)], want: { ...waiting, timeoutMs: MAX_PERMIT_TIMEOUT_MS } },
    {
      name: 'a rejection after a Wait wins, naming its plugin',
      results: [wait(100), { status: Status.unschedulable('no') }],
      want: { code: Code.Unschedulable, reasons: ['no'], plugin: 'P1' },
    },
    {
      name: 'an Error is wrapped',
      results: [{ status: Status.error('broken') }],
      want: { code: Code.Error, reasons: ['running Permit plugin "P0": broken'], plugin: 'P0' },
    },
  ];
  test.each(cases)('$name', ({ results, want }) => {
    const got = run(results.map((r, i) => permit(`P${i}`, r)));
    if (want === null) {
      expect(got).toEqual({ status: null });
      return;
    }
    expect({
      code: got.status?.code,
      reasons: got.status?.reasons,
      ...(want.plugin ? { plugin: got.status?.plugin } : {}),
      ...(got.timeoutMs === undefined ? {} : { timeoutMs: got.timeoutMs }),
    }).toEqual(want);
    expect(MAX_PERMIT_TIMEOUT_MS).toBe(15 * 60 * 1000);
  });
});

// --- PreBind and Bind ---------------------------------------------------------------------

describe('runPreBindPlugins and runBindPlugins', () => {
  const bind = (name: string, status: Result) => fake(name, { bind: jest.fn(() => Promise.resolve(status)) });
  const runBind = (plugins: Fake[]) => new Framework(profileOf({ bind: plugins.map((p) => p.name) }), registryOf(plugins), testHandle()).runBindPlugins(new CycleState(), pod, 'n1');

  test('PreBind: the first failure stops, rejections keep their code, Errors are wrapped', async () => {
    const later = fake('Later', { preBind: jest.fn(() => Promise.resolve(null)) });
    const reject = fake('Reject', { preBind: () => Promise.resolve(Status.unschedulable('volume gone')) });
    const fail = fake('Fail', { preBind: () => Promise.resolve(Status.error('api down')) });
    const ok = fake('Ok', { preBind: () => Promise.resolve(null) });
    const a = await frameworkOf([ok, reject, later], { preBind: ['Ok', 'Reject', 'Later'] }).runPreBindPlugins(new CycleState(), pod, 'n1');
    expect([a?.code, a?.reasons, a?.plugin]).toEqual([Code.Unschedulable, ['volume gone'], 'Reject']);
    expect(later.preBind).not.toHaveBeenCalled();
    const b = await frameworkOf([fail], { preBind: ['Fail'] }).runPreBindPlugins(new CycleState(), pod, 'n1');
    expect([b?.code, b?.reasons, b?.plugin]).toEqual([Code.Error, ['running PreBind plugin "Fail": api down'], 'Fail']);
    expect(await frameworkOf([ok], { preBind: ['Ok'] }).runPreBindPlugins(new CycleState(), pod, 'n1')).toBeNull();
  });

  test('Bind: Skip passes the pod to the next plugin, which binds it; later plugins do not run', async () => {
    const skip = bind('Skip', Status.skip());
    const binds = bind('Binds', null);
    const later = bind('Later', null);
    expect(await runBind([skip, binds, later])).toBeNull();
    expect(skip.bind).toHaveBeenCalledTimes(1);
    expect(binds.bind).toHaveBeenCalledTimes(1);
    expect(later.bind).not.toHaveBeenCalled();
  });

  test('Bind: every plugin skipping is an Error', async () => {
    const status = await runBind([bind('S1', Status.skip()), bind('S2', Status.skip())]);
    expect([status?.code, status?.reasons]).toEqual([Code.Error, ['all bind plugins skipped the pod']]);
  });

  test('Bind: a failure after a Skip names its plugin; Errors are wrapped', async () => {
    const status = await runBind([bind('S', Status.skip()), bind('B', Status.error('conflict'))]);
    expect([status?.code, status?.reasons, status?.plugin]).toEqual([Code.Error, ['running Bind plugin "B": conflict'], 'B']);
    const rejected = await runBind([bind('R', Status.unschedulable('node gone'))]);
    expect([rejected?.code, rejected?.reasons, rejected?.plugin]).toEqual([Code.Unschedulable, ['node gone'], 'R']);
  });
});
