// The cache's pod index: counts kept as pods and nodes change, checked
// against ScanningIndex (which reads every node's pods on each call) after
// every change, plus the cases by name: adds, assumes, forgets, removes,
// terminating pods, label updates, node removal, label changes, eviction.
import type { Node, Pod } from '../api/types.ts';
import {
  ScanningIndex,
  type DomainQuery,
  type PodClassifier,
  type PodIndex,
  type PodQuery,
  type PodSet,
} from '../framework/cluster-lister.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import { LabelOp } from '../framework/label-selector.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { makeNode, makePod } from '../testing/builders.ts';
import { ClusterCache } from './cache.ts';
import { StringInterner } from './interner.ts';
import { ClusterObjects, SnapshotLister } from './lister.ts';
import { NodeTable } from './node-table.ts';
import type { PodIndexOptions } from './pod-index.ts';
import { CacheChurn } from '../testing/cache-churn.ts';
import { seededRandom } from '../testing/random.ts';

function setup(options?: PodIndexOptions) {
  const cache = new ClusterCache({}, { podIndex: options });
  const table = new NodeTable(new StringInterner(), 2);
  const lister = new SnapshotLister(cache, table, new ClusterObjects());
  const index: PodIndex = lister.podIndex();
  const sync = () => cache.updateSnapshot(table);
  const id = (s: string) => table.interner.lookup(s);
  return { cache, table, lister, index, sync, id, scan: () => new ScanningIndex(lister, table) };
}

function node(name: string, labels: Record<string, string>, tainted = false): Node {
  const b = makeNode(name).labels(labels);
  if (tainted) b.taint('dedicated', 'x', 'NoSchedule');
  return b.obj();
}

interface PodOpts {
  ns?: string;
  node?: string;
  labels?: Record<string, string>;
  owner?: string;
  terminating?: boolean;
  uid?: string;
}

let counter = 0;
function pod(o: PodOpts = {}): Pod {
  const b = makePod(`p${++counter}`, o.ns ?? 'a');
  if (o.uid) b.uid(o.uid);
  for (const [k, v] of Object.entries(o.labels ?? {})) b.label(k, v);
  if (o.node) b.node(o.node);
  const p = b.obj();
  if (o.owner) p.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: o.owner, controller: true }];
  if (o.terminating) p.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
  return p;
}

const appIs = (v: string): PodQuery => ({ namespace: 'a', selector: [{ key: 'app', op: LabelOp.In, values: [v] }], skipTerminating: true });

/** What a set says about the table, in plain numbers. */
function summary(set: PodSet, table: NodeTable, domains: readonly DomainQuery[], keys: readonly number[]) {
  return {
    rows: Array.from({ length: table.size }, (_, r) => set.countOn(r)),
    domains: domains.map((q) => {
      const d = set.domainCounts(q);
      return { values: [...d.values], counts: [...d.counts] };
    }),
    occupied: keys.map((k) => [...set.occupiedDomains(k)].sort((x, y) => x[0] - y[0])),
  };
}

