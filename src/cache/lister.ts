// The ClusterLister plugins read through their Handle: the cache's pods,
// addressed by the node's row in the cycle's node table, plus the objects the
// informers keep (namespaces, volumes, claims, storage classes).
import type { Namespace, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/types.ts';
import type { ClusterLister, NodePod, PodIndex } from '../framework/cluster-lister.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import type { ClusterCache } from './cache.ts';
import type { NodeTable } from './node-table.ts';

/** Namespaces and storage objects as the informers last saw them. */
export class ClusterObjects {
  readonly namespaces = new Map<string, Namespace>();
  readonly claims = new Map<string, PersistentVolumeClaim>();
  readonly volumes = new Map<string, PersistentVolume>();
  readonly storageClasses = new Map<string, StorageClass>();

  static key(namespace: string | undefined, name: string | undefined): string {
    return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
  }

  put<T extends { metadata?: { namespace?: string; name?: string } }>(map: Map<string, T>, obj: T): void {
    map.set(ClusterObjects.key(obj.metadata?.namespace, obj.metadata?.name), obj);
  }

  drop<T extends { metadata?: { namespace?: string; name?: string } }>(map: Map<string, T>, obj: T): void {
    map.delete(ClusterObjects.key(obj.metadata?.namespace, obj.metadata?.name));
  }
}

export class SnapshotLister implements ClusterLister {
  private readonly cache: ClusterCache;
  private readonly table: NodeTable;
  private readonly objects: ClusterObjects;
  /** podsWithAffinity's lists, kept until the pods with terms or the table's rows change. */
  private affinityLists: { affinityVersion: number; indexVersion: number; all: NodePod[]; requiredAnti: NodePod[] } | undefined;

  constructor(cache: ClusterCache, table: NodeTable, objects: ClusterObjects) {
    this.cache = cache;
    this.table = table;
    this.objects = objects;
  }

  podsOnNode(nodeIndex: number): readonly PodInfo[] {
    if (nodeIndex < 0 || nodeIndex >= this.table.size) return [];
    return this.cache.podsOn(this.table.nameAt(nodeIndex));
  }

  podIndex(): PodIndex {
    return this.cache.podIndex;
  }

  podsWithAffinity(): readonly NodePod[] {
    return this.lists().all;
  }

  podsWithRequiredAntiAffinity(): readonly NodePod[] {
    return this.lists().requiredAnti;
  }

  private lists(): { all: NodePod[]; requiredAnti: NodePod[] } {
    const affinityVersion = this.cache.affinityVersion;
    const indexVersion = this.cache.podIndex.version;
    let l = this.affinityLists;
    if (l === undefined || l.affinityVersion !== affinityVersion || l.indexVersion !== indexVersion) {
      l = { affinityVersion, indexVersion, all: this.collect(false), requiredAnti: this.collect(true) };
      this.affinityLists = l;
    }
    return l;
  }

  private collect(requiredAntiOnly: boolean): NodePod[] {
    const out: NodePod[] = [];
    for (const { nodeName, pod } of this.cache.affinityPodsWithNodes(requiredAntiOnly)) {
      const nodeIndex = this.table.indexOf(nodeName);
      if (nodeIndex >= 0) out.push({ nodeIndex, pod });
    }
    return out;
  }

  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined {
    const ns = this.objects.namespaces.get(namespace);
    return ns ? (ns.metadata?.labels ?? {}) : undefined;
  }

  persistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.objects.claims.get(ClusterObjects.key(namespace, name));
  }

  persistentVolume(name: string): PersistentVolume | undefined {
    return this.objects.volumes.get(name);
  }

  storageClass(name: string): StorageClass | undefined {
    return this.objects.storageClasses.get(name);
  }
}
