// Ported from upstream pkg/scheduler/framework/plugins/volumebinding/volume_binding_test.go
// (TestVolumeBinding, v1.36: the cases that do not need binding, provisioning
// or capacity scoring) plus Berth's cases: where upstream would bind or
// provision (WaitForFirstConsumer), Berth rejects in PreFilter with its own
// reason; PV node affinity operators; claim and volume ordering.
import type { Node, NodeSelectorTerm, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass, Volume } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { InvalidArgsError } from './args.ts';
import {
  ANN_BETA_STORAGE_CLASS,
  ANN_BIND_COMPLETED,
  ErrReasonNodeConflict,
  ErrReasonPVNotExist,
  ErrReasonUnboundImmediate,
  claimRefs,
  defaultArgs,
  errClaimDeleting,
  errClaimLost,
  errClaimNotFound,
  errDelayedBinding,
  errEphemeralClaimNotFound,
  errEphemeralNotOwned,
  factory,
  name,
  validateArgs,
  type PreFilterState,
} from './volume-binding.ts';

// --- builders (upstream test_utils.go: makePVC, makePV, makePod().withPVCVolume) ---

const immediateSC: StorageClass = { metadata: { name: 'immediate-sc' }, volumeBindingMode: 'Immediate' };
const waitSC: StorageClass = { metadata: { name: 'wait-sc' }, volumeBindingMode: 'WaitForFirstConsumer' };
const waitHDDSC: StorageClass = { metadata: { name: 'wait-hdd-sc' }, volumeBindingMode: 'WaitForFirstConsumer' };
const allClasses = [immediateSC, waitSC, waitHDDSC];

interface PVCOptions {
  /** spec.volumeName plus the bind-completed annotation, as the PV controller leaves a bound claim. */
  boundPV?: string;
  /** spec.volumeName only: a claim the user pre-bound, not yet completed by the PV controller. */
  prebound?: string;
  phase?: string;
  deleting?: boolean;
  annotations?: Record<string, string>;
  namespace?: string;
  owner?: { uid: string; controller?: boolean };
}

function makePVC(pvcName: string, storageClassName: string | undefined, o: PVCOptions = {}): PersistentVolumeClaim {
  const annotations: Record<string, string> = { ...o.annotations };
  if (o.boundPV !== undefined) annotations[ANN_BIND_COMPLETED] = 'yes';
  return {
    metadata: {
      name: pvcName,
      namespace: o.namespace ?? 'default',
      uid: `uid-${pvcName}`,
      annotations,
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'pod-a', uid: o.owner.uid, controller: o.owner.controller ?? true }] } : {}),
    },
    spec: {
      ...(storageClassName !== undefined ? { storageClassName } : {}),
      ...(o.boundPV !== undefined ? { volumeName: o.boundPV } : {}),
      ...(o.prebound !== undefined ? { volumeName: o.prebound } : {}),
    },
    status: { phase: o.phase ?? (o.boundPV !== undefined ? 'Bound' : 'Pending') },
  };
}

/** Upstream's withNodeAffinity: one term, one In requirement per key. */
function affinity(keyValues: Record<string, string[]>): NodeSelectorTerm[] {
  return [{ matchExpressions: Object.entries(keyValues).map(([key, values]) => ({ key, operator: 'In', values })) }];
}

function makePV(pvName: string, storageClassName: string, terms?: NodeSelectorTerm[]): PersistentVolume {
  return {
    metadata: { name: pvName },
    spec: {
      storageClassName,
      capacity: { storage: '10Gi' },
      ...(terms !== undefined ? { nodeAffinity: { required: { nodeSelectorTerms: terms } } } : {}),
    },
    status: { phase: 'Bound' },
  };
}

function podWithVolumes(...volumes: Volume[]): Pod {
  const pod = makePod('pod-a').obj();
  pod.spec!.volumes = volumes;
  return pod;
}
const pvcVolume = (claimName: string): Volume => ({ name: `vol-${claimName}`, persistentVolumeClaim: { claimName } });
const podWithPVCs = (...claims: string[]): Pod => podWithVolumes(...claims.map(pvcVolume));

