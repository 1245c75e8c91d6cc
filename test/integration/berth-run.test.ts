// `berth run` as operators run it: the CLI (src/cli/main.ts under this
// process's Node 24) in a child process against the harness's
// kube-apiserver, with its kubeconfig. It schedules a pod that names it onto
// the node made for this test, records the Scheduled event, logs JSON (stdout
// is not a terminal) without the kubeconfig's bearer token, and exits 0 soon
// after SIGTERM. Everything is checked from the API.
import { CoreV1Api, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import { killAll, spawnBerth, waitFor, type BerthProcess } from '../harness/berth-process.ts';
import { createNamespace, nodeObject, testKubeConfig, uniqueName } from '../harness/kube.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const schedulerName = uniqueName('berth-run');
const nodeName = uniqueName('berth-run-node');
// The node is this test's alone: its pod selects it by label, and a taint that only its pod tolerates
// keeps the pods of other test files (other schedulers, some without selectors) off it.
const LABEL = 'berth-test/berth-run';
const labelValue = uniqueName('n');

let namespace: string;
let berth: BerthProcess;

beforeAll(async () => {
  namespace = await createNamespace(core, 'berth-run');
  const node = nodeObject({ name: nodeName, labels: { [LABEL]: labelValue } });
  node.spec = { taints: [{ key: LABEL, value: labelValue, effect: 'NoSchedule' }] };
  await core.createNode({ body: node });

  berth = spawnBerth([
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
  ]);
  await waitFor('berth to start scheduling', () => berth.logged('scheduling'), { watch: [berth] });
}, 60_000);

afterAll(async () => {
  // Whatever happened above, no berth outlives the file.
  await killAll();
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

    const bound = await waitFor(
      'the pod bound',
      async () => {
        const p = await core.readNamespacedPod({ namespace, name: 'web' });
        return p.spec?.nodeName ? p : undefined;
      },
      { watch: [berth] },
    );
    expect(bound.spec!.nodeName).toBe(nodeName);
    expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');

    const scheduled = await waitFor<CoreV1Event>(
      'the Scheduled event',
      async () => {
        const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=web' });
        return events.items.find((e) => e.reason === 'Scheduled');
      },
      { watch: [berth] },
    );
    expect([scheduled.type, scheduled.message, scheduled.involvedObject.kind]).toEqual([
      'Normal',
      `Successfully assigned ${namespace}/web to ${nodeName}`,
      'Pod',
    ]);

    const signalled = Date.now();
    berth.kill('SIGTERM');
    expect(await berth.exitWithin(5_000, 'still running 5 s after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5_000);

    // Logs: JSON lines on stdout (not a terminal), nothing on stderr, the lifecycle in order.
    expect(berth.stderr).toBe('');
    const lines = berth.lines();
    const messages = lines.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['kubernetes client ready', 'scheduling', 'shutting down']));
    expect(messages.indexOf('scheduling')).toBeLessThan(messages.indexOf('shutting down'));
    expect(lines.find((l) => l.msg === 'scheduling')).toMatchObject({ name: 'berth', profiles: [schedulerName] });
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });

    // Not the token, at debug level, anywhere in what it wrote.
    const token = kc.getCurrentUser()?.token;
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(berth.stdout).not.toContain(token);
    expect(berth.stderr).not.toContain(token);
  }, 60_000);
});
