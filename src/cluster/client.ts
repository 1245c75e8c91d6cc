// The ClusterClient port: everything the scheduler core asks of Kubernetes.
// The core never talks to the API any other way. Two adapters implement it:
// KubeClusterClient (src/cluster/kube/, a real apiserver) and
// MemoryClusterClient (src/cluster/memory.ts, in-process, for unit tests,
// simulation and benchmarks).
import type {
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PriorityClass,
  StorageClass,
} from '../api/types.ts';

export type ResourceKind =
  | 'pods'
  | 'nodes'
  | 'namespaces'
  | 'priorityclasses'
  | 'persistentvolumes'
  | 'persistentvolumeclaims'
  | 'storageclasses';

export interface KindTypes {
  pods: Pod;
  nodes: Node;
  namespaces: Namespace;
  priorityclasses: PriorityClass;
  persistentvolumes: PersistentVolume;
  persistentvolumeclaims: PersistentVolumeClaim;
  storageclasses: StorageClass;
}

/**
 * Callbacks of an informer, in the order the objects changed. They run
 * synchronously on the event loop and must not throw (an error thrown here is
 * logged and counted, never stops the informer).
 */
export interface InformerHandler<T> {
  onAdd(obj: T): void;
  onUpdate(oldObj: T, newObj: T): void;
  /** obj is the last state known; after a relist it may be older than the deletion. */
  onDelete(obj: T): void;
}

export interface Informer {
  /** Lists, delivers the initial adds, starts watching; resolves once the initial list is delivered. */
  start(): Promise<void>;
  hasSynced(): boolean;
  stop(): void;
}

export interface InformerOptions {
  /** A field selector for the list and watch, e.g. "spec.schedulerName=berth". */
  fieldSelector?: string;
  labelSelector?: string;
}

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/** An Event as the scheduler writes it (events.k8s.io/v1 semantics). */
export interface EventRecord {
  /** The object the event is about. */
  regarding: { kind: 'Pod' | 'Node'; namespace?: string; name: string; uid?: string; apiVersion?: string };
  type: 'Normal' | 'Warning';
  /** e.g. Scheduled, FailedScheduling, Preempted */
  reason: string;
  /** e.g. Binding, Scheduling */
  action: string;
  note: string;
}

export interface PodConditionUpdate {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  /** Keep this transition time when the status did not change (upstream's UpdatePodCondition); default: now. */
  lastTransitionTime?: string;
}

/** An error answered by the API (or the transport), with the HTTP status when there was one. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  /** metav1.Status reason, e.g. "Conflict", "NotFound", "Expired". */
  readonly reason: string;

  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }

  get isConflict(): boolean {
    return this.status === 409;
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
  get isGone(): boolean {
    return this.status === 410;
  }
}

/**
 * A coordination.k8s.io/v1 Lease, as leader election reads and writes it.
 * Only these fields are declared; the object an adapter returns carries all
 * the others (labels, annotations, managedFields) and updateLease must be
 * given that object back with a new spec, since a PUT keeps only what it is
 * sent.
 */
export interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string; uid?: string; labels?: Record<string, string> };
  spec: LeaseSpec;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** metav1.MicroTime: RFC 3339, six fractional digits, UTC. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseRef {
  namespace: string;
  name: string;
}

export interface LeaseCallOptions {
  /** Give up on the call after this long (the caller's renew deadline); default: the adapter's request timeout. */
  timeoutMs?: number;
}

export interface ClusterClient {
  informer<K extends ResourceKind>(kind: K, handler: InformerHandler<KindTypes[K]>, options?: InformerOptions): Informer;
  /** POST pods/binding with the pod's UID as precondition. Rejects with ApiError. */
  bind(pod: PodRef, nodeName: string): Promise<void>;
  /** Sets (or replaces) one condition in the pod's status, and optionally status.nominatedNodeName ("" clears). */
  updatePodStatus(pod: PodRef, condition: PodConditionUpdate, nominatedNodeName?: string): Promise<void>;
  /** Writes an Event; never rejects (failures are logged and counted by the adapter). */
  recordEvent(event: EventRecord): void;
  /** Merges annotations into a pod's metadata (the contracts with the node agent). */
  annotatePod(pod: PodRef, annotations: Record<string, string | null>): Promise<void>;
  /** Evicts a pod through the Eviction API (honours PodDisruptionBudgets). */
  evictPod(pod: PodRef): Promise<void>;
  /** Deletes a pod (preemption victims), with the UID as precondition. */
  deletePod(pod: PodRef): Promise<void>;
  // Leases, for leader election (src/leader/). Not rate-limited with the
  // writes above: a leader must renew even when binds saturate the limiter.
  /** GET a Lease; rejects with ApiError, 404 when there is none. */
  getLease(ref: LeaseRef, options?: LeaseCallOptions): Promise<Lease>;
  /** POST a Lease; rejects with ApiError, 409 AlreadyExists when one is there. */
  createLease(lease: Lease, options?: LeaseCallOptions): Promise<Lease>;
  /**
   * PUT a Lease read earlier, with its new spec: it succeeds only if
   * metadata.resourceVersion is still the stored one (optimistic
   * concurrency), else rejects with ApiError 409 Conflict.
   */
  updateLease(lease: Lease, options?: LeaseCallOptions): Promise<Lease>;
  /** Waits for buffered writes (events) and closes connections. */
  close(): Promise<void>;
}