type Verdict = { code: number; reasons: readonly string[] } | null;
const verdict = (s: Result): Verdict => (s === null ? null : { code: s.code, reasons: s.reasons });
const unresolvable = (reason: string): Verdict => ({ code: Code.UnschedulableAndUnresolvable, reasons: [reason] });
const SKIP: Verdict = { code: Code.Skip, reasons: [] };
const CONFLICT = unresolvable(ErrReasonNodeConflict);
const PV_MISSING = unresolvable(ErrReasonPVNotExist);

interface Case {
  name: string;
  pod: Pod;
  /** Default: node-a alone. */
  nodes?: Node[];
  pvcs?: PersistentVolumeClaim[];
  pvs?: PersistentVolume[];
  classes?: StorageClass[];
  /** Default: success (null). */
  wantPreFilter?: Verdict;
  /** Per node, in `nodes` order; only when PreFilter succeeds. */
  wantFilter?: Verdict[];
}

function run(c: Case): { preFilter: Verdict; filter: Verdict[] | undefined; state: CycleState } {
  const nodes = c.nodes ?? [makeNode('node-a').obj()];
  const snap = buildSnapshot(nodes, [], { claims: c.pvcs ?? [], volumes: c.pvs ?? [], storageClasses: c.classes ?? allClasses });
  const pl = factory(undefined, testHandle({ lister: snap.lister }));
  const pod = newPodInfo(c.pod);
  const state = new CycleState();
  const pre = pl.preFilter(state, pod, snap.table);
  // Upstream dropped PreFilterResult for bound local PVs (kubernetes#127584): never a node restriction.
  expect(pre.nodeNames).toBeUndefined();
  if (pre.status !== null) return { preFilter: verdict(pre.status), filter: undefined, state };
  const filter = nodes.map((n) => verdict(pl.filter(state, pod, snap.view(n.metadata!.name!))));
  return { preFilter: null, filter, state };
}

function check(c: Case): void {
  const got = run(c);
  expect(got.preFilter).toEqual(c.wantPreFilter ?? null);
  expect(got.filter).toEqual(c.wantFilter);
}

const zoned = (nodeName: string, zone: string): Node => makeNode(nodeName).label('topology.kubernetes.io/zone', zone).obj();

describe('VolumeBinding (upstream TestVolumeBinding)', () => {
  const cases: Case[] = [
    { name: 'pod has not pvcs', pod: makePod('pod-a').obj(), wantPreFilter: SKIP },
    {
      // Upstream returns success and a Filter that passes; Berth skips Filter, as nothing restricts nodes.
      name: 'all bound',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', waitSC.metadata!.name, { boundPV: 'pv-a' })],
      pvs: [makePV('pv-a', 'wait-sc')],
      wantPreFilter: SKIP,
    },
    {
      name: 'all bound with local volumes',
      pod: podWithPVCs('pvc-a', 'pvc-b'),
      nodes: [makeNode('node-a').obj(), makeNode('node-b').obj()],
      pvcs: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a' }), makePVC('pvc-b', 'wait-sc', { boundPV: 'pv-b' })],
      pvs: [
        makePV('pv-a', 'wait-sc', affinity({ 'kubernetes.io/hostname': ['node-a'] })),
        makePV('pv-b', 'wait-sc', affinity({ 'kubernetes.io/hostname': ['node-a'] })),
      ],
      wantFilter: [null, CONFLICT],
    },
    {
      name: 'PVC does not exist',
      pod: podWithPVCs('pvc-a'),
      pvcs: [],
      wantPreFilter: unresolvable('persistentvolumeclaim "pvc-a" not found'),
    },
    {
      name: 'Part of PVCs do not exist',
      pod: podWithPVCs('pvc-a', 'pvc-b'),
      pvcs: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a' })],
      wantPreFilter: unresolvable('persistentvolumeclaim "pvc-b" not found'),
    },
    {
      name: 'immediate claims not bound',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'immediate-sc')],
      wantPreFilter: unresolvable('pod has unbound immediate PersistentVolumeClaims'),
    },
    {
      // Upstream: Filter looks for a PV to bind and finds none (ErrReasonBindConflict).
      name: 'unbound claims no matches (WaitForFirstConsumer: Berth does not bind)',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'wait-sc')],
      wantPreFilter: unresolvable(
        'persistentvolumeclaim "pvc-a" is not bound and needs delayed binding (WaitForFirstConsumer); Berth does not bind or provision volumes yet',
      ),
    },
    {
      // Upstream: Filter reports both the node conflict of pv-a and the bind conflict of pvc-b.
      name: 'bound and unbound unsatisfied (the unbound WaitForFirstConsumer claim rejects first)',
      pod: podWithPVCs('pvc-a', 'pvc-b'),
      nodes: [makeNode('node-a').label('foo', 'barbar').obj()],
      pvcs: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a' }), makePVC('pvc-b', 'wait-sc')],
      pvs: [makePV('pv-a', 'wait-sc', affinity({ foo: ['bar'] }))],
      wantPreFilter: unresolvable(errDelayedBinding('pvc-b')),
    },
    {
      name: 'pvc not found',
      pod: podWithPVCs('pvc-a'),
      wantPreFilter: unresolvable(errClaimNotFound('pvc-a')),
    },
    {
      name: 'pv not found',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a' })],
      wantFilter: [unresolvable('node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)')],
    },
    {
      name: 'pv not found claim lost',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a', phase: 'Lost' })],
      wantPreFilter: unresolvable('persistentvolumeclaim "pvc-a" bound to non-existent persistentvolume "pv-a"'),
    },
  ];
  test.each(cases)('$name', check);
});

