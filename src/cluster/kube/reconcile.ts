// After a relist (the watch fell too far behind: 410 Gone), the informer's
// store and the fresh list are compared, and the difference is what the
// handlers are told: objects no longer listed are deleted, listed objects at a
// new resourceVersion are updated, unknown ones are added. An object recreated
// under the same name (a new UID) is a delete of the old one and an add of the
// new one, never an update: the scheduler tracks pods by UID.
import type { ObjectMeta } from '../../api/types.ts';

export interface KubeObject {
  metadata?: ObjectMeta;
}

/** The store key: "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function objectKey(obj: KubeObject): string {
  const meta = obj.metadata;
  const name = meta?.name ?? '';
  return meta?.namespace ? `${meta.namespace}/${name}` : name;
}

export interface ReconcilePlan<T> {
  /** Known objects that are gone, in their last known state. */
  deletes: T[];
  updates: { oldObj: T; newObj: T }[];
  adds: T[];
  /** The store after the relist: exactly the listed objects. */
  store: Map<string, T>;
}

export function reconcile<T extends KubeObject>(known: ReadonlyMap<string, T>, listed: readonly T[]): ReconcilePlan<T> {
  const store = new Map<string, T>();
  const deletes: T[] = [];
  const updates: { oldObj: T; newObj: T }[] = [];
  const adds: T[] = [];
  for (const obj of listed) {
    const key = objectKey(obj);
    store.set(key, obj);
    const old = known.get(key);
    if (old === undefined) {
      adds.push(obj);
    } else if (old.metadata?.uid !== obj.metadata?.uid) {
      deletes.push(old);
      adds.push(obj);
    } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      updates.push({ oldObj: old, newObj: obj });
    }
  }
  for (const [key, old] of known) {
    if (!store.has(key)) deletes.push(old);
  }
  return { deletes, updates, adds, store };
}
