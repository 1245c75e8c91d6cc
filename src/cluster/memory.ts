// MemoryClusterClient: the ClusterClient port over an in-process store, for
// unit tests, `berth simulate` and in-process benchmarks. It keeps the API's
// rules that the scheduler relies on — a bind needs the pod's UID and fails
// with 409 when the pod is already bound, 404 when it is gone — and delivers
// informer events asynchronously (on a microtask), as a real watch would.
//
// Stored objects are deep-frozen and handed to informers as they are, not
// copied: like client-go's shared informer cache, whatever an informer
// delivers is read-only (a handler that writes to it throws), and so is
// what create and update return (the stored object); get and list return
// copies to change and update with. create and update copy what they are given.
import { randomUUID } from 'node:crypto';
import type { Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PriorityClass, StorageClass } from '../api/types.ts';
import {
  ApiError,
  type ClusterClient,
  type EventRecord,
  type Informer,
  type InformerHandler,
  type InformerOptions,
  type KindTypes,
  type Lease,
  type LeaseRef,
  type PodConditionUpdate,
  type PodRef,
  type ResourceKind,
} from './client.ts';

type AnyObject = Pod | Node | Namespace | PriorityClass | PersistentVolume | PersistentVolumeClaim | StorageClass;
type Change = { type: 'add' | 'update' | 'delete'; old?: AnyObject; obj: AnyObject };

/** A deep copy of JSON-like data (objects and arrays; anything else through structuredClone). Faster than structuredClone for API objects. */
function copyOf<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out[i] = typeof v === 'object' && v !== null ? copyOf(v) : v;
    }
    return out as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  // for-in, not Object.keys: no array per object (plain objects only here, so nothing inherited is enumerable).
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    out[key] = typeof v === 'object' && v !== null ? copyOf(v) : v;
  }
  return out as T;
}

/**
 * Freezes JSON-like data, children first (no call per string or number).
 * What is frozen already is taken as frozen through: the store's objects are
 * built from frozen parts. No cycles (JSON has none; copyOf would not end either).
 */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null) deepFreeze(v);
    }
  } else {
    for (const key in value) {
      const v = (value as Record<string, unknown>)[key];
      if (typeof v === 'object' && v !== null) deepFreeze(v);
    }
  }
  return Object.freeze(value);
}