describe('VolumeBinding PreFilter: claims', () => {
  const cases: Case[] = [
    {
      name: 'claim being deleted',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'immediate-sc', { boundPV: 'pv-a', deleting: true })],
      pvs: [makePV('pv-a', 'immediate-sc')],
      wantPreFilter: unresolvable('persistentvolumeclaim "pvc-a" is being deleted'),
    },
    {
      name: 'the first volume with a problem decides (deleting before not found)',
      pod: podWithPVCs('pvc-a', 'pvc-b'),
      pvcs: [makePVC('pvc-a', 'immediate-sc', { boundPV: 'pv-a', deleting: true })],
      wantPreFilter: unresolvable(errClaimDeleting('pvc-a')),
    },
    {
      name: 'a lost claim is reported before its deletion',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'immediate-sc', { boundPV: 'pv-a', phase: 'Lost', deleting: true })],
      wantPreFilter: unresolvable(errClaimLost('pvc-a', 'pv-a')),
    },
    {
      name: 'a claim in another namespace is not the pod’s',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'immediate-sc', { boundPV: 'pv-a', namespace: 'other' })],
      wantPreFilter: unresolvable(errClaimNotFound('pvc-a')),
    },
    {
      name: 'unbound claim without a storage class is immediate',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', undefined)],
      wantPreFilter: unresolvable(ErrReasonUnboundImmediate),
    },
    {
      name: 'unbound claim whose storage class is not known is immediate (upstream IsDelayBindingMode)',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'wait-sc')],
      classes: [],
      wantPreFilter: unresolvable(ErrReasonUnboundImmediate),
    },
    {
      name: 'a storage class without volumeBindingMode is Immediate (the API default)',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'plain-sc')],
      classes: [{ metadata: { name: 'plain-sc' } }],
      wantPreFilter: unresolvable(ErrReasonUnboundImmediate),
    },
    {
      name: 'a prebound claim (volumeName, no bind-completed) is unbound immediate even with WaitForFirstConsumer',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'wait-sc', { prebound: 'pv-a' })],
      pvs: [makePV('pv-a', 'wait-sc')],
      wantPreFilter: unresolvable(ErrReasonUnboundImmediate),
    },
    {
      name: 'the beta storage-class annotation wins over spec.storageClassName',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'immediate-sc', { annotations: { [ANN_BETA_STORAGE_CLASS]: 'wait-hdd-sc' } })],
      wantPreFilter: unresolvable(errDelayedBinding('pvc-a')),
    },
    {
      name: 'unbound immediate claims are reported before WaitForFirstConsumer ones',
      pod: podWithPVCs('pvc-w', 'pvc-i'),
      pvcs: [makePVC('pvc-w', 'wait-sc'), makePVC('pvc-i', 'immediate-sc')],
      wantPreFilter: unresolvable(ErrReasonUnboundImmediate),
    },
    {
      name: 'the first WaitForFirstConsumer claim is named',
      pod: podWithPVCs('pvc-1', 'pvc-2'),
      pvcs: [makePVC('pvc-1', 'wait-sc'), makePVC('pvc-2', 'wait-hdd-sc')],
      wantPreFilter: unresolvable(errDelayedBinding('pvc-1')),
    },
    {
      name: 'volumes without claims are not looked at',
      pod: podWithVolumes({ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg' } }, { name: 'none', persistentVolumeClaim: null } as unknown as Volume),
      wantPreFilter: SKIP,
    },
  ];
  test.each(cases)('$name', check);
});

