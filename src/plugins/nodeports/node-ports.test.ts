// Ported from upstream pkg/scheduler/framework/plugins/nodeports/node_ports_test.go
// (TestNodePorts, TestFits) and HostPortInfo.CheckConflict's wildcard rule.
import type { ContainerPort, Pod } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle, PodInfo } from '../../framework/interfaces.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { ErrReason, factory, name } from './node-ports.ts';

const handle: Handle = testHandle();
const verdict = (s: Result) => (s === null ? null : { code: s.code, reasons: s.reasons });
const CONFLICT = { code: Code.Unschedulable, reasons: [ErrReason] };
const SKIP = { code: Code.Skip, reasons: [] };

let seq = 0;
/** upstream's newPod(host, "PROTOCOL/hostIP/port"...) */
function podObj(node: string | undefined, ...specs: string[]): Pod {
  const ports: ContainerPort[] = specs.map((s) => {
    const [protocol, hostIP, port] = s.split('/');
    return { protocol: protocol!, hostIP: hostIP!, hostPort: Number(port), containerPort: Number(port) };
  });
  const b = makePod(`p${++seq}`).container({ name: 'c', image: 'img', ports });
  if (node) b.node(node);
  return b.obj();
}

function withInitPorts(sidecar: boolean, ports: ContainerPort[]): PodInfo {
  const pod = makePod(`p${++seq}`).obj();
  pod.spec!.initContainers = [{ name: 'init', image: 'img', ports, ...(sidecar ? { restartPolicy: 'Always' } : {}) }];
  return newPodInfo(pod);
}

function run(pod: PodInfo, existing: string[][]): { pre: ReturnType<typeof verdict>; filter: ReturnType<typeof verdict> } {
  const snap = buildSnapshot(
    [makeNode('m1').obj()],
    existing.map((specs) => podObj('m1', ...specs)),
  );
  const plugin = factory(undefined, handle);
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod, snap.table);
  if (pre.status?.code === Code.Skip) return { pre: verdict(pre.status), filter: null };
  return { pre: verdict(pre.status), filter: verdict(plugin.filter(state, pod, snap.view('m1'))) };
}

