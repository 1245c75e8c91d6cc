// Where the cluster is and how to authenticate. Berth reads the kubeconfig
// (or the in-cluster service account) itself and uses the TLS material and
// credentials on its own connection pool. @kubernetes/client-node (~87 MB of
// RSS once imported) is loaded only for the users whose credentials come from
// an authenticator it runs, exec plugins and auth providers (credentials.ts).
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, sep } from 'node:path';
import { YAMLError, parse } from 'yaml';
import { KubeConfigCredentials, StaticCredentials, TokenFileCredentials, type Credentials, type Headers } from './credentials.ts';
import type { KubeLogger } from './logger.ts';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

// Field names follow client-node's Cluster, User and Context, so a KubeConfig
// of client-node's (integration tests and tools hand one over) reads the same.
export interface Cluster {
  readonly name: string;
  readonly server: string;
  readonly caFile?: string;
  readonly caData?: string;
  readonly skipTLSVerify: boolean;
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
}

export interface User {
  readonly name: string;
  readonly token?: string;
  /** Re-read while running, as client-go does; wins over token. */
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly certFile?: string;
  readonly certData?: string;
  readonly keyFile?: string;
  readonly keyData?: string;
  readonly impersonateUser?: string;
  /** Impersonation fields Berth cannot send (as-groups, as-uid, as-user-extra): refused when the user is used. */
  readonly unsupported?: readonly string[];
  /** Handed to client-node's authenticators as they are. */
  readonly exec?: unknown;
  readonly authProvider?: unknown;
}

export interface Context {
  readonly name: string;
  readonly cluster: string;
  readonly user?: string;
  readonly namespace?: string;
}

/** What connectionSettings reads: Berth's KubeConfig, or client-node's. */
export interface KubeConfigView {
  /** The file(s) it was read from, for messages. */
  readonly source?: string;
  getCurrentContext(): string;
  getContextObject(name: string): Context | null;
  getCurrentCluster(): Cluster | null;
  getCurrentUser(): User | null;
}

export class KubeConfig implements KubeConfigView {
  readonly clusters: readonly Cluster[];
  readonly users: readonly User[];
  readonly contexts: readonly Context[];
  readonly currentContext: string;
  readonly source: string;

  constructor(parts: { clusters: readonly Cluster[]; users: readonly User[]; contexts: readonly Context[]; currentContext: string; source: string }) {
    this.clusters = parts.clusters;
    this.users = parts.users;
    this.contexts = parts.contexts;
    this.currentContext = parts.currentContext;
    this.source = parts.source;
  }

  getCurrentContext(): string {
    return this.currentContext;
  }

  getContextObject(name: string): Context | null {
    return this.contexts.find((c) => c.name === name) ?? null;
  }

  getCurrentCluster(): Cluster | null {
    const context = this.getContextObject(this.currentContext);
    return (context && this.clusters.find((c) => c.name === context.cluster)) ?? null;
  }

  getCurrentUser(): User | null {
    const context = this.getContextObject(this.currentContext);
    return (context?.user !== undefined && this.users.find((u) => u.name === context.user)) || null;
  }
}

/**
 * Resolves the kubeconfig the way kubectl users expect: an explicit path;
 * else $KUBECONFIG (a list, merged); else ~/.kube/config; else the in-cluster
 * service account. Unlike client-node's loadFromDefault it never falls back
 * to http://localhost:8080.
 */
export function loadKubeConfig(
  kubeconfigPath?: string,
  env: NodeJS.ProcessEnv = process.env,
  /** A folder standing in for / when looking for the service account (tests). */
  serviceAccountRoot = '',
): KubeConfig {
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (kubeconfigPath) {
    if (!existsSync(kubeconfigPath)) throw new KubeConfigError(`kubeconfig ${kubeconfigPath} does not exist`);
    return mergeKubeConfigs([readKubeConfigFile(kubeconfigPath)]);
  }
  if (env.KUBECONFIG) {
    // A list, like kubectl: missing files are skipped, the others merge in order.
    const files = [...new Set(env.KUBECONFIG.split(delimiter))].filter((file) => file && existsSync(file));
    if (files.length === 0) throw new KubeConfigError(`none of the files in KUBECONFIG (${env.KUBECONFIG}) exists`);
    return mergeKubeConfigs(files.map(readKubeConfigFile));
  }
  if (existsSync(home)) return mergeKubeConfigs([readKubeConfigFile(home)]);
  if (env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountRoot + SERVICE_ACCOUNT + '/token')) {
    // The port is looked up in process.env too, where client-node read both (tests pass a partial env).
    return inClusterConfig(env.KUBERNETES_SERVICE_HOST, env.KUBERNETES_SERVICE_PORT ?? process.env.KUBERNETES_SERVICE_PORT, serviceAccountRoot);
  }
  throw new KubeConfigError(
    'no cluster configuration: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account',
  );
}