describe('pod index: counts follow the pods', () => {
  test('a query made before the pods arrive counts adds, assumes, forgets and removes', () => {
    const { cache, table, index, sync, id } = setup();
    cache.addNode(node('n1', { zone: 'z1' }));
    cache.addNode(node('n2', { zone: 'z2' }));
    sync();
    const zone: DomainQuery = { keyId: id('zone') };
    const x = index.select(appIs('x'));
    expect(x.domainCounts(zone)).toEqual({ values: [id('z1'), id('z2')], counts: [0, 0] });

    const bound = newPodInfo(pod({ node: 'n1', labels: { app: 'x' } }));
    cache.addPod(bound);
    const assumed = newPodInfo(pod({ labels: { app: 'x' } }));
    cache.assumePod(assumed, 'n2');
    cache.assumePod(newPodInfo(pod({ labels: { app: 'y' } })), 'n2');
    expect(index.select(appIs('x')).domainCounts(zone).counts).toEqual([1, 1]);
    expect(index.select(appIs('x')).countOn(table.indexOf('n2'))).toBe(1);
    expect([...index.select(appIs('x')).occupiedDomains(id('zone'))]).toEqual([
      [id('z1'), 1],
      [id('z2'), 1],
    ]);

    cache.forgetPod(assumed.uid);
    expect(index.select(appIs('x')).domainCounts(zone).counts).toEqual([1, 0]);
    expect([...index.select(appIs('x')).occupiedDomains(id('zone'))]).toEqual([[id('z1'), 1]]);
    cache.removePod(bound);
    expect(index.select(appIs('x')).domainCounts(zone).counts).toEqual([0, 0]);
    expect(index.select(appIs('y')).domainCounts(zone).counts).toEqual([0, 1]);
  });

  test('confirming an assumed pod on another node moves its count', () => {
    const { cache, table, index, sync } = setup();
    cache.addNode(node('n1', {}));
    cache.addNode(node('n2', {}));
    sync();
    const q = appIs('x');
    const p = pod({ labels: { app: 'x' }, uid: 'u1' });
    cache.assumePod(newPodInfo(p), 'n1');
    expect(index.select(q).countOn(table.indexOf('n1'))).toBe(1);
    cache.addPod(newPodInfo({ ...p, spec: { ...p.spec, nodeName: 'n2' } }));
    expect([table.indexOf('n1'), table.indexOf('n2')].map((r) => index.select(q).countOn(r))).toEqual([0, 1]);
  });

  test('terminating pods are left out when the query asks, counted otherwise', () => {
    const { cache, table, index, sync } = setup();
    cache.addNode(node('n1', {}));
    sync();
    const row = table.indexOf('n1');
    const all: PodQuery = { namespace: 'a', selector: [] };
    const live: PodQuery = { namespace: 'a', selector: [], skipTerminating: true };
    index.select(all);
    index.select(live);
    const p = pod({ node: 'n1', uid: 'u1' });
    cache.addPod(newPodInfo(p));
    cache.addPod(newPodInfo(pod({ node: 'n1', terminating: true })));
    expect([index.select(all).countOn(row), index.select(live).countOn(row)]).toEqual([2, 1]);
    // The pod starts terminating (an update).
    cache.updatePod(newPodInfo(p), newPodInfo({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }));
    expect([index.select(all).countOn(row), index.select(live).countOn(row)]).toEqual([2, 0]);
  });

  test('a label update moves a pod into or out of a selector; namespaces and controllers are matched too', () => {
    const { cache, table, index, sync } = setup();
    cache.addNode(node('n1', {}));
    sync();
    const row = table.indexOf('n1');
    const x = appIs('x');
    const y = appIs('y');
    const owned: PodQuery = { namespace: 'a', selector: [], controllerUid: 'rs-1' };
    const anywhere: PodQuery = { namespace: null, selector: [{ key: 'app', op: LabelOp.Exists, values: [] }] };
    for (const q of [x, y, owned, anywhere]) index.select(q);
    const p = pod({ node: 'n1', labels: { app: 'x' }, owner: 'rs-1', uid: 'u1' });
    cache.addPod(newPodInfo(p));
    cache.addPod(newPodInfo(pod({ node: 'n1', labels: { app: 'x' }, ns: 'b' })));
    const counts = () => [x, y, owned, anywhere].map((q) => index.select(q).countOn(row));
    expect(counts()).toEqual([1, 0, 1, 2]);
    cache.updatePod(newPodInfo(p), newPodInfo({ ...p, metadata: { ...p.metadata, labels: { app: 'y' } } }));
    expect(counts()).toEqual([0, 1, 1, 2]);
    cache.updatePod(newPodInfo(p), newPodInfo({ ...p, metadata: { ...p.metadata, labels: {}, ownerReferences: [] } }));
    expect(counts()).toEqual([0, 0, 0, 1]);
    expect(new Set(index.namespaces())).toEqual(new Set(['a', 'b']));
  });

  test('a nil selector counts nothing but still lists every domain', () => {
    const { cache, index, sync, id } = setup();
    cache.addNode(node('n1', { zone: 'z1' }));
    cache.addPod(newPodInfo(pod({ node: 'n1' })));
    sync();
    expect(index.select({ namespace: 'a', selector: null }).domainCounts({ keyId: id('zone') })).toEqual({ values: [id('z1')], counts: [0] });
  });
});

