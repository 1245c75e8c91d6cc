// One long-lived, keep-alive connection pool to the apiserver for every call
// Berth makes (DESIGN.md, "Measured facts": client-node opens a TLS connection
// per call). Unary calls share a pool of at most maxConnections connections;
// watches use a second pool, so long watches never hold the connections binds
// need (over HTTP/1.1 each watch holds one connection for its life; over
// HTTP/2 they share one). Requests go
// through undici's dispatch API: the response bytes are collected (or, for a
// watch, handed over chunk by chunk) without a stream object per request, and
// JSON is decoded with JSON.parse.
import { Pool, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../client.ts';
import type { ConnectionSettings } from './kubeconfig.ts';
import { errorFields, type KubeLogger } from './logger.ts';

export interface TransportOptions {
  settings: ConnectionSettings;
  /** Connections for unary calls (binds, patches, events, lists). */
  maxConnections: number;
  /** Offer HTTP/2 in ALPN (calls multiplexed over few connections); false: HTTP/1.1 keep-alive only. */
  http2: boolean;
  userAgent: string;
  /** Time to the response headers, and between body chunks, of a unary call. */
  requestTimeoutMs: number;
  logger: KubeLogger;
}

export interface TransportStats {
  /** TCP (TLS) connections opened so far, both pools together. */
  connectionsOpened: number;
  requests: number;
  /** Unary calls in flight or queued for a connection. */
  pending: number;
  watchesOpen: number;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface CallOptions {
  body?: object;
  /** Default application/json. */
  contentType?: string;
  /** Decode and return the response body; default: discard it. */
  decode?: boolean;
  /** Time to the response headers, and between body chunks, of this call; default: requestTimeoutMs. */
  timeoutMs?: number;
}

/** A watch's consumer: called on the event loop, in order. Exceptions thrown here abort the watch with that error. */
export interface StreamSink {
  onHeaders(statusCode: number): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
}

export interface StreamHandle {
  abort(reason: Error): void;
}

export class TransportClosedError extends Error {
  override name = 'TransportClosedError';
}

interface RawResponse {
  status: number;
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** Turns an error response into an ApiError with the metav1.Status reason and message when the body is one. */
export function apiErrorOf(status: number, body: Buffer | string, method: string, path: string): ApiError {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let reason = '';
  let message = '';
  try {
    const parsed = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (parsed && typeof parsed === 'object') {
      reason = parsed.reason ?? '';
      message = parsed.message ?? '';
    }
  } catch {
    // Not a Status (a proxy's HTML page, an empty body): keep the text.
  }
  if (!message) message = text.trim().slice(0, 500) || `HTTP ${status}`;
  return new ApiError(status, reason || httpReason(status), `${method} ${path}: ${status} ${message}`);
}

function httpReason(status: number): string {
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return 'Unknown';
  }
}

/** A transport failure (no HTTP answer) as an ApiError with status 0 and the error code as reason. */
export function transportError(err: unknown, method: string, path: string): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: unknown }).code;
  const reason = typeof code === 'string' ? code : err instanceof Error ? err.name : 'TransportError';
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = new ApiError(0, reason, `${method} ${path}: ${message}`);
  (wrapped as Error).cause = err;
  return wrapped;
}

export class KubeTransport {
  readonly #basePath: string;
  readonly #settings: ConnectionSettings;
  readonly #userAgent: string;
  readonly #timeoutMs: number;
  readonly #logger: KubeLogger;
  readonly #unary: Pool;
  readonly #watches: Pool;
  readonly #openWatches = new Set<StreamHandle>();
  #connectionsOpened = 0;
  #requests = 0;
  #pending = 0;
  #closed = false;

