// An informer with client-go's reflector semantics, over Berth's transport.
//
//   start ─▶ LIST (paged) ─▶ deliver adds / reconcile ─▶ WATCH from the list's resourceVersion
//              ▲                                            │
//              │ 410 Gone / Expired (HTTP or ERROR event)    │ each event: store, handler, resourceVersion
//              └────────────────────────────────────────────┤
//                                                           │ ended by the server (timeoutSeconds, or early)
//                 re-WATCH from the last resourceVersion ◀──┤ silent past silenceTimeoutMs: aborted
//                 (after a backoff when it failed or was    │ transport error, 5xx, 429, ERROR event
//                  empty and short)                         ▼
//
// Events are decoded from the stream's chunks synchronously, in order, on
// the event loop; a handler that throws is logged and counted, and the
// informer carries on. stop() is final: it aborts the request in flight and
// clears every timer.
import { ApiError, type Informer, type InformerHandler } from '../client.ts';
import { Backoff } from './backoff.ts';
import { LineSplitter } from './ndjson.ts';
import { objectKey, reconcile, type KubeObject } from './reconcile.ts';
import { listUrl, watchUrl, type KubeResource, type Selectors } from './resources.ts';
import { apiErrorOf, type KubeTransport, type StreamHandle } from './transport.ts';
import { errorFields, type KubeLogger } from './logger.ts';

export interface InformerSettings {
  /** Objects per LIST page (limit/continue); 0 lists in one response. Default 500, as client-go. */
  listPageSize: number;
  /**
   * timeoutSeconds of each watch; the apiserver ends the watch after it and
   * the informer re-watches. Default: random in [300, 600), as client-go.
   */
  watchTimeoutSeconds?: number | undefined;
  /** A watch with no event and no bookmark for this long is aborted and restarted. Default 5 min. */
  silenceTimeoutMs: number;
  /** Retry delays after a failed list or watch; default 800 ms doubling to 30 s, with jitter. */
  backoff: { initialMs: number; maxMs: number };
}

export const DEFAULT_INFORMER_SETTINGS: InformerSettings = {
  listPageSize: 500,
  silenceTimeoutMs: 5 * 60_000,
  backoff: { initialMs: 800, maxMs: 30_000 },
};

