// The Authorization (and impersonation) headers of every request. A bearer
// token from a file (the in-cluster service-account token, which the kubelet
// rotates) is re-read when the file changes; credentials that client-node's
// authenticators produce (exec plugins, OIDC, cloud providers) are asked for
// again periodically. A 401 forces a refresh before the one retry.
// client-node is imported only here, lazily, for those authenticators: it
// costs ~87 MB of RSS, which token, certificate and in-cluster users never pay.
import type { KubeConfig as ClientNodeKubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Cluster, User } from './kubeconfig.ts';
import { errorFields, type KubeLogger } from './logger.ts';

export type Headers = Readonly<Record<string, string>>;

export interface Credentials {
  /** A promise while the first credential is still being fetched; undefined once headers() is usable. */
  ready(): Promise<void> | undefined;
  /** The headers for the next request; cheap, synchronous, may start a background refresh. */
  headers(): Headers;
  /** Re-reads the credential now (after a 401). */
  refresh(): Promise<void>;
}

export class StaticCredentials implements Credentials {
  readonly #headers: Headers;
  constructor(headers: Headers) {
    this.#headers = headers;
  }
  ready(): undefined {
    return undefined;
  }
  headers(): Headers {
    return this.#headers;
  }
  async refresh(): Promise<void> {}
}

export interface TokenFileOptions {
  path: string;
  /** Headers sent besides Authorization (impersonation). */
  extra?: Headers;
  /** How often at most the file is checked for a change; default 10 s (client-go re-reads every minute). */
  checkIntervalMs?: number;
  logger: KubeLogger;
}

export class TokenFileCredentials implements Credentials {
  readonly #path: string;
  readonly #extra: Headers;
  readonly #checkIntervalMs: number;
  readonly #logger: KubeLogger;
  #headers: Headers;
  #checkedAt = performance.now();
  #fileId = '';
  #checking: Promise<void> | undefined;

  constructor(options: TokenFileOptions) {
    this.#path = options.path;
    this.#extra = options.extra ?? {};
    this.#checkIntervalMs = options.checkIntervalMs ?? 10_000;
    this.#logger = options.logger;
    this.#headers = this.#withToken(readFileSync(this.#path, 'utf8'));
  }

  ready(): undefined {
    return undefined;
  }

  headers(): Headers {
    if (this.#checking === undefined && performance.now() - this.#checkedAt >= this.#checkIntervalMs) {
      this.#checking = this.#check(false).finally(() => (this.#checking = undefined));
    }
    return this.#headers;
  }

  async refresh(): Promise<void> {
    await this.#checking;
    await this.#check(true);
  }

  async #check(force: boolean): Promise<void> {
    this.#checkedAt = performance.now();
    try {
      // stat follows the ..data symlink the kubelet swaps atomically on rotation.
      const info = await stat(this.#path);
      const fileId = `${info.ino}:${info.size}:${info.mtimeMs}`;
      if (!force && fileId === this.#fileId) return;
      this.#fileId = fileId;
      this.#headers = this.#withToken(await readFile(this.#path, 'utf8'));
      this.#logger.debug({ path: this.#path }, 'bearer token file re-read');
    } catch (err) {
      this.#logger.warn({ path: this.#path, ...errorFields(err) }, 'cannot re-read the bearer token file; keeping the last token');
    }
  }

  #withToken(token: string): Headers {
    return { ...this.#extra, authorization: `Bearer ${token.trim()}` };
  }
}

/**
 * Whatever client-node's authenticators put on a request (exec credential
 * plugins, OIDC, cloud providers), asked for at once and again every
 * refreshIntervalMs in the background. Until the first answer, ready() is
 * the promise to await.
 */
export class KubeConfigCredentials implements Credentials {
  readonly #cluster: Cluster;
  readonly #user: User;
  readonly #extra: Headers;
  readonly #refreshIntervalMs: number;
  readonly #logger: KubeLogger;
  #kc: ClientNodeKubeConfig | undefined;
  #headers: Headers;
  #fetchedAt = performance.now();
  #fetching: Promise<void> | undefined;
  #first: Promise<void> | undefined;

  constructor(cluster: Cluster, user: User, extra: Headers, logger: KubeLogger, refreshIntervalMs = 60_000) {
    this.#cluster = cluster;
    this.#user = user;
    this.#extra = extra;
    this.#headers = extra;
    this.#logger = logger;
    this.#refreshIntervalMs = refreshIntervalMs;
    this.#first = this.#fetch().finally(() => (this.#first = undefined));
  }

  ready(): Promise<void> | undefined {
    return this.#first;
  }

  headers(): Headers {
    if (this.#fetching === undefined && this.#first === undefined && performance.now() - this.#fetchedAt >= this.#refreshIntervalMs) {
      this.#fetching = this.#fetch().finally(() => (this.#fetching = undefined));
    }
    return this.#headers;
  }

  async refresh(): Promise<void> {
    await this.#first;
    await this.#fetching;
    await this.#fetch();
  }

  async #fetch(): Promise<void> {
    this.#fetchedAt = performance.now();
    try {
      // One KubeConfig for the life of these credentials: authenticators cache tokens in it (exec, OIDC refresh).
      this.#kc ??= await clientNodeKubeConfig(this.#cluster, this.#user);
      const opts: { headers?: Record<string, unknown>; cert?: unknown } = {};
      // Public client-node API: runs the authenticator and fills the headers
      // (it also builds an https.Agent, cached inside the KubeConfig, that
      // Berth never uses).
      await this.#kc.applyToHTTPSOptions(opts as Parameters<ClientNodeKubeConfig['applyToHTTPSOptions']>[0]);
      const authorization = opts.headers?.Authorization ?? opts.headers?.authorization;
      if (typeof authorization === 'string') this.#headers = { ...this.#extra, authorization };
      else this.#logger.warn({}, 'the kubeconfig authenticator gave no Authorization header');
    } catch (err) {
      this.#logger.warn(errorFields(err), 'cannot get credentials from the kubeconfig authenticator; keeping the last ones');
    }
  }
}

/** A client-node KubeConfig of the one cluster and user, for its authenticators. */
async function clientNodeKubeConfig(cluster: Cluster, user: User): Promise<ClientNodeKubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: 'berth', cluster: cluster.name, user: user.name }],
    currentContext: 'berth',
  });
  return kc;
}