describe('pod index: nodes', () => {
  test('removing a node moves the last row into its place; counts stay with their node', () => {
    const { cache, table, index, sync, id } = setup();
    for (const n of ['n1', 'n2', 'n3']) cache.addNode(node(n, { zone: n === 'n1' ? 'z1' : 'z2' }));
    sync();
    const q = appIs('x');
    index.select(q);
    cache.addPod(newPodInfo(pod({ node: 'n3', labels: { app: 'x' } })));
    cache.addPod(newPodInfo(pod({ node: 'n3', labels: { app: 'x' } })));
    cache.addPod(newPodInfo(pod({ node: 'n2', labels: { app: 'x' } })));
    const zone: DomainQuery = { keyId: id('zone') };
    expect(index.select(q).domainCounts(zone).counts).toEqual([0, 3]);
    cache.removeNode(node('n1', {}));
    sync();
    expect(table.indexOf('n3')).toBe(0);
    expect(index.select(q).countOn(table.indexOf('n3'))).toBe(2);
    expect(index.select(q).domainCounts(zone)).toEqual({ values: [id('z2')], counts: [3] });
    // A node removed with pods on it leaves the table; its pods are not counted in any domain.
    cache.removeNode(node('n2', {}));
    sync();
    expect(index.select(q).domainCounts(zone)).toEqual({ values: [id('z2')], counts: [2] });
    expect(index.select(q).countOn(table.indexOf('n3'))).toBe(2);
  });

  test("a removed node's row reads nothing until the snapshot drops it, even when another node comes meanwhile", () => {
    const { cache, table, index, sync, id } = setup();
    cache.addNode(node('n1', { zone: 'z1' }));
    cache.addNode(node('n2', { zone: 'z1' }));
    sync();
    const q: PodQuery = { namespace: 'a', selector: [] };
    index.select(q);
    cache.removeNode(node('n2', {}));
    // A pod bound to a node the cache has no object for yet.
    cache.addPod(newPodInfo(pod({ node: 'n9' })));
    expect(index.select(q).countOn(table.indexOf('n2'))).toBe(0);
    expect(index.select(q).domainCounts({ keyId: id('zone') }).counts).toEqual([0]);
    sync();
    expect(table.indexOf('n2')).toBe(-1);
    expect(index.select(q).domainCounts({ keyId: id('zone') }).counts).toEqual([0]);
    cache.addNode(node('n9', { zone: 'z1' }));
    sync();
    expect(index.select(q).countOn(table.indexOf('n9'))).toBe(1);
    expect(index.select(q).domainCounts({ keyId: id('zone') }).counts).toEqual([1]);
  });

  test("a node's label or taint change regroups the domains at the next snapshot update", () => {
    const { cache, index, sync, id } = setup();
    cache.addNode(node('n1', { zone: 'z1' }));
    cache.addNode(node('n2', { zone: 'z1' }));
    cache.addPod(newPodInfo(pod({ node: 'n2', labels: { app: 'x' } })));
    sync();
    const q = appIs('x');
    const untainted: DomainQuery = { keyId: id('zone'), nodes: { key: 'untainted', includes: (n) => n.taintCount() === 0 } };
    expect(index.select(q).domainCounts(untainted)).toEqual({ values: [id('z1')], counts: [1] });
    cache.updateNode(node('n2', { zone: 'z1' }), node('n2', { zone: 'z2' }));
    sync();
    expect(index.select(q).domainCounts(untainted)).toEqual({ values: [id('z1'), id('z2')], counts: [0, 1] });
    cache.updateNode(node('n2', { zone: 'z2' }), node('n2', { zone: 'z2' }, true));
    sync();
    expect(index.select(q).domainCounts(untainted)).toEqual({ values: [id('z1')], counts: [0] });
  });

  test('what a read handed out never changes afterwards', () => {
    const { cache, index, sync, id } = setup();
    cache.addNode(node('n1', { zone: 'z1' }));
    sync();
    const q = appIs('x');
    const domains = index.select(q).domainCounts({ keyId: id('zone') });
    const occupied = index.select(q).occupiedDomains(id('zone'));
    cache.addPod(newPodInfo(pod({ node: 'n1', labels: { app: 'x' } })));
    expect(domains.counts).toEqual([0]);
    expect(occupied.size).toBe(0);
    expect(index.select(q).domainCounts({ keyId: id('zone') }).counts).toEqual([1]);
    expect([...index.select(q).occupiedDomains(id('zone'))]).toEqual([[id('z1'), 1]]);
  });
});

const byApp: PodClassifier<string> = {
  name: 'test/byApp',
  classify: (p: PodInfo) => {
    const app = p.pod.metadata?.labels?.app;
    if (app === undefined) return [];
    const entry = { key: `app=${app}`, value: app };
    return p.pod.metadata?.labels?.twice === 'yes' ? [entry, entry] : [entry];
  },
};

describe('pod index: groups', () => {
  test('groups appear with their first pod, count a repeated key twice and go with their last pod', () => {
    const { cache, table, index, sync } = setup();
    cache.addNode(node('n1', {}));
    sync();
    const row = table.indexOf('n1');
    const groups = () => new Map([...index.groups(byApp)].map((g) => [g.key, [g.value, g.countOn(row)]]));
    expect(groups()).toEqual(new Map());
    const p1 = newPodInfo(pod({ node: 'n1', labels: { app: 'web' } }));
    const p2 = newPodInfo(pod({ node: 'n1', labels: { app: 'web', twice: 'yes' } }));
    cache.addPod(p1);
    cache.addPod(p2);
    cache.addPod(newPodInfo(pod({ node: 'n1', labels: { app: 'db' } })));
    expect(groups()).toEqual(
      new Map([
        ['app=web', ['web', 3]],
        ['app=db', ['db', 1]],
      ]),
    );
    cache.removePod(p1);
    cache.removePod(p2);
    expect(groups()).toEqual(new Map([['app=db', ['db', 1]]]));
  });
});

