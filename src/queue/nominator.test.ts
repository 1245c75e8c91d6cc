import type { Pod } from '../api/types.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import { Nominator } from './nominator.ts';

function podInfo(name: string, nominatedNodeName?: string): PodInfo {
  const pod: Pod = { metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: {}, status: nominatedNodeName ? { nominatedNodeName } : {} };
  return {
    pod,
    key: `ns/${name}`,
    namespace: 'ns',
    name,
    uid: `uid-${name}`,
    priority: 0,
    requests: { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: {}, nonZeroMilliCPU: 0, nonZeroMemory: 0 },
    hostPorts: [],
  };
}

describe('Nominator', () => {
  test('nominates to the given node, or to the pod status, and never twice', () => {
    const n = new Nominator();
    const a = podInfo('a');
    const b = podInfo('b', 'node-2');
    n.add(a, 'node-1');
    n.add(b);
    n.add(a, 'node-1');
    expect(n.nominatedPodsForNode('node-1')).toEqual([a]);
    expect(n.nominatedPodsForNode('node-2')).toEqual([b]);
    expect(n.nominatedNodeFor(a.uid)).toBe('node-1');
    expect(n.size).toBe(2);
  });

  test('a pod without a node name is not nominated; an empty name clears a nomination', () => {
    const n = new Nominator();
    const a = podInfo('a');
    n.add(a);
    expect(n.size).toBe(0);
    n.add(a, 'node-1');
    n.add(a, '');
    expect(n.nominatedPodsForNode('node-1')).toEqual([]);
    expect(n.size).toBe(0);
  });

  test('re-nominating moves the pod to the new node', () => {
    const n = new Nominator();
    const a = podInfo('a');
    n.add(a, 'node-1');
    n.add(a, 'node-2');
    expect(n.nominatedPodsForNode('node-1')).toEqual([]);
    expect(n.nominatedPodsForNode('node-2')).toEqual([a]);
  });

  test('update keeps an in-memory nomination the API has not caught up with', () => {
    const n = new Nominator();
    const a = podInfo('a');
    n.add(a, 'node-1');
    const a2 = { ...podInfo('a'), priority: 5 };
    n.update(a, a2);
    expect(n.nominatedPodsForNode('node-1')).toEqual([a2]);
  });

  test('update follows a nominatedNodeName change in the pod', () => {
    const n = new Nominator();
    const a = podInfo('a', 'node-1');
    n.add(a);
    const a2 = podInfo('a', 'node-3');
    n.update(a, a2);
    expect(n.nominatedPodsForNode('node-1')).toEqual([]);
    expect(n.nominatedPodsForNode('node-3')).toEqual([a2]);
  });

  test('update of a pod never nominated nominates nothing', () => {
    const n = new Nominator();
    n.update(podInfo('a'), podInfo('a'));
    expect(n.size).toBe(0);
  });

  test('delete removes it; the list handed out is a copy', () => {
    const n = new Nominator();
    const a = podInfo('a');
    const b = podInfo('b');
    n.add(a, 'node-1');
    n.add(b, 'node-1');
    const list = n.nominatedPodsForNode('node-1');
    n.delete(a.uid);
    n.delete('unknown');
    expect(list).toEqual([a, b]);
    expect(n.nominatedPodsForNode('node-1')).toEqual([b]);
    expect(n.nominatedNodeFor(a.uid)).toBeUndefined();
  });
});
