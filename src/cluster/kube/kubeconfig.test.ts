import { KubeConfig as ClientNodeKubeConfig } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfigCredentials, TokenFileCredentials } from './credentials.ts';
import { KubeConfig, KubeConfigError, connectionSettings, loadKubeConfig } from './kubeconfig.ts';
import { silentKubeLogger } from './logger.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'berth-kc-'));

/** A kubeconfig of one cluster "c", one user "u" and context "ctx", written to a fresh folder (or `folder`). */
function kubeconfigFile(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}, folder = dir()): string {
  const path = join(folder, 'config');
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

/** A kubeconfig file with the given text. */
function fileWith(text: string): string {
  const path = join(dir(), 'config');
  writeFileSync(path, text);
  return path;
}

function settingsOf(path: string) {
  return connectionSettings(loadKubeConfig(path, {}), silentKubeLogger);
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('loadKubeConfig', () => {
  test('an explicit path that does not exist', () => {
    expect(() => loadKubeConfig('/nope/config')).toThrow(new KubeConfigError('kubeconfig /nope/config does not exist'));
  });

  test('KUBECONFIG lists files; the first that exists wins the context', () => {
    const first = kubeconfigFile('https://one:6443', { token: 't1' });
    const kc = loadKubeConfig(undefined, { KUBECONFIG: `/missing/config${delimiter}${first}` });
    expect(kc.getCurrentCluster()?.server).toBe('https://one:6443');
  });

  test('KUBECONFIG merges as kubectl does: the first file to name an entry wins it, and the first current-context set', () => {
    const first = fileWith(
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://first' } }],
        users: [{ name: 'u', user: { token: 'first' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      }),
    );
    const second = fileWith(
      JSON.stringify({
        clusters: [
          { name: 'c', cluster: { server: 'https://second' } },
          { name: 'd', cluster: { server: 'https://d' } },
        ],
        users: [{ name: 'u', user: { token: 'second' } }],
        contexts: [{ name: 'other', context: { cluster: 'd', user: 'u' } }],
        'current-context': 'ctx',
      }),
    );
    const third = fileWith(JSON.stringify({ 'current-context': 'other' }));
    const kc = loadKubeConfig(undefined, { KUBECONFIG: [first, second, third].join(delimiter) });
    expect(kc.currentContext).toBe('ctx');
    expect(kc.clusters.map((c) => [c.name, c.server])).toEqual([
      ['c', 'https://first'],
      ['d', 'https://d'],
    ]);
    expect(kc.contexts.map((c) => c.name)).toEqual(['ctx', 'other']);
    expect(connectionSettings(kc, silentKubeLogger).credentials.headers()).toEqual({ authorization: 'Bearer first' });
  });

  test('~/.kube/config when nothing else is given', () => {
    const home = dir();
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), JSON.stringify({ clusters: [], users: [], contexts: [], 'current-context': '' }));
    expect(loadKubeConfig(undefined, { HOME: home })).toBeInstanceOf(KubeConfig);
  });

  test('an empty file is an empty kubeconfig', () => {
    const kc = loadKubeConfig(fileWith(''));
    expect([kc.clusters, kc.users, kc.contexts, kc.currentContext]).toEqual([[], [], [], '']);
  });

  test('no configuration at all is an error, never http://localhost:8080', () => {
    expect(() => loadKubeConfig(undefined, { HOME: dir() })).toThrow(
      new KubeConfigError(
        'no cluster configuration: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account',
      ),
    );
  });

  test.each([
    { name: 'not YAML', text: 'clusters: [', message: /^not valid YAML: / },
    { name: 'a list at the top', text: '- a\n- b\n', message: 'not a kubeconfig: the top level is not a mapping' },
    { name: 'clusters not a list', text: 'clusters: {c: {}}', message: 'clusters must be a list' },
    { name: 'an entry not a mapping', text: 'users: [u]', message: 'users[0] must be a mapping' },
    { name: 'an entry with no name', text: 'contexts: [{context: {cluster: c}}]', message: 'contexts[0].name is missing' },
    { name: 'a name twice', text: 'clusters: [{name: c, cluster: {server: "https://a"}}, {name: c}]', message: 'clusters[1].name: "c" is named twice in clusters' },
    { name: 'a body not a mapping', text: 'clusters: [{name: c, cluster: "https://a"}]', message: 'clusters[0].cluster must be a mapping' },
    { name: 'a number for a string', text: 'users: [{name: u, user: {token: 1234}}]', message: 'users[0].user.token must be a string' },
    {
      name: 'a string for a boolean',
      text: 'clusters: [{name: c, cluster: {server: "https://a", insecure-skip-tls-verify: "yes"}}]',
      message: 'clusters[0].cluster.insecure-skip-tls-verify must be true or false',
    },
    { name: 'exec with no command', text: 'users: [{name: u, user: {exec: {apiVersion: v1}}}]', message: 'users[0].user.exec.command is missing' },
    { name: 'auth-provider with no name', text: 'users: [{name: u, user: {auth-provider: {config: {}}}}]', message: 'users[0].user.auth-provider.name is missing' },
    { name: 'current-context not a string', text: 'current-context: [a]', message: 'current-context must be a string' },
  ])('a malformed kubeconfig names the file and the fault: $name', ({ text, message }) => {
    const path = fileWith(text);
    let thrown: unknown;
    try {
      loadKubeConfig(path);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KubeConfigError);
    const prefix = `kubeconfig ${path}: `;
    expect((thrown as Error).message.startsWith(prefix)).toBe(true);
    const fault = (thrown as Error).message.slice(prefix.length);
    if (message instanceof RegExp) expect(fault).toMatch(message);
    else expect(fault).toBe(message);
  });

  test('a kubeconfig path that is a folder', () => {
    const folder = dir();
    expect(() => loadKubeConfig(folder)).toThrow(`kubeconfig ${folder}: cannot read it (EISDIR`);
  });
});

describe('connectionSettings', () => {
  test('bearer token, impersonation, CA and server path prefix', () => {
    const settings = settingsOf(
      kubeconfigFile('https://k8s.example:6443/k8s/clusters/c-1/', { token: 'abc', as: 'alice' }, { 'certificate-authority-data': CA.toString('base64') }),
    );
    expect(settings.origin).toBe('https://k8s.example:6443');
    expect(settings.basePath).toBe('/k8s/clusters/c-1');
    expect(settings.tls.ca).toEqual(CA);
    expect(settings.credentials.ready()).toBeUndefined();
    expect(settings.credentials.headers()).toEqual({ authorization: 'Bearer abc', 'impersonate-user': 'alice' });
  });

  test('basic auth and insecure-skip-tls-verify', () => {
    const settings = settingsOf(kubeconfigFile('https://h:6443', { username: 'u', password: 'p' }, { 'insecure-skip-tls-verify': true }));
    expect(settings.credentials.headers()).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(settings.tls.rejectUnauthorized).toBe(false);
  });

  test('files named relative to the kubeconfig folder (CA, client certificate and key, tokenFile), and tls-server-name', () => {
    const folder = dir();
    mkdirSync(join(folder, 'pki'));
    writeFileSync(join(folder, 'pki', 'ca.crt'), CA);
    writeFileSync(join(folder, 'pki', 'client.crt'), 'client cert');
    writeFileSync(join(folder, 'pki', 'client.key'), 'client key');
    writeFileSync(join(folder, 'token'), 'from-file\n');
    const path = kubeconfigFile(
      'https://10.0.0.1:6443',
      { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key', tokenFile: 'token', token: 'inline' },
      { 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kubernetes.default' },
      folder,
    );
    const settings = settingsOf(path);
    expect(settings.tls).toEqual({ ca: CA, cert: Buffer.from('client cert'), key: Buffer.from('client key'), servername: 'kubernetes.default' });
    // client-go: the file wins over the inline token, and is re-read.
    expect(settings.credentials).toBeInstanceOf(TokenFileCredentials);
    expect(settings.credentials.headers()).toEqual({ authorization: 'Bearer from-file' });
  });

  test('client certificate and key given as data', () => {
    const settings = settingsOf(
      kubeconfigFile('https://h', { 'client-certificate-data': Buffer.from('c').toString('base64'), 'client-key-data': Buffer.from('k').toString('base64') }),
    );
    expect(settings.tls).toEqual({ cert: Buffer.from('c'), key: Buffer.from('k') });
    expect(settings.credentials.headers()).toEqual({});
  });

  const contexts = (extra: Record<string, unknown>) =>
    JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://h' } }, { name: 'no-server', cluster: {} }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [
        { name: 'ctx', context: { cluster: 'c', user: 'u' } },
        { name: 'lost-cluster', context: { cluster: 'gone', user: 'u' } },
        { name: 'lost-user', context: { cluster: 'c', user: 'gone' } },
        { name: 'no-server', context: { cluster: 'no-server' } },
      ],
      ...extra,
    });

  test.each([
    { name: 'no current-context', config: contexts({}), message: (p: string) => `kubeconfig ${p}: current-context is not set` },
    {
      name: 'a current-context that does not exist',
      config: contexts({ 'current-context': 'nope' }),
      message: (p: string) => `kubeconfig ${p}: current-context "nope" is not among the contexts`,
    },
    {
      name: 'a context naming a missing cluster',
      config: contexts({ 'current-context': 'lost-cluster' }),
      message: (p: string) => `kubeconfig ${p}: context "lost-cluster" names cluster "gone", which does not exist`,
    },
    {
      name: 'a context naming a missing user',
      config: contexts({ 'current-context': 'lost-user' }),
      message: (p: string) => `kubeconfig ${p}: context "lost-user" names user "gone", which does not exist`,
    },
    { name: 'a cluster with no server', config: contexts({ 'current-context': 'no-server' }), message: () => 'cluster "no-server": server is missing' },
  ])('the current context must lead somewhere: $name', ({ config, message }) => {
    const path = fileWith(config);
    expect(() => settingsOf(path)).toThrow(new KubeConfigError(message(path)));
  });

  test.each([
    { name: 'plain http without skip-tls-verify', cluster: {}, user: { token: 't' }, server: 'http://h:8080', message: 'cluster "c": plain http needs insecure-skip-tls-verify' },
    { name: 'a proxy', cluster: { 'proxy-url': 'http://proxy:3128' }, user: { token: 't' }, server: 'https://h', message: 'cluster "c": proxy-url is not supported' },
    { name: 'a server that is not a URL', cluster: {}, user: {}, server: 'h:6443', message: 'cluster "c": server "h:6443" is not http(s)' },
    {
      name: 'a CA file that is missing',
      cluster: { 'certificate-authority': '/nowhere/ca.crt' },
      user: {},
      server: 'https://h',
      message: 'cluster "c": cannot read certificate-authority /nowhere/ca.crt (ENOENT)',
    },
    {
      name: 'a CA as a file and as data',
      cluster: { 'certificate-authority': '/nowhere/ca.crt', 'certificate-authority-data': 'eA==' },
      user: {},
      server: 'https://h',
      message: 'cluster "c": certificate-authority and certificate-authority-data are both set; keep one',
    },
    {
      name: 'a tokenFile that is missing',
      cluster: {},
      user: { tokenFile: '/nowhere/token' },
      server: 'https://h',
      message: 'user "u": cannot read tokenFile /nowhere/token (ENOENT)',
    },
    {
      name: 'impersonated groups',
      cluster: {},
      user: { token: 't', as: 'alice', 'as-groups': ['devs'] },
      server: 'https://h',
      message: 'user "u": as-groups is not supported (Berth impersonates with "as" only)',
    },
  ])('refuses $name', ({ cluster, user, server, message }) => {
    expect(() => settingsOf(kubeconfigFile(server, user, cluster))).toThrow(new KubeConfigError(message));
  });

  test("an exec plugin's token, through client-node's authenticator loaded on demand", async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } };
    const settings = settingsOf(
      kubeconfigFile('https://h', {
        as: 'bob',
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`],
        },
      }),
    );
    expect(settings.credentials).toBeInstanceOf(KubeConfigCredentials);
    await settings.credentials.ready();
    expect(settings.credentials.headers()).toEqual({ authorization: 'Bearer from-exec', 'impersonate-user': 'bob' });
  });

  test("client-node's own KubeConfig is read the same way", () => {
    const kc = new ClientNodeKubeConfig();
    kc.loadFromFile(kubeconfigFile('https://h:6443', { token: 'abc' }, { 'certificate-authority-data': CA.toString('base64') }));
    const settings = connectionSettings(kc, silentKubeLogger);
    expect([settings.origin, settings.tls.ca, settings.credentials.headers()]).toEqual(['https://h:6443', CA, { authorization: 'Bearer abc' }]);
  });

  test('in cluster: the service-account token file is re-read when the kubelet rotates it', async () => {
    const root = dir();
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'first\n');
    writeFileSync(join(sa, 'ca.crt'), 'ca');
    writeFileSync(join(sa, 'namespace'), 'berth-system\n');
    const kc = loadKubeConfig(undefined, { HOME: dir(), KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, root);
    expect(kc.getContextObject(kc.currentContext)?.namespace).toBe('berth-system');
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

  test('in cluster: an IPv6 service address and a port other than 443', () => {
    const root = dir();
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 't');
    const kc = loadKubeConfig(undefined, { HOME: dir(), KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, root);
    const settings = connectionSettings(kc, silentKubeLogger);
    expect([settings.origin, settings.tls]).toEqual(['https://[fd00::1]:6443', {}]);
  });
});