describe('NodePorts (upstream TestNodePorts)', () => {
  test.each<[string, PodInfo, string[][], boolean]>([
    ['other port', newPodInfo(podObj(undefined, 'UDP/127.0.0.1/8080')), [['UDP/127.0.0.1/9090']], true],
    ['same udp port', newPodInfo(podObj(undefined, 'UDP/127.0.0.1/8080')), [['UDP/127.0.0.1/8080']], false],
    ['same tcp port', newPodInfo(podObj(undefined, 'TCP/127.0.0.1/8080')), [['TCP/127.0.0.1/8080']], false],
    ['different host ip', newPodInfo(podObj(undefined, 'TCP/127.0.0.1/8080')), [['TCP/127.0.0.2/8080']], true],
    ['different protocol', newPodInfo(podObj(undefined, 'UDP/127.0.0.1/8080')), [['TCP/127.0.0.1/8080']], true],
    ['second udp port conflict', newPodInfo(podObj(undefined, 'UDP/127.0.0.1/8000', 'UDP/127.0.0.1/8080')), [['UDP/127.0.0.1/8080']], false],
    ['first tcp port conflict', newPodInfo(podObj(undefined, 'TCP/127.0.0.1/8001', 'UDP/127.0.0.1/8080')), [['TCP/127.0.0.1/8001', 'UDP/127.0.0.1/8081']], false],
    ['first tcp port conflict due to 0.0.0.0 hostIP', newPodInfo(podObj(undefined, 'TCP/0.0.0.0/8001')), [['TCP/127.0.0.1/8001']], false],
    ['TCP hostPort conflict due to 0.0.0.0 hostIP', newPodInfo(podObj(undefined, 'TCP/10.0.10.10/8001', 'TCP/0.0.0.0/8001')), [['TCP/127.0.0.1/8001']], false],
    ['second tcp port conflict to 0.0.0.0 hostIP', newPodInfo(podObj(undefined, 'TCP/127.0.0.1/8001')), [['TCP/0.0.0.0/8001']], false],
    ['second different protocol', newPodInfo(podObj(undefined, 'UDP/127.0.0.1/8001')), [['TCP/0.0.0.0/8001']], true],
    ['UDP hostPort conflict due to 0.0.0.0 hostIP', newPodInfo(podObj(undefined, 'UDP/127.0.0.1/8001')), [['TCP/0.0.0.0/8001', 'UDP/0.0.0.0/8001']], false],
    [
      'TCP hostPort conflict from sidecar initContainer',
      withInitPorts(true, [{ containerPort: 8001, hostPort: 8001, protocol: 'TCP' }]),
      [['TCP/0.0.0.0/8001']],
      false,
    ],
    // Berth
    ['an empty hostIP means 0.0.0.0 on the pod side', newPodInfo(podObj(undefined, 'TCP//8001')), [['TCP/127.0.0.1/8001']], false],
    ['an empty hostIP means 0.0.0.0 on the node side', newPodInfo(podObj(undefined, 'TCP/127.0.0.1/8001')), [['TCP//8001']], false],
    ['an empty protocol means TCP', newPodInfo(podObj(undefined, '/127.0.0.1/8001')), [['TCP/127.0.0.1/8001']], false],
    ['a hostIP no node uses conflicts only with 0.0.0.0', newPodInfo(podObj(undefined, 'TCP/10.9.9.9/8001')), [['TCP/127.0.0.1/8001']], true],
    ['SCTP on the same port conflicts', newPodInfo(podObj(undefined, 'SCTP/127.0.0.1/9000')), [['SCTP/0.0.0.0/9000']], false],
  ])('%s', (_name, pod, existing, fits) => {
    const got = run(pod, existing);
    expect(got.pre).toBeNull();
    expect(got.filter).toEqual(fits ? null : CONFLICT);
  });

  test.each<[string, PodInfo]>([
    ['skip filter', makePod('p').info()],
    ['non-sidecar initContainer using hostPort', withInitPorts(false, [{ containerPort: 8001, hostPort: 8001, protocol: 'TCP' }])],
    ['a container port without a host port', newPodInfo(podObj(undefined, 'TCP/0.0.0.0/0'))],
  ])('PreFilter skips: %s', (_name, pod) => {
    expect(run(pod, [['TCP/0.0.0.0/8001']]).pre).toEqual(SKIP);
  });

  test('Filter without its PreFilter state is an error (upstream TestPreFilterDisabled)', () => {
    const snap = buildSnapshot([makeNode('m1').obj()]);
    const got = factory(undefined, handle).filter(new CycleState(), makePod('p').info(), snap.view('m1'));
    expect(verdict(got)).toEqual({ code: Code.Error, reasons: ['reading "PreFilterNodePorts" from cycleState: not found'] });
  });

  test('the rejection is one shared Status naming the plugin', () => {
    const snap = buildSnapshot([makeNode('m1').obj()], [podObj('m1', 'TCP/0.0.0.0/80')]);
    const plugin = factory(undefined, handle);
    const pod = newPodInfo(podObj(undefined, 'TCP/0.0.0.0/80'));
    const state = new CycleState();
    plugin.preFilter(state, pod, snap.table);
    const first = plugin.filter(state, pod, snap.view('m1'));
    expect(plugin.filter(state, pod, snap.view('m1'))).toBe(first);
    expect(first?.plugin).toBe(name);
  });
});

describe('NodePorts fits (upstream TestFits)', () => {
  test.each<[string, string[], string[], boolean]>([
    ['non-conflicting ports', ['TCP/127.0.0.1/80'], ['TCP/127.0.0.1/9090'], true],
    [
      'multiple non-conflicting ports',
      ['TCP/127.0.0.1/80', 'TCP/127.0.1.1/80', 'TCP/127.0.1.1/90', 'TCP/127.0.1.1/100'],
      ['TCP/127.0.0.1/9090', 'TCP/127.0.0.1/9191', 'TCP/127.0.1.1/8080'],
      true,
    ],
    ['same ports on different protocols', ['TCP/127.0.0.1/80'], ['UDP/127.0.0.1/80'], true],
    ['conflicting ports', ['TCP/127.0.0.1/80'], ['TCP/127.0.0.1/80'], false],
    [
      'multiple ports, some conflicting',
      ['TCP/127.0.0.1/80', 'TCP/127.0.1.1/80', 'TCP/127.0.1.1/90', 'TCP/127.0.1.1/100'],
      ['TCP/127.0.0.1/9090', 'TCP/127.0.1.1/90', 'TCP/127.0.1.1/8080'],
      false,
    ],
  ])('%s', (_name, wanted, existing, fits) => {
    expect(run(newPodInfo(podObj(undefined, ...wanted)), [existing]).filter).toEqual(fits ? null : CONFLICT);
  });
});

describe('NodePorts events', () => {
  test('registers assigned-pod deletes and node adds (queueing hints off: label and taint updates too)', () => {
    expect(factory(undefined, handle).eventsToRegister()).toEqual([
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ]);
  });
});
