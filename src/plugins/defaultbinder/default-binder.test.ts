// Ported from upstream pkg/scheduler/framework/plugins/defaultbinder/default_binder_test.go (TestDefaultBinder).
import { Writable } from 'node:stream';
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle, PodInfo } from '../../framework/interfaces.ts';
import { Code } from '../../framework/status.ts';
import { createLogger } from '../../logging/logger.ts';
import { makePod, testHandle } from '../../testing/builders.ts';
import { factory, name } from './default-binder.ts';

/** A logger whose JSON lines land in `lines`. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

function recordingHandle(fail?: Error, logger = captureLogger().logger): { handle: Handle; binds: { pod: string; uid: string; node: string }[] } {
  const binds: { pod: string; uid: string; node: string }[] = [];
  const binder = {
    bind(pod: PodInfo, nodeName: string): Promise<void> {
      binds.push({ pod: pod.key, uid: pod.uid, node: nodeName });
      return fail ? Promise.reject(fail) : Promise.resolve();
    },
  };
  return { handle: testHandle({ binder }, logger), binds };
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
    const handle = testHandle({ binder: { bind: () => Promise.reject('conflict') } }); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
    expect((await factory(undefined, handle).bind(new CycleState(), makePod('foo').info(), 'node'))?.reasons).toEqual(['conflict']);
  });
});

describe("DefaultBinder's logger", () => {
  test('a failed bind is logged once, by its plugin logger: {plugin, pod, node} and the whole error', async () => {
    const { logger, lines } = captureLogger();
    const err = Object.assign(new Error('Operation cannot be fulfilled on pods/binding "foo": pod foo is already assigned to node "other"'), { status: 409, reason: 'Conflict' });
    const { handle } = recordingHandle(err, logger);
    await factory(undefined, handle).bind(new CycleState(), makePod('foo', 'ns').info(), 'node1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'bind failed', plugin: name, pod: 'ns/foo', node: 'node1', err: { message: err.message, status: 409, reason: 'Conflict' } });
  });

  test('a bind that succeeds logs nothing', async () => {
    const { logger, lines } = captureLogger();
    const { handle } = recordingHandle(undefined, logger);
    await factory(undefined, handle).bind(new CycleState(), makePod('foo', 'ns').info(), 'node1');
    expect(lines).toEqual([]);
  });
});
