// Toleration matching: k8s.io/api core/v1 ToleratesTaint on strings, the
// compiled tolerations against it on every taint of a snapshot, and
// FindMatchingUntoleratedTaint over NoSchedule and NoExecute taints (ported
// from TaintToleration's and PodTopologySpread's tests).
import type { Node, Taint, Toleration } from '../api/types.ts';
import { buildSnapshot, makeNode } from '../testing/builders.ts';
import { compileTolerations, hasUntoleratedTaint, toleratesTaint, tolerated, tolerationsTolerateTaint } from './tolerations.ts';

function nodeWith(nodeName: string, taints: Taint[]) {
  const b = makeNode(nodeName);
  for (const t of taints) b.taint(t.key, t.value ?? '', t.effect);
  return b.obj();
}

function taintedNodes(): Node[] {
  return [
    makeNode('n1').obj(),
    makeNode('n2').taint('dedicated', 'ml', 'NoSchedule').obj(),
    makeNode('n3').taint('maintenance', '', 'NoExecute').taint('soft', '', 'PreferNoSchedule').obj(),
  ];
}

describe('toleration matching (core/v1 ToleratesTaint)', () => {
  const taint: Taint = { key: 'foo', value: 'bar', effect: 'NoSchedule' };
  test.each<[string, Toleration, boolean]>([
    ['same key, value and effect', { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' }, true],
    ['empty effect matches all effects', { key: 'foo', operator: 'Equal', value: 'bar' }, true],
    ['different effect', { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoExecute' }, false],
    ['empty operator means Equal', { key: 'foo', value: 'bar', effect: 'NoSchedule' }, true],
    ['Equal with another value', { key: 'foo', operator: 'Equal', value: 'baz' }, false],
    ['Exists ignores the value', { key: 'foo', operator: 'Exists' }, true],
    ['another key', { key: 'other', operator: 'Exists' }, false],
    ['empty key with Exists matches every key', { operator: 'Exists' }, true],
    ['empty key with Equal compares the value', { operator: 'Equal', value: 'bar' }, true],
    ['Gt is off', { key: 'foo', operator: 'Gt', value: '1' }, false],
  ])('%s', (_name, toleration, want) => {
    expect(toleratesTaint(toleration, taint)).toBe(want);
  });

  test('compiled tolerations agree with the string rules on every taint of a snapshot', () => {
    const taints: Taint[] = [
      { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      { key: 'foo', value: '', effect: 'NoExecute' },
      { key: 'baz', value: 'bar', effect: 'PreferNoSchedule' },
    ];
    const tolerations: Toleration[] = [
      { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' },
      { key: 'foo', operator: 'Exists' },
      { operator: 'Exists', effect: 'PreferNoSchedule' },
      { key: 'foo', value: '' },
      { key: 'never-seen', operator: 'Exists' },
      { key: 'foo', value: 'never-seen' },
      { effect: 'Bogus', operator: 'Exists' },
    ];
    const snap = buildSnapshot([nodeWith('n', taints)]);
    const view = snap.view('n');
    for (const t of tolerations) {
      const compiled = compileTolerations([t], snap.table.interner);
      for (let i = 0; i < view.taintCount(); i++) {
        const got = tolerated(compiled, view.taintKeyAt(i), view.taintValueAt(i), view.taintEffectAt(i));
        expect([t, taints[i], got]).toEqual([t, taints[i], toleratesTaint(t, taints[i]!)]);
      }
    }
  });
});

describe('compiled tolerations (FindMatchingUntoleratedTaint, NoSchedule and NoExecute only)', () => {
  test.each<[string, Toleration[], string[]]>([
    ['no tolerations: untainted and PreferNoSchedule-only nodes', [], ['n1']],
    ['Equal key and value', [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }], ['n1', 'n2']],
    ['a value that differs', [{ key: 'dedicated', value: 'web' }], ['n1']],
    ['Exists on a key, any effect', [{ key: 'maintenance', operator: 'Exists' }], ['n1', 'n3']],
    ['an effect that differs', [{ key: 'maintenance', operator: 'Exists', effect: 'NoSchedule' }], ['n1']],
    ['empty key with Exists tolerates everything', [{ operator: 'Exists' }], ['n1', 'n2', 'n3']],
    ['Lt is off (TaintTolerationComparisonOperators)', [{ key: 'dedicated', operator: 'Lt', value: 'zz' }], ['n1']],
  ])('%s', (_name, tolerations, want) => {
    const snap = buildSnapshot(taintedNodes());
    const t = compileTolerations(tolerations, snap.table.interner);
    expect(['n1', 'n2', 'n3'].filter((n) => !hasUntoleratedTaint(t, snap.view(n)))).toEqual(want);
  });
});

describe('tolerationsTolerateTaint', () => {
  const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
  test.each<[string, unknown, boolean]>([
    ['no list', undefined, false],
    ['not a list', { operator: 'Exists' }, false],
    ['an entry that is not an object is skipped', [null, { key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }], true],
    ['an absent taint value is ""', [{ key: 'node.kubernetes.io/unschedulable', value: '' }], true],
  ])('%s', (_name, tolerations, want) => {
    expect(tolerationsTolerateTaint(tolerations as Toleration[], taint)).toBe(want);
  });
});
