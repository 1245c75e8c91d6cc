import type { Pod } from '../../api/types.ts';
import { objectKey, reconcile } from './reconcile.ts';

function pod(name: string, uid: string, resourceVersion: string, namespace = 'ns'): Pod {
  return { metadata: { name, namespace, uid, resourceVersion } };
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

describe('reconcile (relist diff)', () => {
  test.each([
    {
      name: 'first list: everything is an add',
      known: [],
      listed: [pod('a', 'u1', '1'), pod('b', 'u2', '2')],
      want: { deletes: [], updates: [], adds: ['a', 'b'] },
    },
    {
      name: 'unchanged objects are not delivered again',
      known: [pod('a', 'u1', '1')],
      listed: [pod('a', 'u1', '1')],
      want: { deletes: [], updates: [], adds: [] },
    },
    {
      name: 'a new resourceVersion is an update',
      known: [pod('a', 'u1', '1'), pod('b', 'u2', '2')],
      listed: [pod('a', 'u1', '5'), pod('b', 'u2', '2')],
      want: { deletes: [], updates: ['a'], adds: [] },
    },
    {
      name: 'objects not listed any more are deletes, in their last known state',
      known: [pod('a', 'u1', '1'), pod('b', 'u2', '2')],
      listed: [pod('b', 'u2', '2')],
      want: { deletes: ['a'], updates: [], adds: [] },
    },
    {
      name: 'a name recreated with a new UID is a delete and an add',
      known: [pod('a', 'u1', '1')],
      listed: [pod('a', 'u9', '7')],
      want: { deletes: ['a'], updates: [], adds: ['a'] },
    },
    {
      name: 'everything at once',
      known: [pod('gone', 'u1', '1'), pod('same', 'u2', '2'), pod('changed', 'u3', '3')],
      listed: [pod('same', 'u2', '2'), pod('changed', 'u3', '9'), pod('new', 'u4', '10')],
      want: { deletes: ['gone'], updates: ['changed'], adds: ['new'] },
    },
  ])('$name', ({ known, listed, want }) => {
    const plan = reconcile(new Map(known.map((p) => [objectKey(p), p])), listed);
    expect({
      deletes: names(plan.deletes),
      updates: plan.updates.map((u) => u.newObj.metadata?.name),
      adds: names(plan.adds),
    }).toEqual(want);
    expect([...plan.store.values()]).toEqual(listed);
  });

  test('an update carries the old and the new object; a delete the last known one', () => {
    const old = pod('a', 'u1', '1');
    const gone = pod('b', 'u2', '2');
    const plan = reconcile(
      new Map([
        ['ns/a', old],
        ['ns/b', gone],
      ]),
      [pod('a', 'u1', '3')],
    );
    expect(plan.updates[0]?.oldObj).toBe(old);
    expect(plan.updates[0]?.newObj.metadata?.resourceVersion).toBe('3');
    expect(plan.deletes[0]).toBe(gone);
  });

  test('keys: namespace/name, or name for cluster-scoped objects', () => {
    expect(objectKey(pod('a', 'u', '1', 'team'))).toBe('team/a');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
  });
});