export interface InformerStats {
  lists: number;
  /** Lists after the first: a watch fell behind (410) and the store was reconciled. */
  relists: number;
  watches: number;
  /** Watches the server ended cleanly. */
  watchEnds: number;
  watchErrors: number;
  /** Watches aborted for silence. */
  silentWatches: number;
  /** 410 Gone / Expired answers. */
  expired: number;
  events: number;
  bookmarks: number;
  handlerErrors: number;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

interface ListResponse<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

type WatchOutcome =
  | { kind: 'ended'; healthy: boolean }
  | { kind: 'expired'; message: string }
  | { kind: 'silent' }
  | { kind: 'error'; err: Error; healthy: boolean }
  | { kind: 'stopped' };

/**
 * The scheduler never reads metadata.managedFields (server-side apply's
 * bookkeeping, often the largest part of a pod): dropped as each object is
 * decoded, as kube-scheduler's informers do, so the store does not keep it.
 */
function withoutManagedFields<O>(obj: O): O {
  const metadata = (obj as { metadata?: { managedFields?: unknown } } | null)?.metadata;
  if (metadata?.managedFields !== undefined) delete metadata.managedFields;
  return obj;
}

export class WatchSilentError extends Error {
  override name = 'WatchSilentError';
}

function isExpired(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

export class KubeInformer<T extends KubeObject> implements Informer {
  readonly #transport: KubeTransport;
  readonly #resource: KubeResource;
  readonly #handler: InformerHandler<T>;
  readonly #selectors: Selectors;
  readonly #settings: InformerSettings;
  readonly #logger: KubeLogger;
  readonly #backoff: Backoff;
  #store = new Map<string, T>();
  #resourceVersion = '';
  #synced = false;
  #stopped = false;
  #started: Promise<void> | undefined;
  #resolveStarted: (() => void) | undefined;
  #current: StreamHandle | undefined;
  #sleepTimer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  readonly stats: InformerStats = {
    lists: 0,
    relists: 0,
    watches: 0,
    watchEnds: 0,
    watchErrors: 0,
    silentWatches: 0,
    expired: 0,
    events: 0,
    bookmarks: 0,
    handlerErrors: 0,
  };

  constructor(
    transport: KubeTransport,
    resource: KubeResource,
    handler: InformerHandler<T>,
    selectors: Selectors,
    settings: InformerSettings,
    logger: KubeLogger,
  ) {
    this.#transport = transport;
    this.#resource = resource;
    this.#handler = handler;
    this.#selectors = selectors;
    this.#settings = settings;
    this.#logger = logger;
    this.#backoff = new Backoff(settings.backoff);
  }

  /** Resolves once the first list is delivered (or when stopped before that: then hasSynced() is false). */
  start(): Promise<void> {
    if (this.#started === undefined) {
      this.#started = new Promise<void>((resolve) => (this.#resolveStarted = resolve));
      if (this.#stopped) this.#resolveStarted?.();
      else
        this.#run().catch((err: unknown) => {
          this.#logger.error({ resource: this.#resource.name, ...errorFields(err) }, 'informer loop failed');
        });
    }
    return this.#started;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#current?.abort(new Error('informer stopped'));
    this.#current = undefined;
    if (this.#sleepTimer !== undefined) clearTimeout(this.#sleepTimer);
    this.#sleepTimer = undefined;
    this.#wake?.();
    this.#resolveStarted?.();
  }

  /** The resourceVersion the next watch starts from. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  get size(): number {
    return this.#store.size;
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  async #run(): Promise<void> {
    let mustList = true;
    while (!this.#stopped) {
      if (mustList) {
        try {
          await this.#list();
          mustList = false;
          this.#backoff.reset();
        } catch (err) {
          if (this.#stopped) return;
          const delay = this.#backoff.next();
          this.#logger.warn({ resource: this.#resource.name, retryInMs: delay, ...errorFields(err) }, 'list failed');
          await this.#sleep(delay);
        }
        continue;
      }
      const outcome = await this.#watch();
      if (this.#stopped) return;
      switch (outcome.kind) {
        case 'ended':
          this.stats.watchEnds += 1;
          if (outcome.healthy) {
            this.#backoff.reset();
          } else {
            // Ended at once with nothing in it: do not spin against a server that closes every watch.
            await this.#sleep(this.#backoff.next());
          }
          break;
        case 'expired':
          this.stats.expired += 1;
          this.#logger.info(
            { resource: this.#resource.name, resourceVersion: this.#resourceVersion, message: outcome.message },
            'watch resourceVersion expired; relisting',
          );
          mustList = true;
          break;
        case 'silent':
          this.stats.silentWatches += 1;
          this.#logger.warn(
            { resource: this.#resource.name, silenceMs: this.#settings.silenceTimeoutMs },
            'watch silent past its deadline; restarting it',
          );
          break;
        case 'error': {
          this.stats.watchErrors += 1;
          if (outcome.healthy) this.#backoff.reset();
          const delay = this.#backoff.next();
          this.#logger.warn(
            { resource: this.#resource.name, retryInMs: delay, ...errorFields(outcome.err) },
            'watch failed; re-watching from the last resourceVersion',
          );
          await this.#sleep(delay);
          break;
        }
        case 'stopped':
          return;
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(() => {
        this.#sleepTimer = undefined;
        this.#wake = undefined;
        resolve();
      }, ms);
    });
  }

  async #list(): Promise<void> {
    this.stats.lists += 1;
    let limit = this.#settings.listPageSize;
    let items: T[] = [];
    let resourceVersion = '';
    let continueToken: string | undefined;
    for (;;) {
      let page: ListResponse<T>;
      try {
        page = await this.#transport.call<ListResponse<T>>('GET', listUrl(this.#resource, this.#selectors, limit, continueToken), {
          decode: true,
        });
      } catch (err) {
        if (continueToken !== undefined && isExpired(err) && limit > 0) {
          // The continue token outlived etcd's compaction: list again, in one response (client-go's pager does the same).
          this.#logger.info({ resource: this.#resource.name }, 'list continue token expired; listing in one response');
          limit = 0;
          items = [];
          continueToken = undefined;
          continue;
        }
        throw err;
      }
      if (this.#stopped) return;
      if (page.items) for (const item of page.items) items.push(withoutManagedFields(item));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?.continue || undefined;
      if (continueToken === undefined) break;
    }
    this.#replace(items, resourceVersion);
  }

  #replace(items: T[], resourceVersion: string): void {
    const plan = reconcile(this.#store, items);
    if (this.#synced) this.stats.relists += 1;
    this.#store = plan.store;
    this.#resourceVersion = resourceVersion;
    for (const obj of plan.deletes) this.#deliverDelete(obj);
    for (const { oldObj, newObj } of plan.updates) this.#deliverUpdate(oldObj, newObj);
    for (const obj of plan.adds) this.#deliverAdd(obj);
    if (plan.deletes.length + plan.updates.length > 0 || this.#synced) {
      this.#logger.info(
        {
          resource: this.#resource.name,
          objects: items.length,
          deletes: plan.deletes.length,
          updates: plan.updates.length,
          adds: plan.adds.length,
        },
        'relisted and reconciled',
      );
    }
    if (!this.#synced) {
      this.#synced = true;
      this.#resolveStarted?.();
    }
  }

  #watch(): Promise<WatchOutcome> {
    const silenceMs = this.#settings.silenceTimeoutMs;
    const timeoutSeconds = this.#settings.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const url = watchUrl(this.#resource, this.#selectors, this.#resourceVersion, timeoutSeconds);
    this.stats.watches += 1;
    return new Promise<WatchOutcome>((resolve) => {
      const started = performance.now();
      let lastActivity = started;
      let events = 0;
      let status = 0;
      let errorBody: Buffer[] | undefined;
      let settled = false;
      const splitter = new LineSplitter();
      let silenceTimer: ReturnType<typeof setTimeout> | undefined;
      // eslint-disable-next-line prefer-const -- assigned below, read by settle() which the stream may call first
      let handle: StreamHandle | undefined;
      const control: StreamHandle = {
        abort: (reason) => settle({ kind: 'stopped' }, reason),
      };
      this.#current = control;
      const settle = (outcome: WatchOutcome, abort?: Error) => {
        if (settled) return;
        settled = true;
        if (silenceTimer !== undefined) clearTimeout(silenceTimer);
        silenceTimer = undefined;
        if (abort) handle?.abort(abort);
        if (this.#current === control) this.#current = undefined;
        resolve(outcome);
      };
      const checkSilence = () => {
        silenceTimer = undefined;
        const idle = performance.now() - lastActivity;
        if (idle >= silenceMs) settle({ kind: 'silent' }, new WatchSilentError(`no watch event for ${Math.round(idle)} ms`));
        else silenceTimer = setTimeout(checkSilence, silenceMs - idle);
      };
      const apply = (line: string) => {
        const outcome = this.#apply(line);
        events += 1;
        if (outcome) settle(outcome, new Error(`watch closed by the informer: ${outcome.kind}`));
      };
      handle = this.#transport.stream(
        url,
        {
          onHeaders: (code) => {
            status = code;
            lastActivity = performance.now();
          },
          onData: (chunk) => {
            lastActivity = performance.now();
            if (settled) return;
            if (status !== 200) {
              (errorBody ??= []).push(chunk);
              return;
            }
            for (const line of splitter.push(chunk)) {
              if (settled || this.#stopped) return;
              apply(line);
            }
          },
          onEnd: () => {
            if (settled) return;
            if (status !== 200) {
              const err = apiErrorOf(status, Buffer.concat(errorBody ?? []), 'GET', url);
              settle(isExpired(err) ? { kind: 'expired', message: err.message } : { kind: 'error', err, healthy: false });
              return;
            }
            const rest = splitter.finish();
            if (rest) apply(rest);
            settle({ kind: 'ended', healthy: events > 0 || performance.now() - started >= 1000 });
          },
          onError: (err) => {
            if (this.#stopped) settle({ kind: 'stopped' });
            else settle({ kind: 'error', err, healthy: events > 0 });
          },
        },
        silenceMs,
      );
      if (!settled) silenceTimer = setTimeout(checkSilence, silenceMs);
    });
  }

  /** Applies one watch event; returns an outcome when the watch must end. */
  #apply(line: string): WatchOutcome | undefined {
    let event: WatchEvent;
    try {
      event = JSON.parse(line) as WatchEvent;
    } catch (err) {
      return { kind: 'error', err: new Error(`undecodable watch event: ${(err as Error).message}`), healthy: true };
    }
    const obj = withoutManagedFields(event.object);
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        this.stats.events += 1;
        const key = objectKey(obj);
        const old = this.#store.get(key);
        this.#store.set(key, obj as T);
        this.#advance(obj);
        if (old === undefined) {
          this.#deliverAdd(obj as T);
        } else if (old.metadata?.uid !== obj.metadata?.uid) {
          this.#deliverDelete(old);
          this.#deliverAdd(obj as T);
        } else {
          this.#deliverUpdate(old, obj as T);
        }
        return undefined;
      }
      case 'DELETED': {
        this.stats.events += 1;
        const key = objectKey(obj);
        const known = this.#store.delete(key);
        this.#advance(obj);
        // An object never seen (deleted before our list) is nobody's business, as in client-go.
        if (known) this.#deliverDelete(obj as T);
        return undefined;
      }
      case 'BOOKMARK':
        this.stats.bookmarks += 1;
        this.#advance(obj);
        return undefined;
      case 'ERROR': {
        const err = new ApiError(obj.code ?? 0, obj.reason ?? 'Unknown', obj.message ?? 'watch ERROR event');
        if (isExpired(err)) return { kind: 'expired', message: err.message };
        return { kind: 'error', err, healthy: true };
      }
      default:
        this.#logger.debug({ resource: this.#resource.name, type: String((event as { type?: unknown }).type) }, 'unknown watch event type');
        return undefined;
    }
  }

  #advance(obj: KubeObject): void {
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
  }

  #deliverAdd(obj: T): void {
    try {
      this.#handler.onAdd(obj);
    } catch (err) {
      this.#handlerFailed('add', obj, err);
    }
  }

  #deliverUpdate(oldObj: T, newObj: T): void {
    try {
      this.#handler.onUpdate(oldObj, newObj);
    } catch (err) {
      this.#handlerFailed('update', newObj, err);
    }
  }

  #deliverDelete(obj: T): void {
    try {
      this.#handler.onDelete(obj);
    } catch (err) {
      this.#handlerFailed('delete', obj, err);
    }
  }

  #handlerFailed(event: string, obj: T, err: unknown): void {
    this.stats.handlerErrors += 1;
    this.#logger.error({ resource: this.#resource.name, event, key: objectKey(obj), ...errorFields(err) }, 'informer handler threw');
  }
}
