// The worker side of the protocol, run on this thread: what it asks for when
// it lacks the layout, strings or profile; re-attaching per layoutVersion and
// per table; verdicts identical to Framework.runFilterPlugins; and what
// crosses threads (plain data only).
import { resolveConfig } from '../config/scheduler-config.ts';
import { CycleState } from '../framework/cycle-state.ts';
import { Framework } from '../framework/runtime.ts';
import { Code, Status } from '../framework/status.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { buildSnapshot, makeNode, makePod, testHandle, type TestSnapshot } from '../testing/builders.ts';
import { layoutOf } from './attached-table.ts';
import type { FilterTask, Reply, SyncData } from './protocol.ts';
import { decodeCycle, encodeCycle, fromWire, notPlainAt, toWire } from './transfer.ts';
import { createWorkerHandler, workerProfile } from './worker-runtime.ts';

const config = resolveConfig({}, inTreeRegistry, defaultPlugins);
const profile = config.profiles[0]!;

function snapshotOf(count: number): TestSnapshot {
  return buildSnapshot(
    Array.from({ length: count }, (_, i) =>
      makeNode(`n${i}`)
        .label('zone', `z${i % 2}`)
        .capacity({ cpu: i % 3 === 0 ? '1' : '4', memory: '8Gi', pods: '110' })
        .obj(),
    ),
  );
}

/** A filter task over every row, the sync parts chosen by the case. */
function filterTask(snapshot: TestSnapshot, tableId: number, sync: Partial<SyncData>, need = 1_000_000): { task: FilterTask; state: CycleState; fw: Framework } {
  const fw = new Framework(profile, inTreeRegistry, testHandle({ lister: snapshot.lister }));
  const pod = makePod('p').req({ cpu: '2' }).nodeSelector({ zone: 'z1' }).info();
  const state = new CycleState();
  fw.runPreFilterPlugins(state, pod, snapshot.table);
  const table = snapshot.table;
  const rows = new Int32Array(new SharedArrayBuffer(table.size * 4));
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return {
    fw,
    state,
    task: {
      kind: 'filter',
      sync: { tableId, layout: layoutOf(table), stringsFrom: 0, strings: table.interner.since(0), profiles: [{ id: 1, profile }], ...sync },
      layoutVersion: table.layoutVersion,
      size: table.size,
      profileId: 1,
      blobId: 1,
      blob: encodeCycle(pod, state),
      rows: { buffer: rows.buffer, offset: 0, length: table.size },
      verdicts: { buffer: new SharedArrayBuffer(table.size * 4), offset: 0, length: table.size },
      need,
    },
  };
}

function verdictsOf(task: FilterTask, reply: Reply): string[] {
  if (reply.kind !== 'filter') throw new Error(`expected a filter reply, got ${reply.kind}`);
  const verdicts = new Int32Array(task.verdicts.buffer, 0, reply.processed);
  return [...verdicts].map((v) => (v < 0 ? 'ok' : fromWire(reply.statuses[v]!).message()));
}

