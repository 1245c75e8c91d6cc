// VolumeBinding: a pod runs only where the PersistentVolumes its claims are
// bound to can be mounted (upstream pkg/scheduler/framework/plugins/volumebinding,
// v1.36), without upstream's binding and provisioning, which Berth does not
// do yet.
//
//   PreFilter  reads the pod's claims (spec.volumes[].persistentVolumeClaim and
//              generic ephemeral volumes) through the Handle's lister, in
//              volume order, as upstream's podHasPVCs + GetPodVolumeClaims:
//                missing claim, lost claim, claim being deleted, ephemeral claim
//                not owned by the pod   → UnschedulableAndUnresolvable, upstream's text
//                unbound claim, Immediate binding (or prebound)
//                                       → "pod has unbound immediate PersistentVolumeClaims"
//                unbound claim, WaitForFirstConsumer
//                                       → UnschedulableAndUnresolvable, Berth's reason
//                                         (upstream would pick a PV or provision one)
//              then compiles each bound PV's spec.nodeAffinity.required into
//              interned ids (CycleState, plain data). Skip when the pod has no
//              claims, or when no bound PV restricts nodes.
//   Filter     per node, the bound claims in order: the first whose PV is
//              missing → "node(s) unavailable due to one or more pvc(s) bound to
//              non-existent pv(s)"; the first whose PV's affinity does not match
//              → "node(s) had volume node affinity conflict". Both
//              UnschedulableAndUnresolvable; shared constants, no allocation.
//   Events     PersistentVolumeClaim, PersistentVolume, StorageClass Add|Update;
//              Node Add|UpdateNodeLabel (+UpdateNodeTaint, as upstream without
//              queueing hints, like the other Berth plugins).
//
// A claim is bound, as upstream's isPVCFullyBound, when spec.volumeName is set
// AND it carries the pv.kubernetes.io/bind-completed annotation (the PV
// controller sets both); a claim with only spec.volumeName is "prebound" and
// upstream counts it as an unbound immediate claim, whatever its class.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/types.ts';
import type { ClusterLister } from '../../framework/cluster-lister.ts';
import type { CycleState } from '../../framework/cycle-state.ts';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PodInfo,
  PreFilterPlugin,
  PreFilterResult,
  SignPlugin,
} from '../../framework/interfaces.ts';
import { compileTerms, matchesAnyTerm, parseNodeSelectorTerms, type CompiledTerm, type ParsedTerm } from '../../framework/node-selector.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { InvalidArgsError, defaultVolumeBindingArgs, parseVolumeBindingArgs, validateVolumeBindingArgs, type VolumeBindingArgs } from './args.ts';

export const name = 'VolumeBinding';
export const defaultArgs: VolumeBindingArgs = defaultVolumeBindingArgs;
export const validateArgs = validateVolumeBindingArgs;

/** Upstream's reasons, word for word. */
export const ErrReasonNodeConflict = 'node(s) had volume node affinity conflict';
export const ErrReasonPVNotExist = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ErrReasonUnboundImmediate = 'pod has unbound immediate PersistentVolumeClaims';

/** Go's %q, close enough for object names (DNS subdomains). */
const q = (s: string): string => JSON.stringify(s);

/** Upstream's PreFilter messages (lister NotFound error, podHasPVCs, ephemeral.VolumeIsForPod). */
export const errClaimNotFound = (claim: string): string => `persistentvolumeclaim ${q(claim)} not found`;
export const errEphemeralClaimNotFound = (claim: string): string =>
  `waiting for ephemeral volume controller to create the persistentvolumeclaim ${q(claim)}`;
export const errClaimLost = (claim: string, pv: string): string =>
  `persistentvolumeclaim ${q(claim)} bound to non-existent persistentvolume ${q(pv)}`;
export const errClaimDeleting = (claim: string): string => `persistentvolumeclaim ${q(claim)} is being deleted`;
export const errEphemeralNotOwned = (pvcNamespace: string, pvcName: string, podNamespace: string, podName: string): string =>
  `PVC ${pvcNamespace}/${pvcName} was not created for pod ${podNamespace}/${podName} (pod is not owner)`;
/** Berth's own: upstream would find a PV for the claim, or provision one, per node. */
export const errDelayedBinding = (claim: string): string =>
  `persistentvolumeclaim ${q(claim)} is not bound and needs delayed binding (WaitForFirstConsumer); Berth does not bind or provision volumes yet`;

/** component-helpers/storage/volume: set by the PV controller once a claim is bound. */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** v1.BetaStorageClassAnnotation: read before spec.storageClassName, as upstream does. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const WAIT_FOR_FIRST_CONSUMER = 'WaitForFirstConsumer';