describe('VolumeBinding PreFilter: generic ephemeral volumes', () => {
  const pod = podWithVolumes({ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } });
  const podUid = pod.metadata!.uid!;
  const cases: Case[] = [
    {
      name: 'claim not created yet',
      pod,
      wantPreFilter: unresolvable('waiting for ephemeral volume controller to create the persistentvolumeclaim "pod-a-scratch"'),
    },
    {
      name: 'claim not owned by the pod',
      pod,
      pvcs: [makePVC('pod-a-scratch', 'immediate-sc', { boundPV: 'pv-e', owner: { uid: 'someone-else' } })],
      pvs: [makePV('pv-e', 'immediate-sc')],
      wantPreFilter: unresolvable('PVC default/pod-a-scratch was not created for pod default/pod-a (pod is not owner)'),
    },
    {
      name: 'owner reference to the pod that is not its controller',
      pod,
      pvcs: [makePVC('pod-a-scratch', 'immediate-sc', { boundPV: 'pv-e', owner: { uid: podUid, controller: false } })],
      pvs: [makePV('pv-e', 'immediate-sc')],
      wantPreFilter: unresolvable(errEphemeralNotOwned('default', 'pod-a-scratch', 'default', 'pod-a')),
    },
    {
      name: 'owned and bound: the PV decides',
      pod,
      nodes: [makeNode('node-a').obj(), makeNode('node-b').obj()],
      pvcs: [makePVC('pod-a-scratch', 'wait-sc', { boundPV: 'pv-e', owner: { uid: podUid } })],
      pvs: [makePV('pv-e', 'wait-sc', affinity({ 'kubernetes.io/hostname': ['node-b'] }))],
      wantFilter: [CONFLICT, null],
    },
    {
      name: 'owned, unbound, WaitForFirstConsumer',
      pod,
      pvcs: [makePVC('pod-a-scratch', 'wait-sc', { owner: { uid: podUid } })],
      wantPreFilter: unresolvable(errDelayedBinding('pod-a-scratch')),
    },
  ];
  test.each(cases)('$name', check);

  test('claim names follow ephemeral.VolumeClaimName; persistentVolumeClaim wins over ephemeral', () => {
    expect(errEphemeralClaimNotFound('x')).toBe('waiting for ephemeral volume controller to create the persistentvolumeclaim "x"');
    const both = podWithVolumes({ name: 'v', persistentVolumeClaim: { claimName: 'c' }, ephemeral: {} });
    expect(claimRefs(both)).toEqual([{ claimName: 'c', ephemeral: false }]);
    expect(claimRefs(pod)).toEqual([{ claimName: 'pod-a-scratch', ephemeral: true }]);
  });
});

