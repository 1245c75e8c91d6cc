// What plugins may read of the cluster beyond the node table: the pods on
// each node (bound and assumed, as of the cycle's snapshot), namespaces, and
// the storage objects. Plugins receive it through their Handle and read it in
// PreFilter/PreScore only, to precompute what their per-node code needs.
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/types.ts';
import type { PodInfo } from './interfaces.ts';

/** A pod and the table index of the node it is counted on. */
export interface NodePod {
  nodeIndex: number;
  pod: PodInfo;
}

export interface ClusterLister {
  /** The pods counted on the node at this table index (bound and assumed). */
  podsOnNode(nodeIndex: number): readonly PodInfo[];
  /** Every pod in the snapshot with pod affinity or anti-affinity terms (required or preferred). */
  podsWithAffinity(): readonly NodePod[];
  /** The pods in the snapshot with required anti-affinity terms (the symmetry rule). */
  podsWithRequiredAntiAffinity(): readonly NodePod[];
  /** Labels of a namespace, or undefined if it is not known. */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  persistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  persistentVolume(name: string): PersistentVolume | undefined;
  storageClass(name: string): StorageClass | undefined;
}

/** A lister with nothing in it (plugins constructed for probing, tests that need none). */
export const emptyLister: ClusterLister = {
  podsOnNode: () => [],
  podsWithAffinity: () => [],
  podsWithRequiredAntiAffinity: () => [],
  namespaceLabels: () => undefined,
  persistentVolumeClaim: () => undefined,
  persistentVolume: () => undefined,
  storageClass: () => undefined,
};
