// The secure port, driven over real HTTPS on loopback: status codes and
// bodies of /healthz, /livez, /readyz and /metrics, with fake sources (a
// heartbeat that can be wedged, a sync flag), then with a real scheduler on
// the in-memory cluster.
import { request } from 'node:https';
import { Writable } from 'node:stream';
import { MemoryClusterClient } from '../cluster/memory.ts';
import { resolveConfig } from '../config/scheduler-config.ts';
import { createLogger, silentLogger } from '../logging/logger.ts';
import { parseExposition, sampleValue } from '../metrics/exposition.ts';
import { SchedulerMetrics } from '../metrics/metrics.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { Scheduler, type LoopHeartbeat } from '../scheduler/scheduler.ts';
import { makeNode } from '../testing/builders.ts';
import { pingCheck, schedulingLoopCheck, syncedCheck } from './health.ts';
import { serveScheduler } from './scheduler-server.ts';
import { generateSelfSigned } from './self-signed.ts';
import { startServer, type RunningServer } from './server.ts';

const tls = generateSelfSigned({ commonName: 'berth-test', hosts: ['localhost', '127.0.0.1'] });

interface Response {
  status: number;
  type: string | undefined;
  body: string;
}

/** An HTTPS request that trusts only the test certificate (and checks it names 127.0.0.1). */
function get(port: number, path: string, method = 'GET'): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, ca: tls.cert, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the secure port with fake sources', () => {
  let server: RunningServer;
  let beat: LoopHeartbeat;
  let now: number;
  let active: number;
  let synced: boolean;
  let logged = '';
  const metrics = new SchedulerMetrics({ processMetrics: false });

  beforeAll(async () => {
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => ((logged += c.toString()), cb()) }) });
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      tls,
      livenessChecks: [pingCheck, schedulingLoopCheck({ heartbeat: () => beat, activePods: () => active, now: () => now }, 60_000)],
      readinessChecks: [pingCheck, syncedCheck(() => synced)],
      metrics,
      logger,
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    beat = { state: 'idle', since: 1_000 };
    now = 5_000;
    active = 0;
    synced = true;
  });

  test('/healthz, /livez and /readyz answer "ok" when all is well', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      expect(await get(server.port, path)).toEqual({ status: 200, type: 'text/plain; charset=utf-8', body: 'ok' });
    }
  });

  test('?verbose lists the checks, as the Kubernetes components do', async () => {
    expect((await get(server.port, '/healthz?verbose')).body).toBe('[+]ping ok\n[+]scheduling-loop ok\nhealthz check passed\n');
    expect((await get(server.port, '/readyz?verbose')).body).toBe('[+]ping ok\n[+]sched-handler-sync ok\nreadyz check passed\n');
  });

  test('/readyz is 503 until the caches sync, then 200', async () => {
    synced = false;
    expect(await get(server.port, '/readyz')).toMatchObject({ status: 503, body: '[+]ping ok\n[-]sched-handler-sync failed: reason withheld\nreadyz check failed\n' });
    expect((await get(server.port, '/healthz')).status).toBe(200);
    synced = true;
    expect(await get(server.port, '/readyz')).toMatchObject({ status: 200, body: 'ok' });
  });

  test.each<{ name: string; beat: LoopHeartbeat; now: number; active: number; status: number }>([
    { name: 'not started (or standing by)', beat: { state: 'stopped', since: 0 }, now: 1e9, active: 5, status: 200 },
    { name: 'idle, nothing to do, for long', beat: { state: 'idle', since: 0 }, now: 1e9, active: 0, status: 200 },
    { name: 'in a cycle for 59 s', beat: { state: 'busy', since: 1_000 }, now: 60_000, active: 3, status: 200 },
    { name: 'in one cycle for 60 s: wedged', beat: { state: 'busy', since: 1_000 }, now: 61_000, active: 0, status: 500 },
    { name: 'idle while pods wait in activeQ: a lost wake-up', beat: { state: 'idle', since: 1_000 }, now: 1_001, active: 2, status: 500 },
  ])('/healthz when the loop is $name: $status', async (c) => {
    beat = c.beat;
    now = c.now;
    active = c.active;
    const res = await get(server.port, '/healthz');
    expect(res.status).toBe(c.status);
    if (c.status === 500) {
      expect(res.body).toBe('[+]ping ok\n[-]scheduling-loop failed: reason withheld\nhealthz check failed\n');
      expect((await get(server.port, '/livez')).status).toBe(500);
      // Readiness is about the caches, not the loop.
      expect((await get(server.port, '/readyz')).status).toBe(200);
    }
  });

  test('a failing check is logged once with its reason, and again when it recovers', async () => {
    await get(server.port, '/healthz'); // healthy: forget what earlier cases left failing
    logged = '';
    beat = { state: 'busy', since: 0 };
    now = 120_000;
    await get(server.port, '/healthz');
    await get(server.port, '/healthz');
    beat = { state: 'idle', since: now };
    await get(server.port, '/healthz');
    const lines = logged.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.check])).toEqual([
      ['health check failed', 'scheduling-loop'],
      ['health check passes again', 'scheduling-loop'],
    ]);
    expect(lines[0]!.reason).toBe('one scheduling cycle has run for 120000 ms (limit 60000 ms)');
  });

  test('one check alone: /healthz/<name>; an unknown one is 404', async () => {
    beat = { state: 'busy', since: 0 };
    now = 1e9;
    expect((await get(server.port, '/healthz/ping')).status).toBe(200);
    expect((await get(server.port, '/healthz/scheduling-loop')).status).toBe(500);
    expect((await get(server.port, '/healthz/nope')).status).toBe(404);
  });

  test('/metrics is the Prometheus text format', async () => {
    const res = await get(server.port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sampleValue(parseExposition(res.body), 'scheduler_pending_pods', { queue: 'active' })).toBe(0);
  });

  test('other paths are 404, other methods 405, HEAD has no body', async () => {
    expect((await get(server.port, '/')).status).toBe(404);
    expect((await get(server.port, '/metrics/x')).status).toBe(404);
    expect((await get(server.port, '/healthz', 'POST')).status).toBe(405);
    expect(await get(server.port, '/healthz', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });
});