describe('VolumeBinding Filter: bound PV node affinity', () => {
  const three = [zoned('node-a', 'a'), zoned('node-b', 'b'), makeNode('node-c').obj()];
  const bound = (terms: NodeSelectorTerm[] | undefined, nodes: Node[] = three): Omit<Case, 'name' | 'wantFilter'> => ({
    pod: podWithPVCs('pvc-a'),
    nodes,
    pvcs: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a' })],
    pvs: [makePV('pv-a', 'wait-sc', terms)],
  });
  const expr = (key: string, operator: string, values?: string[]): NodeSelectorTerm[] => [
    { matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] },
  ];
  const Z = 'topology.kubernetes.io/zone';
  const cases: Case[] = [
    { name: 'In: matching node passes, others conflict', ...bound(expr(Z, 'In', ['a'])), wantFilter: [null, CONFLICT, CONFLICT] },
    { name: 'In with several values', ...bound(expr(Z, 'In', ['a', 'b'])), wantFilter: [null, null, CONFLICT] },
    { name: 'In a value no node carries', ...bound(expr(Z, 'In', ['z'])), wantFilter: [CONFLICT, CONFLICT, CONFLICT] },
    { name: 'In on a key no node carries', ...bound(expr('no-such-key', 'In', ['a'])), wantFilter: [CONFLICT, CONFLICT, CONFLICT] },
    { name: 'NotIn: also true without the label', ...bound(expr(Z, 'NotIn', ['a'])), wantFilter: [CONFLICT, null, null] },
    { name: 'Exists', ...bound(expr(Z, 'Exists')), wantFilter: [null, null, CONFLICT] },
    { name: 'DoesNotExist', ...bound(expr(Z, 'DoesNotExist')), wantFilter: [CONFLICT, CONFLICT, null] },
    {
      name: 'Gt / Lt compare integers; non-integer values never match',
      ...bound(expr('disks', 'Gt', ['4']), [
        makeNode('node-a').label('disks', '8').obj(),
        makeNode('node-b').label('disks', '4').obj(),
        makeNode('node-c').label('disks', 'many').obj(),
      ]),
      wantFilter: [null, CONFLICT, CONFLICT],
    },
    {
      name: 'Lt',
      ...bound(expr('disks', 'Lt', ['5']), [makeNode('node-a').label('disks', '8').obj(), makeNode('node-b').label('disks', '4').obj()]),
      wantFilter: [CONFLICT, null],
    },
    {
      name: 'requirements in a term are ANDed',
      ...bound([{ matchExpressions: [{ key: Z, operator: 'In', values: ['a', 'b'] }, { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['node-b'] }] }]),
      wantFilter: [null, CONFLICT, CONFLICT],
    },
    {
      name: 'terms are ORed',
      ...bound([...expr(Z, 'In', ['a']), ...expr('kubernetes.io/hostname', 'In', ['node-c'])]),
      wantFilter: [null, CONFLICT, null],
    },
    {
      // CheckNodeAffinity builds a node from labels only: metadata.name reads as "".
      name: 'matchFields metadata.name In never matches (upstream and the kubelet see no node name)',
      ...bound([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }]),
      wantFilter: [CONFLICT, CONFLICT, CONFLICT],
    },
    {
      name: 'matchFields metadata.name NotIn matches every node',
      ...bound([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-a'] }] }]),
      wantPreFilter: SKIP,
    },
    { name: 'nodeSelectorTerms: [] matches no node', ...bound([]), wantFilter: [CONFLICT, CONFLICT, CONFLICT] },
    { name: 'an empty term matches no node', ...bound([{}]), wantFilter: [CONFLICT, CONFLICT, CONFLICT] },
    {
      name: 'a term that cannot be parsed matches no node; the others still count',
      ...bound([{ matchExpressions: [{ key: Z, operator: 'Near', values: ['a'] }] }, ...expr(Z, 'In', ['b'])]),
      wantFilter: [CONFLICT, null, CONFLICT],
    },
    {
      name: 'an In requirement without values cannot be parsed',
      ...bound(expr(Z, 'In', [])),
      wantFilter: [CONFLICT, CONFLICT, CONFLICT],
    },
    { name: 'a PV without node affinity restricts nothing', ...bound(undefined), wantPreFilter: SKIP },
    {
      name: 'nodeAffinity without required restricts nothing',
      pod: podWithPVCs('pvc-a'),
      pvcs: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a' })],
      pvs: [{ metadata: { name: 'pv-a' }, spec: { nodeAffinity: {} } }],
      wantPreFilter: SKIP,
    },
    { name: 'a term that holds on every node restricts nothing', ...bound(expr('no-such-key', 'DoesNotExist')), wantPreFilter: SKIP },
  ];
  test.each(cases)('$name', check);
});

