// Ported from upstream pkg/scheduler/framework/plugins/defaultbinder/default_binder_test.go (TestDefaultBinder).
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle, PodInfo } from '../../framework/interfaces.ts';
import { Code } from '../../framework/status.ts';
import { emptyLister } from '../../framework/cluster-lister.ts';
import { makePod } from '../../testing/builders.ts';
import { factory } from './default-binder.ts';

function recordingHandle(fail?: Error): { handle: Handle; binds: { pod: string; uid: string; node: string }[] } {
  const binds: { pod: string; uid: string; node: string }[] = [];
  const handle: Handle = {
    schedulerName: 'berth',
    now: () => 0,
    lister: emptyLister,
    binder: {
      bind(pod: PodInfo, nodeName: string): Promise<void> {
        binds.push({ pod: pod.key, uid: pod.uid, node: nodeName });
        return fail ? Promise.reject(fail) : Promise.resolve();
      },
    },
  };
  return { handle, binds };
}

describe('DefaultBinder (upstream TestDefaultBinder)', () => {
  test('successful', async () => {
    const { handle, binds } = recordingHandle();
    const pod = makePod('foo', 'ns').uid('foo').info();
    await expect(factory(undefined, handle).bind(new CycleState(), pod, 'foohost.kubernetes.mydomain.com')).resolves.toBeNull();
    expect(binds).toEqual([{ pod: 'ns/foo', uid: 'foo', node: 'foohost.kubernetes.mydomain.com' }]);
  });

  test('binding error', async () => {
    const { handle, binds } = recordingHandle(new Error('binding error'));
    const got = await factory(undefined, handle).bind(new CycleState(), makePod('foo', 'ns').info(), 'node');
    expect(got?.code).toBe(Code.Error);
    expect(got?.reasons).toEqual(['binding error']);
    expect(binds).toHaveLength(1);
  });

  test('a thrown non-Error becomes its string', async () => {
    const handle: Handle = {
      schedulerName: 'berth',
      now: () => 0,
      lister: emptyLister,
      binder: { bind: () => Promise.reject('conflict') }, // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
    };
    expect((await factory(undefined, handle).bind(new CycleState(), makePod('foo').info(), 'node'))?.reasons).toEqual(['conflict']);
  });
});