describe('the secure port of a real scheduler on the in-memory cluster', () => {
  test('/readyz: 503 before the informers sync, 200 after; /healthz 200 throughout; /metrics counts the queue', async () => {
    const cluster = new MemoryClusterClient();
    cluster.create('nodes', makeNode('n1').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj());
    const config = resolveConfig({}, inTreeRegistry, defaultPlugins, 'berth');
    const metrics = new SchedulerMetrics({ processMetrics: false });
    const scheduler = new Scheduler({ client: cluster, config, registry: inTreeRegistry, logger: silentLogger(), metrics });
    const server = await serveScheduler({ serving: { port: 0, host: '127.0.0.1', tls: { ...tls, source: 'self-signed' } }, scheduler, metrics, logger: silentLogger() });
    try {
      expect((await get(server.port, '/readyz')).status).toBe(503);
      expect((await get(server.port, '/healthz')).status).toBe(200);
      await scheduler.start();
      expect((await get(server.port, '/readyz')).status).toBe(200);
      expect((await get(server.port, '/healthz')).status).toBe(200);
      const body = (await get(server.port, '/metrics')).body;
      expect(sampleValue(parseExposition(body), 'scheduler_pending_pods', { queue: 'unschedulable' })).toBe(0);
    } finally {
      await scheduler.stop(100);
      await server.close();
    }
  });

  test('a port in use is an error at start', async () => {
    const first = await startServer({ port: 0, host: '127.0.0.1', tls, livenessChecks: [], readinessChecks: [], metrics: new SchedulerMetrics({ processMetrics: false }), logger: silentLogger() });
    try {
      await expect(
        startServer({ port: first.port, host: '127.0.0.1', tls, livenessChecks: [], readinessChecks: [], metrics: new SchedulerMetrics({ processMetrics: false }), logger: silentLogger() }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