/** One file, decoded and checked; relative paths in it made absolute against its folder. */
interface KubeConfigFile {
  path: string;
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

/** kubectl's merge: the first file to name a cluster, user or context wins it; the first current-context set wins. */
function mergeKubeConfigs(files: readonly KubeConfigFile[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const file of files) {
    for (const c of file.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of file.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of file.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ||= file.currentContext;
  }
  return new KubeConfig({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
    source: files.map((f) => f.path).join(delimiter),
  });
}

function readKubeConfigFile(path: string): KubeConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubeConfigError(`kubeconfig ${path}: cannot read it (${(err as Error).message})`);
  }
  return parseKubeConfig(text, path);
}

/** Decodes the text of a kubeconfig file; every problem is a KubeConfigError naming the file and the field. */
export function parseKubeConfig(text: string, path: string): KubeConfigFile {
  const fail = (what: string) => new KubeConfigError(`kubeconfig ${path}: ${what}`);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    // The first line says what and where ("... at line 2, column 1:"); the rest is a snippet of the file.
    if (err instanceof YAMLError) throw fail(`not valid YAML: ${err.message.split('\n')[0]!.replace(/:$/, '')}`);
    throw err;
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isMap(doc)) throw fail('not a kubeconfig: the top level is not a mapping');
  const folder = dirname(path);
  const resolve = (file: string | undefined) => (file && !isAbsolute(file) ? join(folder, file) : file);
  const fields = new Fields(fail);

  const clusters = fields.entries(doc, 'clusters', 'cluster', (body, at, name): Cluster => {
    const caFile = resolve(fields.string(body, 'certificate-authority', at));
    const caData = fields.string(body, 'certificate-authority-data', at);
    const tlsServerName = fields.string(body, 'tls-server-name', at);
    const proxyUrl = fields.string(body, 'proxy-url', at);
    return {
      name,
      server: fields.string(body, 'server', at) ?? '',
      skipTLSVerify: fields.boolean(body, 'insecure-skip-tls-verify', at) ?? false,
      ...(caFile !== undefined && { caFile }),
      ...(caData !== undefined && { caData }),
      ...(tlsServerName !== undefined && { tlsServerName }),
      ...(proxyUrl !== undefined && { proxyUrl }),
    };
  });

  const users = fields.entries(doc, 'users', 'user', (body, at, name): User => {
    const user: Record<string, unknown> = { name };
    const strings = {
      token: 'token',
      tokenFile: 'tokenFile',
      username: 'username',
      password: 'password',
      certFile: 'client-certificate',
      certData: 'client-certificate-data',
      keyFile: 'client-key',
      keyData: 'client-key-data',
      impersonateUser: 'as',
    } as const;
    for (const [field, key] of Object.entries(strings)) {
      const value = fields.string(body, key, at);
      if (value !== undefined) user[field] = field === 'tokenFile' || field === 'certFile' || field === 'keyFile' ? resolve(value) : value;
    }
    const unsupported = ['as-groups', 'as-uid', 'as-user-extra'].filter((key) => body[key] !== undefined && body[key] !== null);
    if (unsupported.length > 0) user.unsupported = unsupported;
    const exec = body.exec;
    if (exec !== undefined && exec !== null) {
      if (!isMap(exec)) throw fail(`${at}.exec must be a mapping`);
      const command = fields.string(exec, 'command', `${at}.exec`);
      if (!command) throw fail(`${at}.exec.command is missing`);
      // kubectl: a command with a path separator is relative to the kubeconfig's folder; a bare name is looked up in PATH.
      user.exec = command.includes(sep) ? { ...exec, command: resolve(command) } : exec;
    }
    const authProvider = body['auth-provider'];
    if (authProvider !== undefined && authProvider !== null) {
      if (!isMap(authProvider)) throw fail(`${at}.auth-provider must be a mapping`);
      if (!fields.string(authProvider, 'name', `${at}.auth-provider`)) throw fail(`${at}.auth-provider.name is missing`);
      user.authProvider = authProvider;
    }
    return user as unknown as User;
  });

  const contexts = fields.entries(doc, 'contexts', 'context', (body, at, name): Context => {
    const user = fields.string(body, 'user', at);
    const namespace = fields.string(body, 'namespace', at);
    return {
      name,
      cluster: fields.string(body, 'cluster', at) ?? '',
      ...(user && { user }),
      ...(namespace && { namespace }),
    };
  });

  return { path, clusters, users, contexts, currentContext: fields.string(doc, 'current-context', '') ?? '' };
}

