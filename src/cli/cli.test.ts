// The berth command line, driven as users drive it: src/cli/main.ts in a
// child Node (process.execPath: the Node 24 that runs jest), reading its exit
// code, stdout and stderr. No cluster is needed: every case ends before
// Berth would connect, and a trap proves it. The children's KUBECONFIG (and
// some cases' --kubeconfig) points at a loopback TCP server that counts
// connections; the cases assert it saw none. HOME is an empty folder (no
// ~/.kube/config) and the in-cluster variables are unset.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBERNETES_API_VERSION } from './version.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = join(root, 'src', 'cli', 'main.ts');
const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const TOKEN = 'cli-test-bearer-token-3f9a';

let dir: string;
let trap: Server;
let trapConnections = 0;
let trapKubeconfig: string;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without Berth's and Kubernetes' variables, HOME empty, KUBECONFIG the trap. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('BERTH_') || k === 'KUBECONFIG' || k.startsWith('KUBERNETES_')) continue;
    base[k] = v;
  }
  return { ...base, HOME: dir, KUBECONFIG: trapKubeconfig, ...env };
}

/** Children still running: afterAll kills them, so none outlives a failed case. */
const running = new Set<ChildProcess>();
/** A case's limit: longer than berth()'s, so a berth that runs on is killed and reported, not left behind. */
const CASE_MS = 20_000;

