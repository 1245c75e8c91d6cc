import type { Node } from '../api/types.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import { ResourceSlot, TaintEffect } from '../framework/node-view.ts';
import { ClusterCache } from './cache.ts';
import { StringInterner } from './interner.ts';
import { NodeCursor, NodeTable } from './node-table.ts';

function node(name: string, cpu = '4', labels: Record<string, string> = {}): Node {
  return {
    metadata: { name, labels },
    spec: {},
    status: { allocatable: { cpu, memory: '8Gi', pods: '110', 'example.com/dongle': '2' } },
  };
}

let uid = 0;
function podInfo(nodeName: string | undefined, milliCPU: number, extra: Partial<PodInfo> = {}): PodInfo {
  uid++;
  return {
    pod: { metadata: { name: `p${uid}`, namespace: 'ns', uid: `uid-${uid}` }, spec: nodeName ? { nodeName } : {} },
    key: `ns/p${uid}`,
    namespace: 'ns',
    name: `p${uid}`,
    uid: `uid-${uid}`,
    priority: 0,
    requests: { milliCPU, memory: 1024, ephemeralStorage: 0, scalar: {}, nonZeroMilliCPU: milliCPU || 100, nonZeroMemory: 1024 },
    hostPorts: [],
    ...extra,
  };
}

function setup() {
  const cache = new ClusterCache();
  const table = new NodeTable(new StringInterner(), 2);
  const view = (name: string) => new NodeCursor(table, table.indexOf(name));
  return { cache, table, view };
}