describe('pod index: eviction', () => {
  test('a query not read for a while is dropped, and made again from the pods when asked', () => {
    const { cache, table, index, sync } = setup({ idleReads: 300 });
    cache.addNode(node('n1', {}));
    sync();
    const row = table.indexOf('n1');
    index.select(appIs('x'));
    index.groups(byApp);
    for (let i = 0; i < 600; i++) index.select(appIs('y'));
    const size = (index as unknown as { size: { queries: number; classifiers: number } }).size;
    expect(size).toEqual({ queries: 1, classifiers: 0 });
    cache.addPod(newPodInfo(pod({ node: 'n1', labels: { app: 'x' } })));
    expect(index.select(appIs('x')).countOn(row)).toBe(1);
    expect([...index.groups(byApp)].map((g) => g.key)).toEqual(['app=x']);
  });

  test('at most maxQueries queries are kept; the least recently read goes', () => {
    const { cache, index, sync } = setup({ maxQueries: 2 });
    cache.addNode(node('n1', {}));
    sync();
    const a = index.select(appIs('a'));
    index.select(appIs('b'));
    index.select(appIs('a'));
    index.select(appIs('c'));
    expect((index as unknown as { size: { queries: number } }).size.queries).toBe(2);
    // 'b' went; 'a' is still kept up to date.
    cache.addPod(newPodInfo(pod({ node: 'n1', labels: { app: 'a' } })));
    expect(index.select(appIs('a'))).toBe(a);
    expect(a.countOn(0)).toBe(1);
  });
});

// --- against the scan, after every change ----------------------------------------------------


describe('pod index agrees with a scan of every node after every change', () => {
  const QUERIES: PodQuery[] = [
    appIs('x'),
    { namespace: 'a', selector: [{ key: 'app', op: LabelOp.NotIn, values: ['x'] }] },
    { namespace: null, selector: [] },
    { namespace: 'b', selector: [{ key: 'app', op: LabelOp.Exists, values: [] }], skipTerminating: true },
    { namespace: 'a', selector: [], controllerUid: 'rs-1', skipTerminating: true },
    { namespace: 'a', selector: null },
  ];

  test.each([1, 2, 3, 4, 5, 6])('seed %i', (seed) => {
    const random = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const { cache, table, index, sync, scan } = setup({ idleReads: 64, maxQueries: 4 });
    const names = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
    const nodeObj = (name: string) => node(name, random() < 0.8 ? { zone: pick(['z0', 'z1', 'z2']), host: name } : { host: name }, random() < 0.2);
    const newPod = (nodeName: string | undefined) =>
      newPodInfo(
        pod({
          ns: pick(['a', 'a', 'b']),
          node: nodeName,
          labels: random() < 0.8 ? { app: pick(['x', 'y']), ...(random() < 0.2 ? { twice: 'yes' } : {}) } : {},
          owner: random() < 0.5 ? pick(['rs-1', 'rs-2']) : undefined,
          terminating: random() < 0.15,
        }),
      );
    const churn = new CacheChurn({ cache, names, random, newPod, node: nodeObj, sync, terminating: 0.2, labelled: 0.5 });
    for (const n of names.slice(0, 4)) cache.addNode(nodeObj(n));
    sync();

    const check = (): void => {
      const s = scan();
      const id = (v: string) => table.interner.lookup(v);
      const keys = [id('zone'), id('host'), id('nope')];
      const domainQueries: DomainQuery[] = [
        { keyId: id('zone') },
        { keyId: id('host') },
        { keyId: id('zone'), missingValue: -2 },
        { keyId: id('nope'), missingValue: id('') },
        { keyId: id('zone'), nodes: { key: 'untainted', includes: (v) => v.taintCount() === 0 } },
      ];
      for (const q of QUERIES) {
        expect(summary(index.select(q), table, domainQueries, keys)).toEqual(summary(s.select(q), table, domainQueries, keys));
      }
      const groups = (i: PodIndex) => new Map([...i.groups(byApp)].map((g) => [g.key, summary(g, table, domainQueries, keys)]));
      const mine = groups(index);
      const theirs = groups(s);
      for (const [key, want] of theirs) expect(mine.get(key)).toEqual(want);
      // Groups whose pods are all on nodes outside the table count nothing there.
      for (const [key, got] of mine) if (!theirs.has(key)) expect(got.rows.every((n) => n === 0)).toBe(true);
      for (const ns of s.namespaces()) expect(new Set(index.namespaces()).has(ns)).toBe(true);
    };

    for (let step = 0; step < 250; step++) {
      if (random() < 0.97) churn.step();
      else {
        // Reads that push other queries towards eviction.
        for (let i = 0; i < 40; i++) index.select(appIs(`idle-${i % 3}`));
      }
      check();
    }
  });
});
