// `berth run` as operators run it: the CLI (src/cli/main.ts under this
// process's Node 24) in a child process against the harness's
// kube-apiserver, with its kubeconfig. It schedules a pod that names it onto
// the node made for this test, records the Scheduled event, logs JSON (stdout
// is not a terminal) without the kubeconfig's bearer token, and exits 0 soon
// after SIGTERM. Everything is checked from the API.
import { CoreV1Api, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNamespace, nodeObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const schedulerName = uniqueName('berth-run');
const nodeName = uniqueName('berth-run-node');
// The node is this test's alone: its pod selects it by label, and a taint that only its pod tolerates
// keeps the pods of other test files (other schedulers, some without selectors) off it.
const LABEL = 'berth-test/berth-run';
const labelValue = uniqueName('n');

let namespace: string;
let child: ChildProcessWithoutNullStreams | undefined;
let stdout = '';
let stderr = '';
let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

function output(): string {
  return `--- berth stdout ---\n${stdout}\n--- berth stderr ---\n${stderr}`;
}

/** Polls `check` until it returns a value; fails early, with Berth's output, if Berth exits. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (exited) throw new Error(`berth exited (${JSON.stringify(exited)}) while waiting for ${what}\n${output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function logLines(): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  namespace = await createNamespace(core, 'berth-run');
  const node = nodeObject({ name: nodeName, labels: { [LABEL]: labelValue } });
  node.spec = { taints: [{ key: LABEL, value: labelValue, effect: 'NoSchedule' }] };
  await core.createNode({ body: node });

  // The environment is this process's: it holds the harness's BERTH_TEST_* variables, which are not flags.
  const spawned = spawn(
    process.execPath,
    [
      join(root, 'src', 'cli', 'main.ts'),
      'run',
      '--kubeconfig',
      process.env.BERTH_TEST_KUBECONFIG!,
      '--leader-elect=false',
      // No HTTPS server: observability.test.ts covers it, on a port of its own.
      '--secure-port=0',
      '--scheduler-name',
      schedulerName,
      '--log-level',
      'debug',
    ],
    { cwd: root, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child = spawned;
  spawned.stdin.end();
  spawned.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  spawned.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  exit = new Promise((done) =>
    spawned.on('close', (code, signal) => {
      exited = { code, signal };
      done(exited);
    }),
  );
  await waitFor('berth to start scheduling', () => Promise.resolve(stdout.includes('"msg":"scheduling"') ? true : undefined));
}, 60_000);

afterAll(async () => {
  // Whatever happened above, no berth outlives the file.
  if (child && !exited) {
    child.kill('SIGKILL');
    await exit;
  }
  await core.deleteNode({ name: nodeName }).catch(() => {});
  await core.deleteNamespace({ name: namespace }).catch(() => {});
});

describe('berth run against a real cluster', () => {
  test('binds a pod that names it, records Scheduled, exits 0 on SIGTERM, never logs the token', async () => {
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace },
      spec: {
        schedulerName,
        nodeSelector: { [LABEL]: labelValue },
        tolerations: [{ key: LABEL, operator: 'Equal', value: labelValue, effect: 'NoSchedule' }],
        containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
      },
    };
    await core.createNamespacedPod({ namespace, body: pod });

    const bound = await waitFor('the pod bound', async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'web' });
      return p.spec?.nodeName ? p : undefined;
    });
    expect(bound.spec!.nodeName).toBe(nodeName);
    expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');

    const scheduled = await waitFor<CoreV1Event>('the Scheduled event', async () => {
      const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=web' });
      return events.items.find((e) => e.reason === 'Scheduled');
    });
    expect([scheduled.type, scheduled.message, scheduled.involvedObject.kind]).toEqual([
      'Normal',
      `Successfully assigned ${namespace}/web to ${nodeName}`,
      'Pod',
    ]);

    const signalled = Date.now();
    child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([exit, new Promise<'still running 5 s after SIGTERM'>((r) => (timer = setTimeout(() => r('still running 5 s after SIGTERM'), 5_000)))]);
    clearTimeout(timer);
    expect(result).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5_000);

    // Logs: JSON lines on stdout (not a terminal), nothing on stderr, the lifecycle in order.
    expect(stderr).toBe('');
    const lines = logLines();
    const messages = lines.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['kubernetes client ready', 'scheduling', 'shutting down']));
    expect(messages.indexOf('scheduling')).toBeLessThan(messages.indexOf('shutting down'));
    expect(lines.find((l) => l.msg === 'scheduling')).toMatchObject({ name: 'berth', profiles: [schedulerName] });
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });

    // Not the token, at debug level, anywhere in what it wrote.
    const token = kc.getCurrentUser()?.token;
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(stdout).not.toContain(token);
    expect(stderr).not.toContain(token);
  }, 60_000);
});