describe('the worker handler', () => {
  test('runs Framework.runFilterPlugins over the rows: the same verdicts as on this thread', async () => {
    const snapshot = snapshotOf(12);
    const { task, state, fw } = filterTask(snapshot, 0, {});
    const handler = createWorkerHandler(() => inTreeRegistry);
    const { pod } = decodeCycle(task.blob);
    const want = Array.from({ length: 12 }, (_, i) => fw.runFilterPlugins(state, pod, snapshot.table.view(i))?.message() ?? 'ok');
    expect(verdictsOf(task, await handler(task))).toEqual(want);
    expect(want).toContain('ok');
    expect(want).toContain("node(s) didn't match Pod's node affinity/selector");
  });

  test('stops after `need` nodes passed', async () => {
    const snapshot = snapshotOf(12);
    const handler = createWorkerHandler(() => inTreeRegistry);
    const { task } = filterTask(snapshot, 0, {}, 2);
    const verdicts = verdictsOf(task, await handler(task));
    expect(verdicts.filter((v) => v === 'ok')).toHaveLength(2);
    expect(verdicts.at(-1)).toBe('ok');
  });

  test.each([
    { name: 'no layout yet', sync: { layout: undefined }, reason: 'layout' },
    { name: 'strings from past what it has', sync: { stringsFrom: 5, strings: [] }, reason: 'strings' },
    { name: 'an unknown profile', sync: { profiles: undefined }, reason: 'profile' },
  ])('asks for a full sync when it lacks something: $name', async ({ sync, reason }) => {
    const handler = createWorkerHandler(() => inTreeRegistry);
    const reply = await handler(filterTask(snapshotOf(4), 0, sync).task);
    expect(reply).toMatchObject({ kind: 'resync', reason, state: { tableId: reason === 'layout' ? -1 : 0 } });
  });

  test('re-attaches when the layout changes, and takes only the new strings', async () => {
    const snapshot = snapshotOf(4);
    const handler = createWorkerHandler(() => inTreeRegistry);
    await handler(filterTask(snapshot, 0, {}).task);
    const before = { version: snapshot.table.layoutVersion, strings: snapshot.table.interner.size };
    // More nodes than the table's capacity: new buffers, new strings.
    for (let i = 4; i < 100; i++) snapshot.cache.addNode(makeNode(`m${i}`).label('zone', 'z1').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj());
    snapshot.cache.updateSnapshot(snapshot.table);
    expect(snapshot.table.layoutVersion).toBeGreaterThan(before.version);

    const stale = filterTask(snapshot, 0, { layout: undefined, stringsFrom: before.strings, strings: snapshot.table.interner.since(before.strings), profiles: undefined });
    expect(await handler(stale.task)).toMatchObject({ kind: 'resync', reason: 'layout' });
    const delta = filterTask(snapshot, 0, { stringsFrom: before.strings, strings: snapshot.table.interner.since(before.strings), profiles: undefined });
    const reply = await handler(delta.task);
    expect(reply).toMatchObject({ kind: 'filter', state: { layoutVersion: snapshot.table.layoutVersion, strings: snapshot.table.interner.size, profiles: [1] } });
    expect(verdictsOf(delta.task, reply)).toHaveLength(100);
  });

  test('another table starts the interner over', async () => {
    const handler = createWorkerHandler(() => inTreeRegistry);
    await handler(filterTask(snapshotOf(4), 0, {}).task);
    const other = snapshotOf(6);
    expect(await handler(filterTask(other, 1, { stringsFrom: 3, strings: other.table.interner.since(3) }).task)).toMatchObject({ kind: 'resync', reason: 'strings' });
    expect(await handler(filterTask(other, 1, {}).task)).toMatchObject({ kind: 'filter', state: { tableId: 1, strings: other.table.interner.size } });
  });

  test('builds only Filter and Score, in the profile order', () => {
    const reduced = workerProfile(profile);
    expect(reduced.points.filter).toEqual(profile.points.filter);
    expect(reduced.points.score).toEqual(profile.points.score);
    expect(reduced.points.preFilter).toEqual([]);
    expect(reduced.points.bind).toHaveLength(1);
  });
});

describe('what crosses threads', () => {
  test.each([
    { name: 'numbers, strings, arrays, objects', value: { a: [1, 'x', null, { b: true }] }, where: '' },
    { name: 'Maps, Sets and typed arrays', value: { m: new Map([[1, new Set([2])]]), t: new Int32Array(3) }, where: '' },
    { name: 'an object without prototype', value: Object.create(null) as object, where: '' },
    { name: 'a function', value: { f: () => 1 }, where: 'f is a function' },
    { name: 'a class instance deep down', value: { list: [{ s: new Status(Code.Error) }] }, where: 'list.0.s is an instance of Status' },
    { name: 'a class instance in a Map', value: new Map([['k', new CycleState()]]), where: '[k] is an instance of CycleState' },
  ])('plain data or not: $name', ({ value, where }) => {
    expect(notPlainAt(value)).toBe(where);
  });

  test('a cycle round-trips: the pod, the state values and the skip sets', () => {
    const pod = makePod('p').req({ cpu: '1' }).info();
    const state = new CycleState();
    state.write('k', { counts: new Map([[3, 4]]), ids: [1, 2] });
    state.skipFilterPlugins.add('A');
    state.skipScorePlugins.add('B');
    const got = decodeCycle(encodeCycle(pod, state));
    expect(got.pod).toEqual(pod);
    expect(got.state.read('k')).toEqual({ counts: new Map([[3, 4]]), ids: [1, 2] });
    expect([...got.state.skipFilterPlugins, ...got.state.skipScorePlugins]).toEqual(['A', 'B']);
  });

  test('a status round-trips', () => {
    const status = new Status(Code.UnschedulableAndUnresolvable, ['a', 'b'], 'P');
    expect(fromWire(toWire(status))).toEqual(status);
  });
});