/** Reads typed fields of a decoded kubeconfig; every error names the field by its path (users[1].user.token). */
class Fields {
  readonly #fail: (what: string) => KubeConfigError;
  constructor(fail: (what: string) => KubeConfigError) {
    this.#fail = fail;
  }

  string(map: Record<string, unknown>, key: string, at: string): string | undefined {
    const value = map[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.#fail(`${at ? `${at}.` : ''}${key} must be a string`);
    return value;
  }

  boolean(map: Record<string, unknown>, key: string, at: string): boolean | undefined {
    const value = map[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.#fail(`${at}.${key} must be true or false`);
    return value;
  }

  /** A list of {name, <body>} entries, each name once. */
  entries<T>(doc: Record<string, unknown>, list: string, body: string, read: (body: Record<string, unknown>, at: string, name: string) => T): T[] {
    const items = doc[list];
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) throw this.#fail(`${list} must be a list`);
    const seen = new Set<string>();
    return items.map((item: unknown, i) => {
      const at = `${list}[${i}]`;
      if (!isMap(item)) throw this.#fail(`${at} must be a mapping`);
      const name = this.string(item, 'name', at);
      if (!name) throw this.#fail(`${at}.name is missing`);
      if (seen.has(name)) throw this.#fail(`${at}.name: "${name}" is named twice in ${list}`);
      seen.add(name);
      const value = item[body] ?? {};
      if (!isMap(value)) throw this.#fail(`${at}.${body} must be a mapping`);
      return read(value, `${at}.${body}`, name);
    });
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** client-go's InClusterConfig: the service's address, the mounted CA, and the token file the kubelet rotates. */
function inClusterConfig(host: string, port: string | undefined, root: string): KubeConfig {
  if (!port) throw new KubeConfigError('in-cluster configuration: KUBERNETES_SERVICE_HOST is set but KUBERNETES_SERVICE_PORT is not');
  const caFile = root + SERVICE_ACCOUNT + '/ca.crt';
  const namespaceFile = root + SERVICE_ACCOUNT + '/namespace';
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : '';
  return new KubeConfig({
    clusters: [
      {
        name: 'in-cluster',
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        skipTLSVerify: false,
        ...(existsSync(caFile) && { caFile }),
      },
    ],
    users: [{ name: 'service-account', tokenFile: root + SERVICE_ACCOUNT + '/token' }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account', ...(namespace && { namespace }) }],
    currentContext: 'in-cluster',
    source: `${root}${SERVICE_ACCOUNT} (in-cluster service account)`,
  });
}

export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ConnectionSettings {
  /** scheme://host:port */
  origin: string;
  /** A path prefix of the server URL (proxies such as Rancher's), "" for most clusters. */
  basePath: string;
  tls: TlsOptions;
  credentials: Credentials;
}

/** PEM from a file or base64 data; kubectl refuses an entry that gives both. */
function pem(owner: string, fileKey: string, file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file && data) throw new KubeConfigError(`${owner}: ${fileKey} and ${fileKey}-data are both set; keep one`);
  if (file) {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new KubeConfigError(`${owner}: cannot read ${fileKey} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return data ? Buffer.from(data, 'base64') : undefined;
}

/** The TLS options of a cluster and user: the server's CA, the client certificate and key. */
export function tlsOptionsOf(cluster: Cluster, user: User | null): TlsOptions {
  const tls: TlsOptions = {};
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;
  const ca = pem(`cluster "${cluster.name}"`, 'certificate-authority', cluster.caFile, cluster.caData);
  if (ca) tls.ca = ca;
  if (user) {
    const cert = pem(`user "${user.name}"`, 'client-certificate', user.certFile, user.certData);
    if (cert) tls.cert = cert;
    const key = pem(`user "${user.name}"`, 'client-key', user.keyFile, user.keyData);
    if (key) tls.key = key;
  }
  return tls;
}

/** The current context's cluster and user, or a KubeConfigError saying which link is missing. */
function currentClusterAndUser(kc: KubeConfigView): { cluster: Cluster; user: User | null } {
  const where = kc.source ? `kubeconfig ${kc.source}` : 'kubeconfig';
  const name = kc.getCurrentContext();
  if (!name) throw new KubeConfigError(`${where}: current-context is not set`);
  const context = kc.getContextObject(name);
  if (!context) throw new KubeConfigError(`${where}: current-context "${name}" is not among the contexts`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new KubeConfigError(
      context.cluster ? `${where}: context "${name}" names cluster "${context.cluster}", which does not exist` : `${where}: context "${name}" names no cluster`,
    );
  }
  if (!cluster.server) throw new KubeConfigError(`cluster "${cluster.name}": server is missing`);
  const user = kc.getCurrentUser();
  if (context.user && !user) throw new KubeConfigError(`${where}: context "${name}" names user "${context.user}", which does not exist`);
  return { cluster, user };
}

/** Builds the settings synchronously; credentials from exec plugins or OIDC arrive later (Credentials.ready()). */
export function connectionSettings(kc: KubeConfigView, logger: KubeLogger): ConnectionSettings {
  const { cluster, user } = currentClusterAndUser(kc);
  if (cluster.proxyUrl) throw new KubeConfigError(`cluster "${cluster.name}": proxy-url is not supported`);
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    throw new KubeConfigError(`cluster "${cluster.name}": server "${cluster.server}" is not a URL`);
  }
  if (server.protocol === 'http:' && !cluster.skipTLSVerify) {
    throw new KubeConfigError(`cluster "${cluster.name}": plain http needs insecure-skip-tls-verify`);
  }
  if (server.protocol !== 'http:' && server.protocol !== 'https:') {
    throw new KubeConfigError(`cluster "${cluster.name}": server "${cluster.server}" is not http(s)`);
  }
  if (user?.unsupported?.length) {
    const fields = user.unsupported.join(', ');
    throw new KubeConfigError(`user "${user.name}": ${fields} ${user.unsupported.length > 1 ? 'are' : 'is'} not supported (Berth impersonates with "as" only)`);
  }
  const tls = tlsOptionsOf(cluster, user);
  return {
    origin: server.origin,
    basePath: server.pathname.replace(/\/+$/, ''),
    tls,
    credentials: credentialsOf(cluster, user, logger),
  };
}

function credentialsOf(cluster: Cluster, user: User | null, logger: KubeLogger): Credentials {
  const extra: Record<string, string> = {};
  if (user?.impersonateUser) extra['impersonate-user'] = user.impersonateUser;
  // client-node's in-cluster user (a KubeConfig of its own handed over) names the token file this way.
  const authProvider = user?.authProvider as { config?: { tokenFile?: unknown } } | undefined;
  const clientNodeTokenFile = typeof authProvider?.config?.tokenFile === 'string' ? authProvider.config.tokenFile : undefined;
  const tokenFile = clientNodeTokenFile ?? (user?.exec || user?.authProvider ? undefined : user?.tokenFile);
  if (tokenFile) {
    try {
      return new TokenFileCredentials({ path: tokenFile, extra, logger });
    } catch (err) {
      throw new KubeConfigError(`user "${user!.name}": cannot read tokenFile ${tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (user?.exec || user?.authProvider) return new KubeConfigCredentials(cluster, user, extra, logger);
  const headers: Headers = user?.token
    ? { ...extra, authorization: `Bearer ${user.token}` }
    : user?.username
      ? { ...extra, authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` }
      : extra;
  return new StaticCredentials(headers);
}
