// @kubernetes/client-node costs ~87 MB of RSS once imported, so Berth loads it
// only for users whose credentials come from its authenticators (exec
// plugins, auth providers). Each case runs a child Node (the Node 24 that runs
// jest) with a module.registerHooks resolve hook preloaded: it records every
// module resolved under @kubernetes/client-node and writes the list to a file
// on exit. The exec case is the control: it proves the hook sees the import.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const dir = () => mkdtempSync(join(tmpdir(), 'berth-lazy-'));

const HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (resolved.url.includes('/@kubernetes/client-node/')) loaded.add(resolved.url);
    return resolved;
  },
});
process.on('exit', () => writeFileSync(process.env.CLIENT_NODE_REPORT, JSON.stringify([...loaded])));
`)}`;

/** Loads the kubeconfig, builds a KubeClusterClient and the connection settings, waits for the credentials, closes. */
const BUILD_CLIENT = `
const { createKubeClusterClient } = await import(${JSON.stringify(pathToFileURL(join(here, 'index.ts')).href)});
const { connectionSettings, loadKubeConfig } = await import(${JSON.stringify(pathToFileURL(join(here, 'kubeconfig.ts')).href)});
const args = JSON.parse(process.argv[1]);
const kubeConfig = loadKubeConfig(args.path, args.env, args.root);
const client = createKubeClusterClient({ kubeConfig });
const quiet = () => {};
const settings = connectionSettings(kubeConfig, { debug: quiet, info: quiet, warn: quiet, error: quiet });
await settings.credentials.ready();
await client.close();
`;

/** The client-node modules a child Node resolved while running `args`. */
async function clientNodeModulesOf(args: string[]): Promise<string[]> {
  const report = join(dir(), 'report.json');
  const child = spawn(process.execPath, ['--no-warnings', '--import', HOOK, ...args], {
    cwd: root,
    env: { ...process.env, CLIENT_NODE_REPORT: report },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  if (code !== 0) throw new Error(`child exited with ${code}: ${stderr}`);
  return JSON.parse(readFileSync(report, 'utf8')) as string[];
}

function kubeconfig(user: Record<string, unknown>): string {
  const path = join(dir(), 'config');
  writeFileSync(
    path,
    JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority-data': Buffer.from('ca').toString('base64') } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  return path;
}

function serviceAccountRoot(): string {
  const saRoot = dir();
  const sa = join(saRoot, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), 't');
  writeFileSync(join(sa, 'ca.crt'), 'ca');
  return saRoot;
}

const EXEC_CREDENTIAL = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'x' } });

describe('@kubernetes/client-node is loaded only for the authenticators it runs', () => {
  test.each([
    { name: 'a bearer token', args: () => ({ path: kubeconfig({ token: 't' }), env: {} }), loads: false },
    {
      name: 'a client certificate',
      args: () => ({ path: kubeconfig({ 'client-certificate-data': 'eA==', 'client-key-data': 'eA==' }), env: {} }),
      loads: false,
    },
    {
      name: 'the in-cluster service account',
      args: () => ({ env: { HOME: dir(), KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, root: serviceAccountRoot() }),
      loads: false,
    },
    {
      name: 'an exec plugin',
      args: () => ({ path: kubeconfig({ exec: { command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(EXEC_CREDENTIAL)})`] } }), env: {} }),
      loads: true,
    },
  ])('$name: loads client-node = $loads', async ({ args, loads }) => {
    const modules = await clientNodeModulesOf(['--input-type=module', '-e', BUILD_CLIENT, JSON.stringify(args())]);
    expect(modules.length > 0).toBe(loads);
  }, 20_000);

  test('berth version (the static imports of every command, berth run and berth dev included) does not load it', async () => {
    expect(await clientNodeModulesOf([join(root, 'src', 'cli', 'main.ts'), 'version'])).toEqual([]);
  }, 20_000);
});