describe('ClusterCache and the node table', () => {
  test('a node row holds allocatable, labels and taints as interned ids', () => {
    const { cache, table, view } = setup();
    const n = node('n1', '2500m', { zone: 'a' });
    n.spec!.taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    cache.addNode(n);
    cache.updateSnapshot(table);
    const v = view('n1');
    expect(v.allocatable(ResourceSlot.cpu)).toBe(2500);
    expect(v.allocatable(ResourceSlot.memory)).toBe(8 * 1024 ** 3);
    expect(v.allocatable(table.resourceSlot('example.com/dongle'))).toBe(2);
    expect(table.resourceSlot('example.com/none')).toBe(-1);
    expect(v.label(table.interner.lookup('zone'))).toBe(table.interner.lookup('a'));
    expect(v.label(table.interner.lookup('missing'))).toBe(-1);
    expect(v.taintCount()).toBe(1);
    expect(table.interner.string(v.taintKeyAt(0))).toBe('dedicated');
    expect(v.taintEffectAt(0)).toBe(TaintEffect.NoSchedule);
  });

  test('assume counts a pod at once; forget undoes it; a confirmed pod survives forget', () => {
    const { cache, table, view } = setup();
    cache.addNode(node('n1'));
    const p = podInfo(undefined, 500);
    cache.assumePod(p, 'n1');
    cache.updateSnapshot(table);
    expect(view('n1').requested(ResourceSlot.cpu)).toBe(500);
    expect(view('n1').podCount()).toBe(1);
    cache.forgetPod(p.uid);
    cache.updateSnapshot(table);
    expect(view('n1').requested(ResourceSlot.cpu)).toBe(0);

    const q = podInfo(undefined, 300);
    cache.assumePod(q, 'n1');
    cache.addPod({ ...q, pod: { ...q.pod, spec: { nodeName: 'n1' } } });
    cache.forgetPod(q.uid);
    cache.updateSnapshot(table);
    expect(view('n1').requested(ResourceSlot.cpu)).toBe(300);
    expect(cache.isAssumed(q.uid)).toBe(false);
  });

  test('a confirmation where the pod was assumed, counting alike, swaps the object without writing the row', () => {
    const { cache, table, view } = setup();
    cache.addNode(node('n1'));
    const p = podInfo(undefined, 500, { pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u-alike', labels: { app: 'a' } }, spec: {} }, uid: 'u-alike' });
    cache.assumePod(p, 'n1');
    cache.updateSnapshot(table);
    const writes = table.writeCount;
    const row = table.indexOf('n1');
    const stamp = table.rowStamp(row);

    // The informer's bound object: same requests (one shared object), labels equal but a new map.
    const bound: PodInfo = { ...p, pod: { metadata: { ...p.pod.metadata, labels: { app: 'a' } }, spec: { nodeName: 'n1' }, status: { phase: 'Pending' } } };
    cache.addPod(bound);
    expect(cache.updateSnapshot(table)).toBe(0);
    expect(table.writeCount).toBe(writes);
    expect(table.rowStamp(row)).toBe(stamp);
    expect(cache.podsOn('n1')).toEqual([bound]);
    expect(cache.podsOn('n1')[0]).toBe(bound);
    expect(cache.isAssumed(p.uid)).toBe(false);
    // Confirmed: forget no longer takes it off; removing it does.
    cache.forgetPod(p.uid);
    cache.updateSnapshot(table);
    expect(view('n1').requested(ResourceSlot.cpu)).toBe(500);
    expect(view('n1').podCount()).toBe(1);
    cache.removePod(bound);
    cache.updateSnapshot(table);
    expect(view('n1').requested(ResourceSlot.cpu)).toBe(0);
    expect(view('n1').podCount()).toBe(0);
    expect(cache.podsOn('n1')).toEqual([]);
  });

  test.each([
    ['other requests', (p: PodInfo): PodInfo => ({ ...p, requests: { ...p.requests, milliCPU: 900, nonZeroMilliCPU: 900 } }), 900],
    ['equal requests in another object', (p: PodInfo): PodInfo => ({ ...p, requests: { ...p.requests } }), 500],
    ['other labels', (p: PodInfo): PodInfo => ({ ...p, pod: { ...p.pod, metadata: { ...p.pod.metadata, labels: { app: 'b' } } } }), 500],
    ['a label more', (p: PodInfo): PodInfo => ({ ...p, pod: { ...p.pod, metadata: { ...p.pod.metadata, labels: { app: 'a', tier: 'x' } } } }), 500],
    ['terminating', (p: PodInfo): PodInfo => ({ ...p, pod: { ...p.pod, metadata: { ...p.pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } }), 500],
    ['a host port', (p: PodInfo): PodInfo => ({ ...p, hostPorts: [{ port: 80, protocol: 'TCP', hostIP: '0.0.0.0' }] }), 500],
    ['pod anti-affinity', (p: PodInfo): PodInfo => ({ ...p, pod: { ...p.pod, spec: { ...p.pod.spec, affinity: { podAntiAffinity: {} } } } }), 500],
    ['an owner', (p: PodInfo): PodInfo => ({ ...p, pod: { ...p.pod, metadata: { ...p.pod.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-1', controller: true }] } } }), 500],
  ])('an update with %s rewrites the row', (_what, change, cpu) => {
    const { cache, table, view } = setup();
    cache.addNode(node('n1'));
    const p = podInfo('n1', 500, { pod: { metadata: { name: 'q', namespace: 'ns', uid: 'u-q', labels: { app: 'a' } }, spec: { nodeName: 'n1' } }, uid: 'u-q' });
    cache.addPod(p);
    cache.updateSnapshot(table);
    const writes = table.writeCount;
    const next = change(p);
    cache.updatePod(p, next);
    expect(cache.updateSnapshot(table)).toBe(1);
    expect(table.writeCount).toBe(writes + 1);
    expect(view('n1').requested(ResourceSlot.cpu)).toBe(cpu);
    expect(cache.podsOn('n1')[0]).toBe(next);
  });

  test('what the API would never send in a node (null taints and images, names that are not strings, labels that are not a map) is left out, never thrown', () => {
    const { cache, table, view } = setup();
    const odd = node('odd') as unknown as { metadata: Record<string, unknown>; spec: Record<string, unknown>; status: Record<string, unknown> };
    odd.metadata.labels = 'zone=a';
    odd.spec.taints = [null, { key: 'dedicated', value: 'x', effect: 'NoSchedule' }, 'NoExecute'];
    odd.status.images = [null, { names: 'pause' }, { names: [7, 'registry/app:1', null], sizeBytes: 'big' }, { names: ['registry/db:2'], sizeBytes: 300 }];
    cache.addNode(odd);
    expect(() => cache.updateSnapshot(table)).not.toThrow();
    const v = view('odd');
    expect(v.taintCount()).toBe(1);
    expect(table.interner.string(v.taintKeyAt(0))).toBe('dedicated');
    expect(v.imageCount()).toBe(2);
    expect([0, 1].map((i) => [table.interner.string(v.imageIdAt(i)), v.imageSizeAt(i)])).toEqual([
      ['registry/app:1', 0],
      ['registry/db:2', 300],
    ]);
    expect(v.allocatable(ResourceSlot.cpu)).toBe(4000);
    // An update with the same odd taints compares without throwing, and a good node still gets its row.
    cache.updateNode(odd, odd);
    cache.addNode(node('good'));
    expect(() => cache.updateSnapshot(table)).not.toThrow();
    expect(view('good').allocatable(ResourceSlot.cpu)).toBe(4000);
  });

  test('a confirmation on another node moves the pod there', () => {
    const { cache, table, view } = setup();
    cache.addNode(node('n1'));
    cache.addNode(node('n2'));
    const p = podInfo(undefined, 700);
    cache.assumePod(p, 'n1');
    cache.addPod({ ...p, pod: { ...p.pod, spec: { nodeName: 'n2' } } });
    cache.updateSnapshot(table);
    expect(view('n1').requested(ResourceSlot.cpu)).toBe(0);
    expect(view('n2').requested(ResourceSlot.cpu)).toBe(700);
  });

  test('pods bound before their node arrives are counted when it does; removed nodes leave the snapshot', () => {
    const { cache, table, view } = setup();
    cache.addPod(podInfo('late', 250));
    cache.updateSnapshot(table);
    expect(table.indexOf('late')).toBe(-1);
    cache.addNode(node('late'));
    cache.updateSnapshot(table);
    expect(view('late').requested(ResourceSlot.cpu)).toBe(250);
    cache.removeNode(node('late'));
    cache.updateSnapshot(table);
    expect(table.indexOf('late')).toBe(-1);
    expect(table.size).toBe(0);
  });

  test('removing a node moves the last row into its place with its data intact', () => {
    const { cache, table, view } = setup();
    for (const name of ['a', 'b', 'c']) cache.addNode(node(name, '1', { name }));
    cache.addPod(podInfo('c', 123));
    cache.updateSnapshot(table);
    cache.removeNode(node('a'));
    cache.updateSnapshot(table);
    expect(table.size).toBe(2);
    const c = view('c');
    expect(c.name()).toBe('c');
    expect(c.requested(ResourceSlot.cpu)).toBe(123);
    expect(table.interner.string(c.label(table.interner.lookup('name')))).toBe('c');
  });

  test('only dirty nodes are rewritten, and rows survive growth and pool compaction', () => {
    const { cache, table, view } = setup();
    for (let i = 0; i < 50; i++) cache.addNode(node(`n${i}`, '4', { zone: `z${i % 3}`, idx: String(i) }));
    expect(cache.updateSnapshot(table)).toBe(50);
    expect(cache.updateSnapshot(table)).toBe(0);
    cache.addPod(podInfo('n7', 100));
    expect(cache.updateSnapshot(table)).toBe(1);
    // Relabel every node many times: the pool fills with garbage and is compacted.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) cache.updateNode(node(`n${i}`), node(`n${i}`, '4', { zone: `z${(i + round) % 3}`, idx: String(i), round: String(round) }));
      cache.updateSnapshot(table);
    }
    for (let i = 0; i < 50; i++) {
      const v = view(`n${i}`);
      expect(table.interner.string(v.label(table.interner.lookup('idx')))).toBe(String(i));
      expect(table.interner.string(v.label(table.interner.lookup('round')))).toBe('19');
    }
    expect(view('n7').requested(ResourceSlot.cpu)).toBe(100);
  });

  test('host ports of the pods on a node are in its row', () => {
    const { cache, table, view } = setup();
    cache.addNode(node('n1'));
    const p = podInfo('n1', 0, { hostPorts: [{ protocol: 'UDP', hostIP: '10.0.0.1', port: 53 }] });
    cache.addPod(p);
    cache.updateSnapshot(table);
    expect(view('n1').hostPortCount()).toBe(1);
    expect(view('n1').hostPortAt(0)).toBe(53);
    expect(table.interner.string(view('n1').hostPortIpAt(0))).toBe('10.0.0.1');
    cache.removePod(p);
    cache.updateSnapshot(table);
    expect(view('n1').hostPortCount()).toBe(0);
  });

  test('a node with a malformed allocatable offers nothing and is reported, not thrown', () => {
    const reported: string[] = [];
    const cache = new ClusterCache({ onInvalidNode: (name, reason) => reported.push(`${name}: ${reason}`) });
    const table = new NodeTable(new StringInterner());
    const bad = node('bad');
    bad.status!.allocatable!.cpu = 'lots';
    cache.addNode(bad);
    cache.updateSnapshot(table);
    expect(new NodeCursor(table, table.indexOf('bad')).allocatable(ResourceSlot.cpu)).toBe(0);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatch(/^bad: status\.allocatable\.cpu: quantities must match .*"lots"$/);
  });
});
