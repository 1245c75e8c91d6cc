// Where the cluster is and how to authenticate: client-node loads the
// kubeconfig (or the in-cluster service account) and runs authenticators
// (exec plugins, OIDC); Berth reads the TLS material and credentials from it
// and uses them on its own connection pool.
import { KubeConfig, bufferFromFileOrString, type Cluster, type User } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfigCredentials, StaticCredentials, TokenFileCredentials, type Credentials, type Headers } from './credentials.ts';
import type { KubeLogger } from './logger.ts';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
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
  const kc = new KubeConfig();
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (kubeconfigPath) {
    if (!existsSync(kubeconfigPath)) throw new KubeConfigError(`kubeconfig ${kubeconfigPath} does not exist`);
    kc.loadFromFile(kubeconfigPath);
  } else if (env.KUBECONFIG) {
    // A list, like kubectl: the first file that exists sets the current context, the others merge in.
    const files = env.KUBECONFIG.split(delimiter).filter((file) => file && existsSync(file));
    if (files.length === 0) throw new KubeConfigError(`none of the files in KUBECONFIG (${env.KUBECONFIG}) exists`);
    kc.loadFromFile(files[0]!);
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more, true);
    }
  } else if (existsSync(home)) {
    kc.loadFromFile(home);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountRoot + SERVICE_ACCOUNT_TOKEN)) {
    // client-node reads KUBERNETES_SERVICE_HOST/PORT from process.env itself.
    kc.loadFromCluster(serviceAccountRoot);
  } else {
    throw new KubeConfigError(
      'no cluster configuration: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account',
    );
  }
  return kc;
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

/** The TLS options client-node's applyHTTPSOptions would set, read the same way. */
export function tlsOptionsOf(cluster: Cluster, user: User | null): TlsOptions {
  const tls: TlsOptions = {};
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;
  const ca = bufferFromFileOrString(cluster.caFile, cluster.caData);
  if (ca) tls.ca = ca;
  if (user) {
    const cert = bufferFromFileOrString(user.certFile, user.certData);
    if (cert) tls.cert = cert;
    const key = bufferFromFileOrString(user.keyFile, user.keyData);
    if (key) tls.key = key;
  }
  return tls;
}

/** Builds the settings synchronously; credentials from exec plugins or OIDC arrive later (Credentials.ready()). */
export function connectionSettings(kc: KubeConfig, logger: KubeLogger): ConnectionSettings {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeConfigError(`kubeconfig context "${kc.getCurrentContext()}" names no cluster`);
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
  const user = kc.getCurrentUser();
  const extra: Record<string, string> = {};
  if (user?.impersonateUser) extra['impersonate-user'] = user.impersonateUser;
  const authProvider = user?.authProvider as { name?: string; config?: { tokenFile?: string } } | undefined;
  let credentials: Credentials;
  if (authProvider?.config?.tokenFile) {
    credentials = new TokenFileCredentials({ path: authProvider.config.tokenFile, extra, logger });
  } else if (user?.exec || authProvider) {
    credentials = new KubeConfigCredentials(kc, extra, logger);
  } else {
    const headers: Headers = user?.token
      ? { ...extra, authorization: `Bearer ${user.token}` }
      : user?.username
        ? { ...extra, authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` }
        : extra;
    credentials = new StaticCredentials(headers);
  }
  return {
    origin: server.origin,
    basePath: server.pathname.replace(/\/+$/, ''),
    tls: tlsOptionsOf(cluster, user),
    credentials,
  };
}