  constructor(options: TransportOptions) {
    this.#settings = options.settings;
    this.#basePath = options.settings.basePath;
    this.#userAgent = options.userAgent;
    this.#timeoutMs = options.requestTimeoutMs;
    this.#logger = options.logger;
    const connect = {
      ...options.settings.tls,
      // TCP keepalive probes find dead peers under an idle watch; 30 s like client-go.
      keepAlive: true,
      keepAliveInitialDelay: 30_000,
      timeout: 10_000,
    } as Pool.Options['connect'];
    const common: Pool.Options = {
      connect,
      allowH2: options.http2,
      pipelining: 1,
      // Idle connections are closed by us after 30 s, before the apiserver's
      // 90 s IdleTimeout or a load balancer's 60 s could close one under a
      // request being sent (which, for a POST, would fail it).
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
    };
    this.#unary = new Pool(options.settings.origin, { ...common, connections: options.maxConnections });
    // Watches: over HTTP/1.1 one connection each, so bounded by the number of informers.
    this.#watches = new Pool(options.settings.origin, { ...common, connections: null });
    for (const [name, pool] of [
      ['unary', this.#unary],
      ['watch', this.#watches],
    ] as const) {
      pool.on('connect', () => {
        this.#connectionsOpened += 1;
        this.#logger.debug({ pool: name, opened: this.#connectionsOpened }, 'apiserver connection opened');
      });
      pool.on('disconnect', (_origin, _targets, err) => {
        this.#logger.debug({ pool: name, ...errorFields(err) }, 'apiserver connection closed');
      });
      pool.on('connectionError', (_origin, _targets, err) => {
        this.#logger.debug({ pool: name, ...errorFields(err) }, 'apiserver connection failed');
      });
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  stats(): TransportStats {
    return {
      connectionsOpened: this.#connectionsOpened,
      requests: this.#requests,
      pending: this.#pending,
      watchesOpen: this.#openWatches.size,
    };
  }

  /**
   * One unary call. Resolves with the decoded body (when asked) on 2xx;
   * rejects with ApiError: the HTTP status and metav1.Status reason, or
   * status 0 when no answer came. A 401 refreshes the credentials and is
   * retried once (the request was not acted on).
   */
  async call<T = unknown>(method: Method, path: string, options: CallOptions = {}): Promise<T> {
    if (this.#closed) throw new ApiError(0, 'ClientClosed', `${method} ${path}: the client is closed`);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    let response: RawResponse;
    this.#pending += 1;
    try {
      const ready = this.#settings.credentials.ready();
      if (ready !== undefined) await ready;
      const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
      response = await this.#send(method, path, payload, options.contentType, timeoutMs);
      if (response.status === 401) {
        await this.#settings.credentials.refresh();
        response = await this.#send(method, path, payload, options.contentType, timeoutMs);
      }
    } catch (err) {
      throw transportError(err, method, path);
    } finally {
      this.#pending -= 1;
    }
    if (response.status < 200 || response.status >= 300) throw apiErrorOf(response.status, response.body, method, path);
    if (!options.decode) return undefined as T;
    return (response.body.length === 0 ? undefined : JSON.parse(response.body.toString('utf8'))) as T;
  }

  #headers(contentType: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.#settings.credentials.headers(),
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    if (contentType !== undefined) headers['content-type'] = contentType;
    return headers;
  }

  #send(method: Method, path: string, payload: string | undefined, contentType: string | undefined, timeoutMs: number): Promise<RawResponse> {
    this.#requests += 1;
    const options: Dispatcher.DispatchOptions = {
      method,
      path: this.#basePath + path,
      headers: this.#headers(payload === undefined ? undefined : (contentType ?? 'application/json')),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    };
    if (payload !== undefined) options.body = payload;
    return new Promise<RawResponse>((resolve, reject) => {
      let status = 0;
      let chunks: Buffer[] | undefined;
      let single: Buffer | undefined;
      this.#unary.dispatch(options, {
        onRequestStart() {},
        onResponseStart(_controller, statusCode: number) {
          status = statusCode;
        },
        onResponseData(_controller, chunk: Buffer) {
          if (single === undefined) single = chunk;
          else (chunks ??= [single]).push(chunk);
        },
        onResponseEnd() {
          resolve({ status, body: chunks ? Buffer.concat(chunks) : (single ?? EMPTY) });
        },
        onResponseError(_controller, err: Error) {
          reject(err);
        },
      });
    });
  }

  /** Opens a streaming GET (a watch) on a connection of its own. */
  stream(path: string, sink: StreamSink, headersTimeoutMs: number): StreamHandle {
    const ready = this.#settings.credentials.ready();
    if (ready !== undefined && !this.#closed) {
      // Credentials from an exec plugin are still on their way: open the watch once they are here.
      let inner: StreamHandle | undefined;
      let aborted: Error | undefined;
      void ready.then(() => {
        if (aborted) sink.onError(aborted);
        else inner = this.stream(path, sink, headersTimeoutMs);
      });
      return {
        abort(reason: Error) {
          if (inner) inner.abort(reason);
          else aborted ??= reason;
        },
      };
    }
    if (this.#closed) {
      queueMicrotask(() => sink.onError(new TransportClosedError('the client is closed')));
      return { abort() {} };
    }
    let controller: Dispatcher.DispatchController | undefined;
    let pendingAbort: Error | undefined;
    let done = false;
    const finish = () => {
      done = true;
      this.#openWatches.delete(handle);
    };
    const handle: StreamHandle = {
      abort: (reason: Error) => {
        if (done) return;
        if (controller) controller.abort(reason);
        else pendingAbort = reason;
      },
    };
    this.#openWatches.add(handle);
    this.#requests += 1;
    this.#watches.dispatch(
      {
        method: 'GET',
        path: this.#basePath + path,
        headers: this.#headers(undefined),
        headersTimeout: headersTimeoutMs,
        // Silence is judged by the informer (bookmarks count), not by undici.
        bodyTimeout: 0,
      },
      {
        onRequestStart(ctl: Dispatcher.DispatchController) {
          controller = ctl;
          if (pendingAbort) ctl.abort(pendingAbort);
        },
        onResponseStart(ctl: Dispatcher.DispatchController, statusCode: number, _headers: IncomingHttpHeaders) {
          try {
            sink.onHeaders(statusCode);
          } catch (err) {
            ctl.abort(err as Error);
          }
        },
        onResponseData(ctl: Dispatcher.DispatchController, chunk: Buffer) {
          if (done) return;
          try {
            sink.onData(chunk);
          } catch (err) {
            ctl.abort(err as Error);
          }
        },
        onResponseEnd() {
          if (done) return;
          finish();
          sink.onEnd();
        },
        onResponseError(_ctl: Dispatcher.DispatchController, err: Error) {
          if (done) return;
          finish();
          sink.onError(err);
        },
      },
    );
    return handle;
  }

  /**
   * Stops taking calls; lets calls in flight finish until the deadline, then
   * destroys every connection. Open watches are aborted at once.
   */
  async close(deadlineMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const watch of [...this.#openWatches]) watch.abort(new TransportClosedError('the client is closed'));
    const watches = this.#watches.destroy();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    const outcome = await Promise.race([this.#unary.close().then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.#logger.warn({ pending: this.#pending }, 'apiserver calls still in flight at close; dropping them');
      await this.#unary.destroy();
    }
    await watches;
  }
}
