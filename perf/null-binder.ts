// The null binder: the least any scheduler must do per pod through the API,
// as a process of its own so that its CPU and memory are measured like a
// scheduler's. It watches the unbound pods with the given schedulerName and
// binds each to the next node round-robin, no filtering and no scoring,
// through Berth's KubeClusterClient (the keep-alive pool and informers that
// `berth run` uses), then writes that pod's Scheduled Event (unless
// --no-events), with --concurrency pods in flight. A pod's slot is held until
// its Event is written: every Event is written inside the measured span.
// (The client's own Event sink is not used for them: it drops Events when
// its 1000-deep queue is full, which a burst of binds does.)
//
// Started by perf/e2e.ts; prints "ready" on stdout once its informers synced.
//
//   node perf/null-binder.ts --kubeconfig FILE --scheduler-name NAME [--no-events] [--concurrency 64]
import { parseArgs } from 'node:util';
import type { Node, Pod } from '../src/api/types.ts';
import { createKubeClusterClient } from '../src/cluster/kube/index.ts';
import { connectionSettings, loadKubeConfig } from '../src/cluster/kube/kubeconfig.ts';
import { silentKubeLogger } from '../src/cluster/kube/logger.ts';
import { eventBody, eventsPath, nowMicros } from '../src/cluster/kube/requests.ts';
import { KubeTransport } from '../src/cluster/kube/transport.ts';

const { values } = parseArgs({
  allowNegative: true,
  options: {
    kubeconfig: { type: 'string' },
    'scheduler-name': { type: 'string', default: 'perf-scheduler' },
    events: { type: 'boolean', default: true },
    concurrency: { type: 'string', default: '64' },
  },
});
const schedulerName = values['scheduler-name'];
const concurrency = Number(values.concurrency);

const identity = `null-binder-${process.pid}`;
const client = createKubeClusterClient({ kubeconfigPath: values.kubeconfig, identity, schedulerName: 'null-binder' });
const eventTransport = new KubeTransport({
  settings: connectionSettings(loadKubeConfig(values.kubeconfig), silentKubeLogger),
  maxConnections: 16,
  http2: true,
  userAgent: 'berth-perf-null-binder',
  requestTimeoutMs: 60_000,
  logger: silentKubeLogger,
});
let sequence = 0;
let eventsFailed = 0;
const nodes: string[] = [];
const pending: Pod[] = [];
const seen = new Set<string>();
let next = 0;
let inFlight = 0;
let bound = 0;
let failed = 0;

function pump(): void {
  while (inFlight < concurrency && pending.length > 0 && nodes.length > 0) {
    const pod = pending.shift()!;
    const nodeName = nodes[next++ % nodes.length]!;
    const ref = { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! };
    inFlight++;
    client
      .bind(ref, nodeName)
      .then(
        async () => {
          bound++;
          if (!values.events) return;
          const body = eventBody(
            {
              regarding: { kind: 'Pod', ...ref, apiVersion: 'v1' },
              type: 'Normal',
              reason: 'Scheduled',
              action: 'Binding',
              note: `Successfully assigned ${ref.namespace}/${ref.name} to ${nodeName}`,
            },
            { controller: 'null-binder', instance: identity },
            nowMicros(),
            sequence++,
          );
          await eventTransport.call('POST', eventsPath(ref.namespace), { body }).catch(() => eventsFailed++);
        },
        (err: unknown) => {
          failed++;
          if (failed <= 10) process.stderr.write(`bind ${ref.namespace}/${ref.name} failed: ${(err as Error).message}\n`);
        },
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  }
}

const nodeInformer = client.informer('nodes', {
  onAdd: (n: Node) => {
    nodes.push(n.metadata!.name!);
  },
  onUpdate: () => {},
  onDelete: (n: Node) => {
    const i = nodes.indexOf(n.metadata!.name!);
    if (i >= 0) nodes.splice(i, 1);
  },
});
const podInformer = client.informer(
  'pods',
  {
    onAdd: (p: Pod) => {
      if (p.spec?.nodeName || seen.has(p.metadata!.uid!)) return;
      seen.add(p.metadata!.uid!);
      pending.push(p);
      pump();
    },
    onUpdate: () => {},
    onDelete: () => {},
  },
  { fieldSelector: `spec.schedulerName=${schedulerName},spec.nodeName=` },
);
await nodeInformer.start();
await podInformer.start();
process.stdout.write(`ready: ${nodes.length} nodes\n`);
pump();

const stop = () => {
  process.stderr.write(`null binder: ${bound} bound, ${failed} failed, ${eventsFailed} events failed\n`);
  void Promise.all([client.close(), eventTransport.close(1000)]).finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