describe('VolumeBinding Filter: several claims', () => {
  const nodes = [zoned('node-a', 'a'), zoned('node-b', 'b'), zoned('node-c', 'c')];
  const cases: Case[] = [
    {
      name: 'every bound PV must match: the intersection passes',
      pod: podWithPVCs('pvc-1', 'pvc-2'),
      nodes,
      pvcs: [makePVC('pvc-1', 'wait-sc', { boundPV: 'pv-1' }), makePVC('pvc-2', 'immediate-sc', { boundPV: 'pv-2' })],
      pvs: [
        makePV('pv-1', 'wait-sc', affinity({ 'topology.kubernetes.io/zone': ['a', 'b'] })),
        makePV('pv-2', 'immediate-sc', affinity({ 'kubernetes.io/hostname': ['node-b', 'node-c'] })),
      ],
      wantFilter: [CONFLICT, null, CONFLICT],
    },
    {
      // checkBoundClaims stops at the first claim with a problem, per node.
      name: 'claims are checked in order: a conflict before a missing PV, a missing PV after a match',
      pod: podWithPVCs('pvc-1', 'pvc-2'),
      nodes,
      pvcs: [makePVC('pvc-1', 'wait-sc', { boundPV: 'pv-1' }), makePVC('pvc-2', 'wait-sc', { boundPV: 'pv-gone' })],
      pvs: [makePV('pv-1', 'wait-sc', affinity({ 'topology.kubernetes.io/zone': ['a'] }))],
      wantFilter: [PV_MISSING, CONFLICT, CONFLICT],
    },
    {
      name: 'a missing PV first rejects every node',
      pod: podWithPVCs('pvc-2', 'pvc-1'),
      nodes,
      pvcs: [makePVC('pvc-1', 'wait-sc', { boundPV: 'pv-1' }), makePVC('pvc-2', 'wait-sc', { boundPV: 'pv-gone' })],
      pvs: [makePV('pv-1', 'wait-sc', affinity({ 'topology.kubernetes.io/zone': ['a'] }))],
      wantFilter: [PV_MISSING, PV_MISSING, PV_MISSING],
    },
    {
      name: 'unrestricted PVs beside a restricted one',
      pod: podWithVolumes(pvcVolume('pvc-1'), { name: 'tmp', emptyDir: {} }, pvcVolume('pvc-2')),
      nodes,
      pvcs: [makePVC('pvc-1', 'wait-sc', { boundPV: 'pv-1' }), makePVC('pvc-2', 'wait-sc', { boundPV: 'pv-2' })],
      pvs: [makePV('pv-1', 'wait-sc'), makePV('pv-2', 'wait-sc', affinity({ 'topology.kubernetes.io/zone': ['c'] }))],
      wantFilter: [CONFLICT, CONFLICT, null],
    },
  ];
  test.each(cases)('$name', check);
});