/** Runs `berth <args>` with childEnv(env); kills it after 15 s (a run that got past validation). */
function berth(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const child = spawn(process.execPath, [main, ...args], { cwd: root, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      done({ code, signal, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-cli-test-'));
  // It hangs up at once: a client that reaches it fails fast and retries, so that it can be stopped at once.
  trap = createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((ok) => trap.listen(0, '127.0.0.1', ok));
  const { port } = trap.address() as AddressInfo;
  trapKubeconfig = file(
    'trap-kubeconfig.yaml',
    `apiVersion: v1
kind: Config
clusters: [{ name: trap, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: trap, user: { token: ${TOKEN} } }]
contexts: [{ name: trap, context: { cluster: trap, user: trap } }]
current-context: trap
`,
  );
});

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await new Promise((ok) => trap.close(ok));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  trapConnections = 0;
});

const USAGE_HINT = 'Run "berth --help" for usage.\n';

describe('help', () => {
  test.each([['--help'], ['-h']])('berth %s lists the commands and exits 0', async (flag) => {
    const got = await berth([flag]);
    expect([got.code, got.stderr]).toEqual([0, '']);
    expect(got.stdout).toMatch(/^berth <command> \[options\]\n\nCommands:\n/);
    expect(got.stdout).toMatch(/^ {2}berth run +Run the scheduler against a cluster/m);
    expect(got.stdout).toMatch(/^ {2}berth dev +Try Berth out/m);
    expect(got.stdout).toMatch(/^ {2}berth version +Print the version of Berth/m);
    expect(got.stdout).toMatch(/^ {2}-h, --help +Show help/m);
    // --version is not a flag (the version command is).
    expect(got.stdout).not.toContain('--version');
  }, CASE_MS);

  test('berth run --help lists every option with its type and default', async () => {
    const got = await berth(['run', '--help']);
    expect([got.code, got.stderr]).toEqual([0, '']);
    const text = got.stdout;
    expect(text).toMatch(/^berth run\n\nRun the scheduler against a cluster/);
    // An option's entry: its line and the wrapped lines under it, up to the next option.
    const entry = (flag: string): string => {
      const lines = text.split('\n');
      const first = lines.findIndex((l) => new RegExp(`^ +--${flag} `).test(l));
      const rest = lines.slice(first + 1);
      const end = rest.findIndex((l) => l.trim() === '' || /^ {2}(-\w, | {4})--/.test(l));
      return [lines[first], ...rest.slice(0, end)].join(' ').replace(/\s+/g, ' ');
    };
    expect(entry('kubeconfig')).toMatch(/Path to a kubeconfig; default: \$KUBECONFIG, ~\/\.kube\/config, then in-cluster \[string\]/);
    expect(entry('scheduler-name')).toMatch(/The default profile's schedulerName \[string\] \[default: "berth"\]/);
    expect(entry('config')).toMatch(/Scheduler configuration file \(YAML\).*\[string\]/);
    expect(entry('leader-elect')).toMatch(/Elect a leader on a Lease.*\(--leader-elect=false: a single replica\) \[boolean\] \[default: true\]/);
    expect(entry('leader-elect-resource-name')).toMatch(/Name of the Lease .*\[string\] \[default: "berth"\]/);
    expect(entry('leader-elect-resource-namespace')).toMatch(/default: the namespace Berth runs in .*, else kube-system \[string\]$/);
    expect(entry('leader-elect-lease-duration')).toMatch(/\[string\] \[default: "15s"\]/);
    expect(entry('leader-elect-renew-deadline')).toMatch(/\[string\] \[default: "10s"\]/);
    expect(entry('leader-elect-retry-period')).toMatch(/\[string\] \[default: "2s"\]/);
    expect(entry('log-level')).toMatch(/Log level \[choices: "trace", "debug", "info", "warn", "error", "fatal", "silent"\] \[default: "info"\]/);
    expect(entry('bind-concurrency')).toMatch(/Binds in flight at once \[number\] \[default: 64\]/);
    // Fits the width it wraps to when stdout is not a terminal.
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(trapConnections).toBe(0);
  }, CASE_MS);

  test('berth dev --help lists its options', async () => {
    const got = await berth(['dev', '--help']);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/--log-level +Log level of the scheduler/);
    expect(got.stdout).toMatch(/--workload +A YAML file of pods to submit/);
  }, CASE_MS);
});

describe('usage errors exit 2 with the reason and a pointer to --help', () => {
  const table: { name: string; args: string[]; env?: Record<string, string>; stderr: string }[] = [
    { name: 'no command', args: [], stderr: `berth: Name a command: run, dev or version.\n${USAGE_HINT}` },
    { name: 'an unknown flag', args: ['run', '--kube-config', 'x'], stderr: `berth: Unknown argument: kube-config\n${USAGE_HINT}` },
    { name: 'a camelCase flag (flags have one spelling)', args: ['run', '--schedulerName', 'x'], stderr: `berth: Unknown argument: schedulerName\n${USAGE_HINT}` },
    { name: 'an unknown top-level flag', args: ['--verbose=1', 'version'], stderr: `berth: Unknown argument: verbose\n${USAGE_HINT}` },
    { name: 'a stray argument', args: ['run', 'now'], stderr: `berth: Unknown argument: now\n${USAGE_HINT}` },
    { name: 'a misspelt command', args: ['rnu'], stderr: `berth: Unknown command: rnu. Did you mean run?\n${USAGE_HINT}` },
    { name: 'an unknown flag of version', args: ['version', '--short'], stderr: `berth: Unknown argument: short\n${USAGE_HINT}` },
    {
      name: 'a log level that is not one',
      args: ['run', '--log-level', 'loud'],
      stderr: `berth: Invalid values:\n  Argument: log-level, Given: "loud", Choices: "trace", "debug", "info", "warn", "error", "fatal", "silent"\n${USAGE_HINT}`,
    },
    {
      name: 'a lease duration that is not a duration',
      args: ['run', '--leader-elect-lease-duration', '15'],
      stderr: 'berth: --leader-elect-lease-duration: "15" is not a duration (a Go duration such as 15s, 500ms or 1m30s)\n',
    },
    {
      name: 'a lease duration not above the renew deadline',
      args: ['run', '--leader-elect-lease-duration=10s'],
      stderr: 'berth: --leader-elect-lease-duration (10s) must be greater than --leader-elect-renew-deadline (10s)\n',
    },
    {
      name: 'a renew deadline not above the retry period with its jitter',
      args: ['run', '--leader-elect', '--leader-elect-renew-deadline', '2s', '--kubeconfig', '/nowhere'],
      stderr: 'berth: --leader-elect-renew-deadline (2s) must be greater than --leader-elect-retry-period (2s) times 1.2, its jitter\n',
    },
    {
      name: 'a retry period of zero',
      args: ['run', '--leader-elect-retry-period', '0s'],
      stderr: 'berth: --leader-elect-retry-period must be greater than zero\n',
    },
    {
      name: 'a Lease name that is not a DNS subdomain',
      args: ['run', '--leader-elect-resource-name', 'Berth'],
      stderr:
        'berth: --leader-elect-resource-name "Berth" is not a valid Lease name: a lowercase RFC 1123 subdomain (a-z, 0-9, \'-\' and \'.\', starting and ending with a letter or digit)\n',
    },
    { name: '--bind-concurrency 0', args: ['run', '--bind-concurrency', '0'], stderr: 'berth: --bind-concurrency must be a positive integer\n' },
    { name: '--bind-concurrency -4', args: ['run', '--bind-concurrency=-4'], stderr: 'berth: --bind-concurrency must be a positive integer\n' },
    { name: '--bind-concurrency 1.5', args: ['run', '--bind-concurrency', '1.5'], stderr: 'berth: --bind-concurrency must be a positive integer\n' },
    { name: '--bind-concurrency many', args: ['run', '--bind-concurrency', 'many'], stderr: 'berth: --bind-concurrency must be a positive integer\n' },
    {
      name: 'a kubeconfig that is not there',
      args: ['run', '--kubeconfig', '/nowhere/kubeconfig'],
      stderr: 'berth: cannot load cluster configuration: kubeconfig /nowhere/kubeconfig does not exist\n',
    },
  ];
  test.each(table)('$name', async ({ args, env, stderr }) => {
    const got = await berth(args, env);
    expect(got).toEqual({ code: 2, signal: null, stdout: '', stderr });
    expect(trapConnections).toBe(0);
  }, CASE_MS);
});

describe('berth version', () => {
  test('prints the version, git commit, node and kubernetes api lines', async () => {
    const got = await berth(['version']);
    expect([got.code, got.stderr]).toEqual([0, '']);
    expect(got.stdout).toMatch(
      new RegExp(
        `^berth ${packageVersion.replaceAll('.', '\\.')}\\n` +
          ' {2}git commit: {6}([0-9a-f]{12}|unknown)\\n' +
          ` {2}node: {12}${process.version.replaceAll('.', '\\.')}\\n` +
          ` {2}kubernetes api: {2}${KUBERNETES_API_VERSION.replaceAll('.', '\\.')}\\n$`,
      ),
    );
    expect(KUBERNETES_API_VERSION).toMatch(/^v1\.\d+$/);
  }, CASE_MS);

  test('BERTH_GIT_COMMIT names the commit (builds without .git)', async () => {
    const got = await berth(['version'], { BERTH_GIT_COMMIT: 'abc123def456' });
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('\n  git commit:      abc123def456\n');
  }, CASE_MS);
});

describe('berth run --config: a bad configuration exits 2 with the file and field path, before any cluster', () => {
  const table: { name: string; text: string; stderr: string }[] = [
    {
      name: 'an unknown field',
      text: 'apiVersion: berth.dev/v1alpha1\nkind: BerthSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabledd: [{ name: ImageLocality }]\n',
      stderr: 'berth: {file}: invalid scheduler configuration:\n  profiles[0].plugins.score.enabledd: unknown field\n',
    },
    {
      name: 'an unknown plugin (found while resolving, still named with the file)',
      text: 'profiles:\n- plugins:\n    score:\n      enabled: [{ name: VolumeZone, weight: 2 }]\n',
      stderr: 'berth: {file}: invalid scheduler configuration:\n  profiles[0].plugins.score.enabled[0].name: plugin "VolumeZone" is not registered\n',
    },
    {
      name: 'plugin args',
      text: 'profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: { scoringStrategy: { type: Spread } }\n',
      stderr:
        'berth: {file}: invalid scheduler configuration:\n' +
        '  profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Spread": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"\n',
    },
    {
      name: 'a YAML syntax error',
      text: 'profiles:\n  - schedulerName: a\n   plugins: {}\n',
      stderr: 'berth: invalid scheduler configuration:\n  {file}:3:1: Sequence item without - indicator\n',
    },
  ];
  test.each(table)('$name', async ({ name, text, stderr }) => {
    const path = file(`${name.replace(/\W+/g, '-')}.yaml`, text);
    const got = await berth(['run', '--kubeconfig', trapKubeconfig, '--leader-elect=false', '--config', path]);
    expect(got).toEqual({ code: 2, signal: null, stdout: '', stderr: stderr.replaceAll('{file}', path) });
    expect(trapConnections).toBe(0);
  }, CASE_MS);

  test('a file that is not there', async () => {
    const path = join(dir, 'missing.yaml');
    const got = await berth(['run', '--config', path]);
    expect(got).toEqual({
      code: 2,
      signal: null,
      stdout: '',
      stderr: `berth: ${path}: invalid scheduler configuration:\n  cannot read: ENOENT: no such file or directory, open '${path}'\n`,
    });
    expect(trapConnections).toBe(0);
  }, CASE_MS);
});

describe('BERTH_* variables mirror the flags of berth run; a flag wins over its variable', () => {
  // Berth stops before any cluster in every case, so what it read shows in
  // which error comes first, or in the profile names a config error reports.
  let profiles: string;
  let missing: string;
  beforeAll(() => {
    // Profile "taken", then one named by --scheduler-name; the second also has a bad percentage,
    // so that the run stops before a cluster whatever the name.
    profiles = file('profiles.yaml', 'profiles:\n- schedulerName: taken\n- percentageOfNodesToScore: 101\n');
    missing = join(dir, 'missing-config.yaml');
  });
  const percentage = '  profiles[1].percentageOfNodesToScore: must be in the range [0, 100]\n';
  const duplicate = '  profiles[1].schedulerName: duplicate profile "taken"\n';
  const notThere = (path: string) => `berth: ${path}: invalid scheduler configuration:\n  cannot read: ENOENT: no such file or directory, open '${path}'\n`;

  const table: { name: string; args: (p: string) => string[]; env: (p: string) => Record<string, string>; stderr: (p: string) => string }[] = [
    {
      name: 'BERTH_SCHEDULER_NAME names the default profile',
      args: (p) => ['run', '--config', p],
      env: () => ({ BERTH_SCHEDULER_NAME: 'taken' }),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${duplicate}${percentage}`,
    },
    {
      name: '--scheduler-name wins over BERTH_SCHEDULER_NAME',
      args: (p) => ['run', '--config', p, '--scheduler-name', 'other'],
      env: () => ({ BERTH_SCHEDULER_NAME: 'taken' }),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${percentage}`,
    },
    {
      name: '--scheduler-name alone',
      args: (p) => ['run', '--config', p, '--scheduler-name=taken'],
      env: () => ({}),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${duplicate}${percentage}`,
    },
    {
      name: 'BERTH_LOG_LEVEL is checked as --log-level is',
      args: () => ['run'],
      env: () => ({ BERTH_LOG_LEVEL: 'loud' }),
      stderr: () =>
        `berth: Invalid values:\n  Argument: log-level, Given: "loud", Choices: "trace", "debug", "info", "warn", "error", "fatal", "silent"\n${USAGE_HINT}`,
    },
    {
      name: '--log-level wins over BERTH_LOG_LEVEL',
      args: (p) => ['run', '--log-level', 'debug', '--config', p],
      env: () => ({ BERTH_LOG_LEVEL: 'loud' }),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${percentage}`,
    },
    {
      name: 'BERTH_CONFIG is --config',
      args: () => ['run'],
      env: () => ({ BERTH_CONFIG: missing }),
      stderr: () => notThere(missing),
    },
    {
      name: '--config wins over BERTH_CONFIG',
      args: (p) => ['run', '--config', p],
      env: () => ({ BERTH_CONFIG: missing }),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${percentage}`,
    },
    {
      name: 'BERTH_LEADER_ELECT_RENEW_DEADLINE is --leader-elect-renew-deadline',
      args: () => ['run'],
      env: () => ({ BERTH_LEADER_ELECT_RENEW_DEADLINE: '20s' }),
      stderr: () => 'berth: --leader-elect-lease-duration (15s) must be greater than --leader-elect-renew-deadline (20s)\n',
    },
    {
      name: '--leader-elect-lease-duration wins over BERTH_LEADER_ELECT_LEASE_DURATION',
      args: (p) => ['run', '--leader-elect-lease-duration', '30s', '--config', p],
      env: () => ({ BERTH_LEADER_ELECT_LEASE_DURATION: 'soon' }),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${percentage}`,
    },
    {
      name: 'BERTH_LEADER_ELECT_RESOURCE_NAMESPACE is --leader-elect-resource-namespace',
      args: () => ['run'],
      env: () => ({ BERTH_LEADER_ELECT_RESOURCE_NAMESPACE: 'Kube_System' }),
      stderr: () =>
        'berth: --leader-elect-resource-namespace "Kube_System" is not a valid namespace: a lowercase RFC 1123 label (a-z, 0-9 and \'-\', starting and ending with a letter or digit, at most 63 characters)\n',
    },
    {
      name: 'BERTH_LEADER_ELECT=false: the election flags are not checked',
      args: (p) => ['run', '--leader-elect-retry-period', 'never', '--config', p],
      env: () => ({ BERTH_LEADER_ELECT: 'false' }),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${percentage}`,
    },
    {
      name: '--leader-elect wins over BERTH_LEADER_ELECT=false',
      args: () => ['run', '--leader-elect', '--leader-elect-retry-period', 'never'],
      env: () => ({ BERTH_LEADER_ELECT: 'false' }),
      stderr: () => 'berth: --leader-elect-retry-period: "never" is not a duration (a Go duration such as 15s, 500ms or 1m30s)\n',
    },
    {
      name: 'BERTH_BIND_CONCURRENCY=0',
      args: () => ['run'],
      env: () => ({ BERTH_BIND_CONCURRENCY: '0' }),
      stderr: () => 'berth: --bind-concurrency must be a positive integer\n',
    },
    {
      name: '--bind-concurrency wins over BERTH_BIND_CONCURRENCY',
      args: () => ['run', '--bind-concurrency', '8', '--kubeconfig', '/nowhere/kubeconfig'],
      env: () => ({ BERTH_BIND_CONCURRENCY: '0' }),
      stderr: () => 'berth: cannot load cluster configuration: kubeconfig /nowhere/kubeconfig does not exist\n',
    },
    {
      name: 'BERTH_KUBECONFIG is --kubeconfig',
      args: () => ['run'],
      env: () => ({ BERTH_KUBECONFIG: '/nowhere/kubeconfig' }),
      stderr: () => 'berth: cannot load cluster configuration: kubeconfig /nowhere/kubeconfig does not exist\n',
    },
    {
      // BERTH_GIT_COMMIT (berth version) and the test harness's BERTH_TEST_* are not flags:
      // they used to make every `berth run` fail with "Unknown arguments: gitCommit, testKubeconfig".
      name: 'other BERTH_* variables are not flags, and not errors',
      args: (p) => ['run', '--config', p],
      env: () => ({ BERTH_GIT_COMMIT: 'abc', BERTH_TEST_KUBECONFIG: '/x', BERTH_KUBE_ASSETS: '/y' }),
      stderr: (p) => `berth: ${p}: invalid scheduler configuration:\n${percentage}`,
    },
  ];
  test.each(table)('$name', async ({ args, env, stderr }) => {
    const got = await berth(args(profiles), env(profiles));
    expect(got).toEqual({ code: 2, signal: null, stdout: '', stderr: stderr(profiles) });
    expect(trapConnections).toBe(0);
  }, CASE_MS);

  test('BERTH_LOG_LEVEL mirrors --log-level of berth dev too', async () => {
    const got = await berth(['dev'], { BERTH_LOG_LEVEL: 'loud' });
    expect([got.code, got.stderr]).toEqual([2, expect.stringContaining('Argument: log-level, Given: "loud"')]);
  }, CASE_MS);
});

describe('the trap', () => {
  // The cases above assert that Berth never connected; this one shows that
  // a run that gets past validation does connect, so their silence means
  // something. Berth reaches for the trap, then exits on SIGTERM, and never
  // prints the kubeconfig's token.
  test.each([
    ['one replica', ['--leader-elect=false']],
    ['leader election (the default)', ['--leader-elect-lease-duration=20s']],
  ])('a valid run connects to the kubeconfig from KUBECONFIG: %s', async (_name, flags) => {
    // --secure-port=0: no HTTPS server, so that these runs never contend for 10259 with other tests.
    const child = spawn(process.execPath, [main, 'run', ...flags, '--secure-port=0', '--log-level', 'debug'], {
      cwd: root,
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (trapConnections === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(trapConnections).toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"shutting down"');
      expect(output).not.toContain(TOKEN);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
