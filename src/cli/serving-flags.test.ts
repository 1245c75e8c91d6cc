// The secure port's flags of `berth run`, as users type them: each bad
// value exits 2 with its message before any cluster is touched; BERTH_*
// variables mirror the flags and a flag wins. Every case names a kubeconfig
// that does not exist, so a run whose serving flags pass stops right after,
// at "cannot load cluster configuration", without a connection anywhere.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = join(root, 'src', 'cli', 'main.ts');
const NO_KUBECONFIG = ['--kubeconfig', '/nowhere/kubeconfig'];
const PASSED = 'berth: cannot load cluster configuration: kubeconfig /nowhere/kubeconfig does not exist\n';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'berth-serving-flags-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function berth(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BERTH_') && k !== 'KUBECONFIG' && !k.startsWith('KUBERNETES_')) base[k] = v;
  const child = spawn(process.execPath, [main, ...args], { cwd: root, env: { ...base, HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    }),
  );
}

const PORT = 'berth: --secure-port must be an integer from 0 to 65535 (0: no server)\n';
const TOGETHER = 'berth: --tls-cert-file and --tls-private-key-file must be given together\n';

test('berth run --help lists the secure-port flags with their defaults', async () => {
  const got = await berth(['run', '--help']);
  expect(got.code).toBe(0);
  const text = got.stdout.replace(/\s+/g, ' ');
  expect(text).toMatch(/--secure-port HTTPS port for \/healthz, \/readyz and \/metrics \(0: no server\) \[number\] \[default: 10259\]/);
  expect(text).toMatch(/--bind-address IP address the secure port listens on \[string\] \[default: "0\.0\.0\.0"\]/);
  expect(text).toMatch(/--tls-cert-file Serving certificate \(PEM\); default: a self-signed one made at start \[string\]/);
  expect(text).toMatch(/--tls-private-key-file Private key of --tls-cert-file \(PEM\) \[string\]/);
}, 20_000);

test.each<{ name: string; args: string[]; env?: Record<string, string>; stderr: string }>([
  { name: '--secure-port 70000', args: ['--secure-port', '70000'], stderr: PORT },
  { name: '--secure-port=-1', args: ['--secure-port=-1'], stderr: PORT },
  { name: '--secure-port many', args: ['--secure-port', 'many'], stderr: PORT },
  { name: '--bind-address localhost', args: ['--bind-address', 'localhost'], stderr: 'berth: --bind-address "localhost" is not an IP address (e.g. 0.0.0.0, 127.0.0.1 or ::)\n' },
  { name: '--tls-cert-file alone', args: ['--tls-cert-file', '/x.crt'], stderr: TOGETHER },
  {
    name: 'certificate files that are not there',
    args: ['--tls-cert-file', '/nowhere/tls.crt', '--tls-private-key-file', '/nowhere/tls.key'],
    stderr: "berth: --tls-cert-file: cannot read /nowhere/tls.crt: ENOENT: no such file or directory, open '/nowhere/tls.crt'\n",
  },
  { name: '--secure-port 0 with a bad address: still checked', args: ['--secure-port', '0', '--bind-address', '::x'], stderr: 'berth: --bind-address "::x" is not an IP address (e.g. 0.0.0.0, 127.0.0.1 or ::)\n' },
  { name: 'valid flags get past validation', args: ['--secure-port', '8443', '--bind-address', '127.0.0.1'], stderr: PASSED },
  { name: 'BERTH_SECURE_PORT is --secure-port', args: [], env: { BERTH_SECURE_PORT: '70000' }, stderr: PORT },
  { name: '--secure-port wins over BERTH_SECURE_PORT', args: ['--secure-port', '0'], env: { BERTH_SECURE_PORT: '70000' }, stderr: PASSED },
  { name: 'BERTH_BIND_ADDRESS is --bind-address', args: [], env: { BERTH_BIND_ADDRESS: 'nope' }, stderr: 'berth: --bind-address "nope" is not an IP address (e.g. 0.0.0.0, 127.0.0.1 or ::)\n' },
  { name: '--bind-address wins over BERTH_BIND_ADDRESS', args: ['--bind-address', '::'], env: { BERTH_BIND_ADDRESS: 'nope' }, stderr: PASSED },
  { name: 'BERTH_TLS_CERT_FILE is --tls-cert-file', args: [], env: { BERTH_TLS_CERT_FILE: '/x.crt' }, stderr: TOGETHER },
  {
    name: 'BERTH_TLS_PRIVATE_KEY_FILE is --tls-private-key-file',
    args: ['--tls-cert-file', '/nowhere/a.crt'],
    env: { BERTH_TLS_PRIVATE_KEY_FILE: '/nowhere/a.key' },
    stderr: "berth: --tls-cert-file: cannot read /nowhere/a.crt: ENOENT: no such file or directory, open '/nowhere/a.crt'\n",
  },
])('$name', async ({ args, env, stderr }) => {
  const got = await berth(['run', ...NO_KUBECONFIG, '--leader-elect=false', ...args], env);
  expect(got).toEqual({ code: 2, stdout: '', stderr });
}, 20_000);
