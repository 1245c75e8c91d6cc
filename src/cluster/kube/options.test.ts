import { KubeClientOptionsError, resolveOptions } from './kube-cluster-client.ts';

describe('KubeClusterClient options', () => {
  test('defaults', () => {
    const o = resolveOptions({ identity: 'berth-a' });
    expect(o).toMatchObject({
      qps: 5000,
      burst: 5000,
      maxConnections: 16,
      http2: true,
      schedulerName: 'berth',
      identity: 'berth-a',
      eventBufferSize: 10_000,
      eventConcurrency: 32,
      informers: { listPageSize: 500, silenceTimeoutMs: 300_000, backoff: { initialMs: 800, maxMs: 30_000 } },
    });
    expect(resolveOptions({}).identity).toMatch(/^berth-/);
  });

  test.each([
    { options: { maxConnections: 0 }, message: 'options.maxConnections must be a positive integer' },
    { options: { maxConnections: 1.5 }, message: 'options.maxConnections must be a positive integer' },
    { options: { qps: -1 }, message: 'options.qps must be a finite number >= 0' },
    { options: { burst: 0 }, message: 'options.burst must be a positive integer' },
    { options: { schedulerName: 'no spaces' }, message: 'options.schedulerName must be a qualified name (reportingController of Events)' },
    { options: { identity: 'x'.repeat(129) }, message: 'options.identity must be 1 to 128 characters' },
    { options: { events: { bufferSize: 0 } }, message: 'options.events.bufferSize must be a positive integer' },
    { options: { informers: { silenceTimeoutMs: 0 } }, message: 'options.informers.silenceTimeoutMs must be > 0' },
  ])('rejects $message', ({ options, message }) => {
    expect(() => resolveOptions(options)).toThrow(new KubeClientOptionsError(message));
  });
});
