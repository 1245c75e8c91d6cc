// The secure port (--secure-port, 10259 like kube-scheduler): HTTPS only.
//
//   GET /healthz, /livez   liveness checks (the kubelet restarts Berth when they fail: 500)
//   GET /readyz            readiness checks (not ready: 503; a Service or a rollout waits)
//   GET /<endpoint>/<check> one check alone; ?verbose lists every check
//   GET /metrics           Prometheus text format
//
// Unlike kube-scheduler, /metrics is not behind delegated authentication
// (TokenReview/SubjectAccessReview): anyone who reaches the port can read
// it. The metrics hold counts and durations, no pod or node names.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger.ts';
import { runChecks, type HealthCheck } from './health.ts';

export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

export interface ServerOptions {
  /** 0 picks a free port (tests); the CLI treats --secure-port=0 as "no server" before getting here. */
  port: number;
  host: string;
  tls: { cert: string | Buffer; key: string | Buffer };
  livenessChecks: readonly HealthCheck[];
  readinessChecks: readonly HealthCheck[];
  metrics: MetricsSource;
  logger: Logger;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting, drops open connections (probes and scrapes are short). */
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.logger.child({ component: 'server' });
  const endpoints = new Map<string, readonly HealthCheck[]>([
    ['healthz', options.livenessChecks],
    ['livez', options.livenessChecks],
    ['readyz', options.readinessChecks],
  ]);
  // Log a check's failure when it starts failing and when it recovers, not on every probe.
  const failing = new Set<string>();

  const health = (endpoint: string, checkName: string | undefined, verbose: boolean, res: ServerResponse): void => {
    let checks = endpoints.get(endpoint)!;
    if (checkName !== undefined) {
      checks = checks.filter((c) => c.name === checkName);
      if (checks.length === 0) return send(res, 404, TEXT, '404 page not found\n');
    }
    const report = runChecks(endpoint, checks, verbose);
    for (const c of checks) {
      const key = `${endpoint}/${c.name}`;
      const reason = report.failures.get(c.name);
      if (reason !== undefined && !failing.has(key)) {
        failing.add(key);
        log.warn({ endpoint, check: c.name, reason }, 'health check failed');
      } else if (reason === undefined && failing.delete(key)) {
        log.info({ endpoint, check: c.name }, 'health check passes again');
      }
    }
    const failed = endpoint === 'readyz' ? 503 : 500;
    send(res, report.ok ? 200 : failed, TEXT, report.body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://berth');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, TEXT, 'method not allowed\n');
    }
    const [, first, second, ...rest] = url.pathname.split('/');
    if (first !== undefined && endpoints.has(first) && rest.length === 0) {
      return health(first, second || undefined, url.searchParams.has('verbose'), res);
    }
    if (url.pathname === '/metrics') {
      options.metrics.text().then(
        (body) => send(res, 200, options.metrics.contentType, body),
        (err: unknown) => {
          log.error({ err }, 'cannot collect metrics');
          send(res, 500, TEXT, 'cannot collect metrics\n');
        },
      );
      return;
    }
    send(res, 404, TEXT, '404 page not found\n');
  };

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, handle);
  // Probes and scrapes are small and quick: a client that dawdles is cut off.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'server error'));
  const address = server.address() as AddressInfo;
  log.info({ address: address.address, port: address.port }, 'serving securely');
  return {
    port: address.port,
    host: address.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('cache-control', 'no-cache, private');
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
