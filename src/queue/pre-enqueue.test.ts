import type { PodInfo, PreEnqueuePlugin } from '../framework/interfaces.ts';
import { Code, Status } from '../framework/status.ts';
import { runPreEnqueuePlugins } from './pre-enqueue.ts';

const pod = {} as PodInfo;

describe('runPreEnqueuePlugins', () => {
  test('null when every plugin passes (null or Success)', () => {
    const ok: PreEnqueuePlugin = { name: 'A', preEnqueue: () => null };
    const success: PreEnqueuePlugin = { name: 'B', preEnqueue: () => new Status(Code.Success) };
    expect(runPreEnqueuePlugins([ok, success])(pod)).toBeNull();
  });

  test('the first gating status wins, named after its plugin; later plugins do not run', () => {
    let laterRan = false;
    const plugins: PreEnqueuePlugin[] = [
      { name: 'A', preEnqueue: () => null },
      { name: 'Gate', preEnqueue: () => Status.pending('closed') },
      { name: 'Later', preEnqueue: () => ((laterRan = true), null) },
    ];
    const status = runPreEnqueuePlugins(plugins)(pod);
    expect(status).toMatchObject({ code: Code.Pending, plugin: 'Gate', reasons: ['closed'] });
    expect(laterRan).toBe(false);
  });

  test('a throw is an Error status of that plugin', () => {
    const status = runPreEnqueuePlugins([{ name: 'Bad', preEnqueue: () => { throw new Error('boom'); } }])(pod);
    expect(status).toMatchObject({ code: Code.Error, plugin: 'Bad', reasons: ['boom'] });
  });
});