function keyOf(obj: AnyObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

/** Field selectors the scheduler uses: `a.b=v` and `a.b!=v`, comma-separated. */
function fieldSelectorMatcher(selector: string | undefined): (obj: AnyObject) => boolean {
  if (!selector) return () => true;
  const clauses = selector.split(',').map((clause) => {
    const neq = clause.includes('!=');
    const [path, value = ''] = clause.split(neq ? '!=' : /==?/);
    const parts = path!.trim().split('.');
    return { parts, value: value.trim(), neq };
  });
  return (obj) =>
    clauses.every(({ parts, value, neq }) => {
      let v: unknown = obj;
      for (const p of parts) v = (v as Record<string, unknown> | undefined)?.[p];
      const actual = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
      return neq ? actual !== value : actual === value;
    });
}

export class MemoryClusterClient implements ClusterClient {
  private readonly stores: Record<ResourceKind, Map<string, AnyObject>> = {
    pods: new Map(),
    nodes: new Map(),
    namespaces: new Map(),
    priorityclasses: new Map(),
    persistentvolumes: new Map(),
    persistentvolumeclaims: new Map(),
    storageclasses: new Map(),
  };
  private readonly subscribers: Record<ResourceKind, Set<(change: Change) => void>> = {
    pods: new Set(),
    nodes: new Set(),
    namespaces: new Set(),
    priorityclasses: new Set(),
    persistentvolumes: new Set(),
    persistentvolumeclaims: new Set(),
    storageclasses: new Set(),
  };
  private resourceVersion = 0;
  readonly events: EventRecord[] = [];
  /** How many bind calls were made (successful or not). */
  bindCalls = 0;
  /** Injected failures for tests: called before each bind; throw to fail it. */
  beforeBind: ((pod: PodRef, nodeName: string) => void | Promise<void>) | undefined;
  /** Leases by "namespace/name" (no informer follows them). */
  private readonly leases = new Map<string, Lease>();
  /** Injected faults for tests: called before each lease call; throw to fail it, await to delay it. */
  beforeLeaseCall: ((op: 'get' | 'create' | 'update', ref: LeaseRef) => void | Promise<void>) | undefined;

  // --- store operations (the "API" side) ---------------------------------

  create<K extends ResourceKind>(kind: K, obj: KindTypes[K]): KindTypes[K] {
    const copy = copyOf(obj) as AnyObject;
    copy.metadata ??= {};
    copy.metadata.uid ??= randomUUID();
    copy.metadata.resourceVersion = String(++this.resourceVersion);
    copy.metadata.creationTimestamp ??= new Date().toISOString();
    const key = keyOf(copy);
    if (this.stores[kind].has(key)) throw new ApiError(409, 'AlreadyExists', `${kind} "${key}" already exists`);
    deepFreeze(copy);
    this.stores[kind].set(key, copy);
    this.publish(kind, { type: 'add', obj: copy });
    return copy as KindTypes[K];
  }

  update<K extends ResourceKind>(kind: K, obj: KindTypes[K]): KindTypes[K] {
    return this.replace(kind, copyOf(obj)) as KindTypes[K];
  }

  /** Stores `next` (owned by the store from now on: frozen) in place of the object of its key. */
  private replace(kind: ResourceKind, next: AnyObject): AnyObject {
    const key = keyOf(next);
    const old = this.stores[kind].get(key);
    if (!old) throw new ApiError(404, 'NotFound', `${kind} "${key}" not found`);
    next.metadata = { ...next.metadata, uid: old.metadata?.uid, resourceVersion: String(++this.resourceVersion) };
    deepFreeze(next);
    this.stores[kind].set(key, next);
    this.publish(kind, { type: 'update', old, obj: next });
    return next;
  }

  remove(kind: ResourceKind, namespace: string | undefined, name: string): void {
    const key = namespace ? `${namespace}/${name}` : name;
    const old = this.stores[kind].get(key);
    if (!old) throw new ApiError(404, 'NotFound', `${kind} "${key}" not found`);
    this.stores[kind].delete(key);
    this.publish(kind, { type: 'delete', obj: old });
  }

  get<K extends ResourceKind>(kind: K, namespace: string | undefined, name: string): KindTypes[K] | undefined {
    const obj = this.stores[kind].get(namespace ? `${namespace}/${name}` : name);
    return obj ? (copyOf(obj) as KindTypes[K]) : undefined;
  }

  list<K extends ResourceKind>(kind: K): KindTypes[K][] {
    return [...this.stores[kind].values()].map((o) => copyOf(o) as KindTypes[K]);
  }

  private publish(kind: ResourceKind, change: Change): void {
    for (const subscriber of this.subscribers[kind]) queueMicrotask(() => subscriber(change));
  }

  // --- ClusterClient -------------------------------------------------------

  informer<K extends ResourceKind>(kind: K, handler: InformerHandler<KindTypes[K]>, options: InformerOptions = {}): Informer {
    const matches = fieldSelectorMatcher(options.fieldSelector);
    let synced = false;
    let running = false;
    const subscriber = (change: Change) => {
      if (!running) return;
      try {
        const now = matches(change.obj);
        const before = change.old ? matches(change.old) : false;
        const obj = change.obj as KindTypes[K];
        const old = change.old as KindTypes[K];
        if (change.type === 'add' && now) handler.onAdd(obj);
        else if (change.type === 'delete' && now) handler.onDelete(obj);
        else if (change.type === 'update') {
          // As with a real watch, an object leaving the selector is a delete, entering it an add.
          if (now && before) handler.onUpdate(old, obj);
          else if (now) handler.onAdd(obj);
          else if (before) handler.onDelete(old);
        }
      } catch (err) {
        // A handler error never stops the informer.
        if (process.env.BERTH_DEBUG_MEMORY) console.error('memory informer handler failed', err);
      }
    };
    return {
      start: async () => {
        running = true;
        this.subscribers[kind].add(subscriber);
        for (const obj of this.stores[kind].values()) {
          if (matches(obj)) handler.onAdd(obj as KindTypes[K]);
        }
        synced = true;
        await Promise.resolve();
      },
      hasSynced: () => synced,
      stop: () => {
        running = false;
        this.subscribers[kind].delete(subscriber);
      },
    };
  }

  async bind(ref: PodRef, nodeName: string): Promise<void> {
    this.bindCalls++;
    if (this.beforeBind) await this.beforeBind(ref, nodeName);
    const key = `${ref.namespace}/${ref.name}`;
    const pod = this.stores.pods.get(key) as Pod | undefined;
    if (!pod) throw new ApiError(404, 'NotFound', `pods "${ref.name}" not found`);
    if (pod.metadata?.uid !== ref.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${ref.uid}, UID in object meta: ${pod.metadata?.uid}`);
    }
    if (pod.spec?.nodeName) {
      throw new ApiError(409, 'Conflict', `pod ${ref.name} is already assigned to node "${pod.spec.nodeName}"`);
    }
    // Copies of what changes; the rest is shared with the stored (frozen) pod.
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: new Date().toISOString() });
    this.replace('pods', { ...pod, spec: { ...pod.spec, nodeName }, status: { ...pod.status, conditions } });
  }

  async updatePodStatus(ref: PodRef, condition: PodConditionUpdate, nominatedNodeName?: string): Promise<void> {
    const pod = this.stores.pods.get(`${ref.namespace}/${ref.name}`) as Pod | undefined;
    if (!pod || pod.metadata?.uid !== ref.uid) throw new ApiError(404, 'NotFound', `pods "${ref.name}" not found`);
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== condition.type);
    conditions.push({ ...condition, lastProbeTime: null, lastTransitionTime: condition.lastTransitionTime ?? new Date().toISOString() });
    const status = { ...pod.status, conditions };
    if (nominatedNodeName !== undefined) {
      if (nominatedNodeName) status.nominatedNodeName = nominatedNodeName;
      else delete status.nominatedNodeName;
    }
    this.replace('pods', { ...pod, status });
    await Promise.resolve();
  }

  recordEvent(event: EventRecord): void {
    this.events.push(deepFreeze(copyOf(event)));
  }

  async annotatePod(ref: PodRef, annotations: Record<string, string | null>): Promise<void> {
    const pod = this.stores.pods.get(`${ref.namespace}/${ref.name}`) as Pod | undefined;
    if (!pod) throw new ApiError(404, 'NotFound', `pods "${ref.name}" not found`);
    const merged: Record<string, string> = { ...pod.metadata?.annotations };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    this.replace('pods', { ...pod, metadata: { ...pod.metadata, annotations: merged } });
    await Promise.resolve();
  }

  async evictPod(ref: PodRef): Promise<void> {
    await this.deletePod(ref);
  }

  async deletePod(ref: PodRef): Promise<void> {
    const pod = this.stores.pods.get(`${ref.namespace}/${ref.name}`) as Pod | undefined;
    if (!pod) throw new ApiError(404, 'NotFound', `pods "${ref.name}" not found`);
    if (pod.metadata?.uid !== ref.uid) throw new ApiError(409, 'Conflict', 'Precondition failed: UID mismatch');
    this.remove('pods', ref.namespace, ref.name);
    await Promise.resolve();
  }

  // Leases: the apiserver's rules for them — create fails on an existing
  // name, update on a stale resourceVersion (409), either on a missing one (404).

  async getLease(ref: LeaseRef): Promise<Lease> {
    if (this.beforeLeaseCall) await this.beforeLeaseCall('get', ref);
    const lease = this.leases.get(`${ref.namespace}/${ref.name}`);
    if (!lease) throw new ApiError(404, 'NotFound', `leases.coordination.k8s.io "${ref.name}" not found`);
    return structuredClone(lease);
  }

  async createLease(lease: Lease): Promise<Lease> {
    if (this.beforeLeaseCall) await this.beforeLeaseCall('create', lease.metadata);
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    if (this.leases.has(key)) throw new ApiError(409, 'AlreadyExists', `leases.coordination.k8s.io "${lease.metadata.name}" already exists`);
    const stored: Lease = {
      metadata: { ...structuredClone(lease.metadata), uid: randomUUID(), resourceVersion: String(++this.resourceVersion) },
      spec: structuredClone(lease.spec),
    };
    this.leases.set(key, stored);
    return structuredClone(stored);
  }

  async updateLease(lease: Lease): Promise<Lease> {
    if (this.beforeLeaseCall) await this.beforeLeaseCall('update', lease.metadata);
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    const current = this.leases.get(key);
    if (!current) throw new ApiError(404, 'NotFound', `leases.coordination.k8s.io "${lease.metadata.name}" not found`);
    if (lease.metadata.resourceVersion !== undefined && lease.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on leases.coordination.k8s.io "${lease.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const stored: Lease = {
      metadata: { ...structuredClone(lease.metadata), uid: current.metadata.uid, resourceVersion: String(++this.resourceVersion) },
      spec: structuredClone(lease.spec),
    };
    this.leases.set(key, stored);
    return structuredClone(stored);
  }

  async close(): Promise<void> {
    for (const set of Object.values(this.subscribers)) set.clear();
    await Promise.resolve();
  }
}
