import { KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenFileCredentials } from './credentials.ts';
import { KubeConfigError, connectionSettings, loadKubeConfig } from './kubeconfig.ts';
import { silentKubeLogger } from './logger.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'berth-kc-'));

function kubeconfigFile(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const path = join(dir(), 'config');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  return path;
}

function settingsOf(path: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return connectionSettings(kc, silentKubeLogger);
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('loadKubeConfig', () => {
  test('an explicit path that does not exist', () => {
    expect(() => loadKubeConfig('/nope/config')).toThrow(new KubeConfigError('kubeconfig /nope/config does not exist'));
  });

  test('KUBECONFIG lists files; the first that exists wins the context', () => {
    const first = kubeconfigFile('https://one:6443', { token: 't1' });
    const kc = loadKubeConfig(undefined, { KUBECONFIG: `/missing/config:${first}` });
    expect(kc.getCurrentCluster()?.server).toBe('https://one:6443');
  });

  test('~/.kube/config when nothing else is given', () => {
    const home = dir();
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), JSON.stringify({ clusters: [], users: [], contexts: [], 'current-context': '' }));
    expect(loadKubeConfig(undefined, { HOME: home })).toBeInstanceOf(KubeConfig);
  });

  test('no configuration at all is an error, never http://localhost:8080', () => {
    expect(() => loadKubeConfig(undefined, { HOME: dir() })).toThrow(
      new KubeConfigError(
        'no cluster configuration: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account',
      ),
    );
  });
});

describe('connectionSettings', () => {
  test('bearer token, impersonation, CA and server path prefix', () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const settings = settingsOf(
      kubeconfigFile('https://k8s.example:6443/k8s/clusters/c-1/', { token: 'abc', as: 'alice' }, { 'certificate-authority-data': ca.toString('base64') }),
    );
    expect(settings.origin).toBe('https://k8s.example:6443');
    expect(settings.basePath).toBe('/k8s/clusters/c-1');
    expect(settings.tls.ca).toEqual(ca);
    expect(settings.credentials.ready()).toBeUndefined();
    expect(settings.credentials.headers()).toEqual({ authorization: 'Bearer abc', 'impersonate-user': 'alice' });
  });

  test('basic auth and insecure-skip-tls-verify', () => {
    const settings = settingsOf(kubeconfigFile('https://h:6443', { username: 'u', password: 'p' }, { 'insecure-skip-tls-verify': true }));
    expect(settings.credentials.headers()).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(settings.tls.rejectUnauthorized).toBe(false);
  });

  test.each([
    { name: 'plain http without skip-tls-verify', cluster: {}, server: 'http://h:8080', message: 'cluster "c": plain http needs insecure-skip-tls-verify' },
    { name: 'a proxy', cluster: { 'proxy-url': 'http://proxy:3128' }, server: 'https://h', message: 'cluster "c": proxy-url is not supported' },
  ])('refuses $name', ({ cluster, server, message }) => {
    expect(() => settingsOf(kubeconfigFile(server, { token: 't' }, cluster))).toThrow(new KubeConfigError(message));
  });

  test('in cluster: the service-account token file is re-read when the kubelet rotates it', async () => {
    const root = dir();
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'first\n');
    writeFileSync(join(sa, 'ca.crt'), 'ca');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    let kc: KubeConfig;
    try {
      kc = loadKubeConfig(undefined, { HOME: dir(), KUBERNETES_SERVICE_HOST: '10.96.0.1' }, root);
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
    const settings = connectionSettings(kc, silentKubeLogger);
    expect(settings.origin).toBe('https://10.96.0.1');
    expect(settings.tls.ca?.toString()).toBe('ca');
    expect(settings.credentials).toBeInstanceOf(TokenFileCredentials);
    expect(settings.credentials.headers().authorization).toBe('Bearer first');

    // The kubelet swaps the file atomically; a fresh credentials object checks at once.
    const rotating = new TokenFileCredentials({ path: join(sa, 'token'), checkIntervalMs: 0, logger: silentKubeLogger });
    writeFileSync(join(sa, 'token.new'), 'second');
    renameSync(join(sa, 'token.new'), join(sa, 'token'));
    await until(() => rotating.headers().authorization === 'Bearer second');
    // A 401 forces a re-read whatever the interval.
    writeFileSync(join(sa, 'token.new'), 'third');
    renameSync(join(sa, 'token.new'), join(sa, 'token'));
    await settings.credentials.refresh();
    expect(settings.credentials.headers().authorization).toBe('Bearer third');
  });
});
