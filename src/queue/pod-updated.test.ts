import type { Pod } from '../api/types.ts';
import { deepEqual } from '../api/deep-equal.ts';
import { isPodUpdated } from './pod-updated.ts';

const base: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '1', labels: { app: 'a' } },
  spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }], schedulingGates: [{ name: 'g' }] },
  status: { phase: 'Pending' },
};

function edit(fn: (p: Pod) => void): Pod {
  const p = structuredClone(base);
  fn(p);
  return p;
}

describe('isPodUpdated', () => {
  test.each([
    { name: 'identical copy', pod: edit(() => {}), want: false },
    { name: 'resourceVersion', pod: edit((p) => (p.metadata!.resourceVersion = '2')), want: false },
    { name: 'generation', pod: edit((p) => (p.metadata!.generation = 3)), want: false },
    { name: 'finalizers and managedFields', pod: edit((p) => Object.assign(p.metadata!, { finalizers: ['x'], managedFields: [{}] })), want: false },
    { name: 'status', pod: edit((p) => (p.status = { phase: 'Pending', nominatedNodeName: 'n', conditions: [] })), want: false },
    { name: 'labels', pod: edit((p) => (p.metadata!.labels = { app: 'b' })), want: true },
    { name: 'annotations', pod: edit((p) => (p.metadata!.annotations = { a: '1' })), want: true },
    { name: 'gates removed', pod: edit((p) => delete p.spec!.schedulingGates), want: true },
    { name: 'requests', pod: edit((p) => (p.spec!.containers![0]!.resources!.requests!.cpu = '2')), want: true },
    { name: 'an undeclared top-level field', pod: edit((p) => Object.assign(p, { extra: 1 })), want: true },
  ])('$name → $want', ({ pod, want }) => {
    expect(isPodUpdated(base, pod)).toBe(want);
  });
});

describe('deepEqual', () => {
  test.each([
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }, false],
    [null, {}, false],
    [[], {}, false],
  ])('%j vs %j → %s', (a, b, want) => {
    expect(deepEqual(a, b)).toBe(want);
  });
});