describe('VolumeBinding cycle state and hot path', () => {
  const base: Case = {
    name: 'state',
    pod: podWithPVCs('pvc-1', 'pvc-2'),
    nodes: [zoned('node-a', 'a'), zoned('node-b', 'b')],
    pvcs: [makePVC('pvc-1', 'wait-sc', { boundPV: 'pv-1' }), makePVC('pvc-2', 'wait-sc', { boundPV: 'pv-gone' })],
    pvs: [makePV('pv-1', 'wait-sc', affinity({ 'topology.kubernetes.io/zone': ['a'] }))],
  };

  test('PreFilter state is plain data that survives structuredClone (a worker thread runs Filter on a copy)', () => {
    const nodes = base.nodes!;
    const snap = buildSnapshot(nodes, [], { claims: base.pvcs!, volumes: base.pvs!, storageClasses: allClasses });
    const pl = factory(undefined, testHandle({ lister: snap.lister }));
    const pod = newPodInfo(base.pod);
    const state = new CycleState();
    expect(pl.preFilter(state, pod, snap.table).status).toBeNull();
    const s = state.read<PreFilterState>(`PreFilter${name}`)!;
    expect(s.checks.map((c) => [c.pv, c.missing])).toEqual([
      ['pv-1', false],
      ['pv-gone', true],
    ]);
    const copy = new CycleState();
    copy.write(`PreFilter${name}`, structuredClone(s));
    expect(nodes.map((n) => verdict(pl.filter(copy, pod, snap.view(n.metadata!.name!))))).toEqual([PV_MISSING, CONFLICT]);
  });

  test('Filter rejections are shared constants naming the plugin (no allocation per node)', () => {
    const snap = buildSnapshot(base.nodes!, [], { claims: base.pvcs!, volumes: base.pvs!, storageClasses: allClasses });
    const pl = factory(undefined, testHandle({ lister: snap.lister }));
    const pod = newPodInfo(base.pod);
    const state = new CycleState();
    pl.preFilter(state, pod, snap.table);
    const first = pl.filter(state, pod, snap.view('node-b'));
    expect(first).toBeInstanceOf(Status);
    expect(first!.plugin).toBe(name);
    expect(pl.filter(state, pod, snap.view('node-b'))).toBe(first);
  });

  test('Filter without PreFilter state is an error', () => {
    const snap = buildSnapshot([makeNode('node-a').obj()]);
    const pl = factory(undefined, testHandle({ lister: snap.lister }));
    const got = pl.filter(new CycleState(), newPodInfo(base.pod), snap.view('node-a'));
    expect(verdict(got)).toEqual({ code: Code.Error, reasons: ['reading "PreFilterVolumeBinding" from cycleState: not found'] });
  });

  test('an updated PV (a new object in the cache) is read again', () => {
    const nodes = [zoned('node-a', 'a'), zoned('node-b', 'b')];
    const snap = buildSnapshot(nodes, [], { claims: [makePVC('pvc-a', 'wait-sc', { boundPV: 'pv-a' })], volumes: [], storageClasses: allClasses });
    const pl = factory(undefined, testHandle({ lister: snap.lister }));
    const pod = newPodInfo(podWithPVCs('pvc-a'));
    const filterAll = (): Verdict[] => {
      const state = new CycleState();
      expect(pl.preFilter(state, pod, snap.table).status).toBeNull();
      return nodes.map((n) => verdict(pl.filter(state, pod, snap.view(n.metadata!.name!))));
    };
    expect(filterAll()).toEqual([PV_MISSING, PV_MISSING]);
    snap.objects.put(snap.objects.volumes, makePV('pv-a', 'wait-sc', affinity({ 'topology.kubernetes.io/zone': ['a'] })));
    expect(filterAll()).toEqual([null, CONFLICT]);
    snap.objects.put(snap.objects.volumes, makePV('pv-a', 'wait-sc', affinity({ 'topology.kubernetes.io/zone': ['b'] })));
    expect(filterAll()).toEqual([CONFLICT, null]);
  });

  test('the lister is read at each PreFilter: a claim bound since the last cycle is seen', () => {
    const snap = buildSnapshot([makeNode('node-a').obj()], [], { claims: [makePVC('pvc-a', 'immediate-sc')], storageClasses: allClasses });
    const pl = factory(undefined, testHandle({ lister: snap.lister }));
    const pod = newPodInfo(podWithPVCs('pvc-a'));
    expect(verdict(pl.preFilter(new CycleState(), pod, snap.table).status)).toEqual(unresolvable(ErrReasonUnboundImmediate));
    snap.objects.put(snap.objects.claims, makePVC('pvc-a', 'immediate-sc', { boundPV: 'pv-a' }));
    snap.objects.put(snap.objects.volumes, makePV('pv-a', 'immediate-sc'));
    expect(verdict(pl.preFilter(new CycleState(), pod, snap.table).status)).toEqual(SKIP);
  });
});

describe('VolumeBinding plugin', () => {
  test('name, events (upstream EventsToRegister without the CSI objects Berth does not watch)', () => {
    const pl = factory(undefined, testHandle());
    expect(pl.name).toBe('VolumeBinding');
    expect(pl.eventsToRegister()).toEqual([
      { resource: 'StorageClass', action: 'Add' },
      { resource: 'StorageClass', action: 'Update' },
      { resource: 'PersistentVolumeClaim', action: 'Add' },
      { resource: 'PersistentVolumeClaim', action: 'Update' },
      { resource: 'PersistentVolume', action: 'Add' },
      { resource: 'PersistentVolume', action: 'Update' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ]);
  });

  test('builds from its default args and keeps bindTimeoutSeconds', () => {
    expect(validateArgs(structuredClone(defaultArgs))).toEqual([]);
    expect(factory(defaultArgs, testHandle()).args).toEqual({ bindTimeoutSeconds: 600 });
    expect(factory({ bindTimeoutSeconds: 30 }, testHandle()).args).toEqual({ bindTimeoutSeconds: 30 });
  });

  test('the factory rejects invalid args, naming the field', () => {
    let thrown: unknown;
    try {
      factory({ bindTimeoutSeconds: -1 }, testHandle());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidArgsError);
    expect((thrown as InvalidArgsError).problems).toEqual([
      'bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value',
    ]);
  });
});