const preFilterStateKey = `PreFilter${name}`;

const rejectNodeConflict = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonNodeConflict], name);
const rejectPVNotExist = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonPVNotExist], name);
const skip = new Status(Code.Skip, [], name);

/** One bound claim Filter must check, in the pod's volume order. */
export interface BoundVolumeCheck {
  /** spec.volumeName of the claim. */
  pv: string;
  /** The PV is not in the cache: every node is rejected with ErrReasonPVNotExist. */
  missing: boolean;
  /** The PV's required terms (ORed), compiled; [] matches no node. */
  terms: CompiledTerm[];
}

/** What Filter reads: plain data, so a worker thread can run it. */
export interface PreFilterState {
  checks: BoundVolumeCheck[];
}

/** A claim a pod's volume refers to. */
interface ClaimRef {
  claimName: string;
  /** A generic ephemeral volume: the claim is named `<pod>-<volume>` and must be owned by the pod. */
  ephemeral: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The claims of a pod's volumes, in volume order (upstream's switch: persistentVolumeClaim first, then ephemeral). */
export function claimRefs(pod: Pod): ClaimRef[] {
  const volumes = pod.spec?.volumes;
  if (!Array.isArray(volumes)) return [];
  const refs: ClaimRef[] = [];
  for (const vol of volumes) {
    if (!isObject(vol)) continue;
    const source = vol.persistentVolumeClaim;
    if (isObject(source)) {
      refs.push({ claimName: typeof source.claimName === 'string' ? source.claimName : '', ephemeral: false });
    } else if (isObject(vol.ephemeral)) {
      // ephemeral.VolumeClaimName
      refs.push({ claimName: `${pod.metadata?.name ?? ''}-${vol.name ?? ''}`, ephemeral: true });
    }
  }
  return refs;
}

/** metav1.IsControlledBy: the claim's controller owner reference is the pod. */
function isControlledBy(pvc: PersistentVolumeClaim, pod: PodInfo): boolean {
  const refs = pvc.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return false;
  const controller = refs.find((r) => r?.controller === true);
  return controller !== undefined && controller.uid === pod.uid;
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** isPVCFullyBound. */
function isFullyBound(pvc: PersistentVolumeClaim): boolean {
  const annotations = pvc.metadata?.annotations;
  return Boolean(pvc.spec?.volumeName) && isObject(annotations) && Object.hasOwn(annotations, ANN_BIND_COMPLETED);
}

/** GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  const annotations = pvc.metadata?.annotations;
  if (isObject(annotations) && Object.hasOwn(annotations, ANN_BETA_STORAGE_CLASS)) return String(annotations[ANN_BETA_STORAGE_CLASS]);
  return pvc.spec?.storageClassName ?? '';
}

/**
 * IsDelayBindingMode: no class, or a class not in the cache, is Immediate (as
 * upstream). A class without volumeBindingMode reads as the API default,
 * Immediate; upstream fails the cycle with an error there, but the apiserver
 * always fills it in.
 */
function isDelayBinding(pvc: PersistentVolumeClaim, lister: ClusterLister): boolean {
  const className = claimClass(pvc);
  if (className === '') return false;
  return lister.storageClass(className)?.volumeBindingMode === WAIT_FOR_FIRST_CONSUMER;
}

export class VolumeBindingPlugin {
  readonly name = name;
  readonly args: VolumeBindingArgs;
  private readonly handle: Handle;
  /** A PV object is replaced, never mutated, on update: its terms are parsed once. null: no required affinity. */
  private readonly parsedAffinity = new WeakMap<PersistentVolume, ParsedTerm[] | null>();

  constructor(args: VolumeBindingArgs, handle: Handle) {
    this.args = args;
    this.handle = handle;
  }

  /** Batching: only pods without claims (claims bring volume objects and per-node binding decisions). */
  signPod(pod: PodInfo): string | null {
    return claimRefs(pod.pod).length === 0 ? '' : null;
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    const refs = claimRefs(pod.pod);
    if (refs.length === 0) return { status: skip };
    const lister = this.handle.lister;

    // podHasPVCs: the first volume with a problem decides.
    const claims: PersistentVolumeClaim[] = [];
    for (const ref of refs) {
      const pvc = lister.persistentVolumeClaim(pod.namespace, ref.claimName);
      if (pvc === undefined) {
        return { status: Status.unresolvable(ref.ephemeral ? errEphemeralClaimNotFound(ref.claimName) : errClaimNotFound(ref.claimName)) };
      }
      const pvcName = pvc.metadata?.name ?? ref.claimName;
      if (pvc.status?.phase === 'Lost') return { status: Status.unresolvable(errClaimLost(pvcName, pvc.spec?.volumeName ?? '')) };
      if (isSet(pvc.metadata?.deletionTimestamp)) return { status: Status.unresolvable(errClaimDeleting(pvcName)) };
      if (ref.ephemeral && (pvc.metadata?.namespace !== pod.namespace || !isControlledBy(pvc, pod))) {
        return { status: Status.unresolvable(errEphemeralNotOwned(pvc.metadata?.namespace ?? '', pvcName, pod.namespace, pod.name)) };
      }
      claims.push(pvc);
    }

    // GetPodVolumeClaims: bound, unbound with delayed binding, unbound immediate (prebound included).
    const bound: PersistentVolumeClaim[] = [];
    let delayed: PersistentVolumeClaim | undefined;
    let immediate = false;
    for (const pvc of claims) {
      if (isFullyBound(pvc)) bound.push(pvc);
      else if (!pvc.spec?.volumeName && isDelayBinding(pvc, lister)) delayed ??= pvc;
      else immediate = true;
    }
    if (immediate) return { status: Status.unresolvable(ErrReasonUnboundImmediate) };
    if (delayed !== undefined) return { status: Status.unresolvable(errDelayedBinding(delayed.metadata?.name ?? '')) };

    // checkBoundClaims, compiled: Filter walks these in order.
    const checks: BoundVolumeCheck[] = [];
    for (const pvc of bound) {
      const pvName = pvc.spec!.volumeName!;
      const pv = lister.persistentVolume(pvName);
      if (pv === undefined) {
        // Every node stops at this claim; the ones after it are never looked at.
        checks.push({ pv: pvName, missing: true, terms: [] });
        break;
      }
      const parsed = this.requiredTerms(pv);
      if (parsed === null) continue;
      // CheckNodeAffinity matches a node built from its labels only.
      const terms = compileTerms(parsed, { nodes, labelsOnly: true });
      // A term with no requirement left holds on every node.
      if (terms.some((t) => t.length === 0)) continue;
      checks.push({ pv: pvName, missing: false, terms });
    }
    // Nothing restricts nodes: Filter would accept every one.
    if (checks.length === 0) return { status: skip };
    state.write(preFilterStateKey, { checks } satisfies PreFilterState);
    return { status: null };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return Status.error(`reading "${preFilterStateKey}" from cycleState: not found`);
    const checks = s.checks;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      if (c.missing) return rejectPVNotExist;
      if (!matchesAnyTerm(c.terms, node)) return rejectNodeConflict;
    }
    return null;
  }

  eventsToRegister(): ClusterEvent[] {
    // Upstream also registers CSINode, CSIDriver and CSIStorageCapacity, which
    // Berth neither watches nor reads. Node taints: as upstream without
    // queueing hints (kubernetes#109437), like Berth's other plugins.
    return [
      { resource: 'StorageClass', action: 'Add' },
      { resource: 'StorageClass', action: 'Update' },
      { resource: 'PersistentVolumeClaim', action: 'Add' },
      { resource: 'PersistentVolumeClaim', action: 'Update' },
      { resource: 'PersistentVolume', action: 'Add' },
      { resource: 'PersistentVolume', action: 'Update' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }

  /** The PV's spec.nodeAffinity.required terms, parsed once per PV object; null when it has none. */
  private requiredTerms(pv: PersistentVolume): ParsedTerm[] | null {
    let parsed = this.parsedAffinity.get(pv);
    if (parsed === undefined) {
      const required = pv.spec?.nodeAffinity?.required;
      // A wire object may carry null where Go has nil.
      parsed = typeof required === 'object' && required !== null
        ? parseNodeSelectorTerms(required.nodeSelectorTerms, 'spec.nodeAffinity.required.nodeSelectorTerms')
        : null;
      this.parsedAffinity.set(pv, parsed);
    }
    return parsed;
  }
}

/** Factory: args are validated here too, so a bad profile fails at startup. */
export const factory = ((args: unknown, handle: Handle): VolumeBindingPlugin => {
  const parsed = parseVolumeBindingArgs(args);
  if (parsed.errors.length > 0) throw new InvalidArgsError(name, parsed.errors);
  return new VolumeBindingPlugin(parsed.args, handle);
}) satisfies (args: unknown, handle: Handle) => PreFilterPlugin & FilterPlugin & EnqueueExtensions & SignPlugin;
