// Random changes to a ClusterCache for the randomized tests of the pod
// index and of the plugins that read it: pods added, assumed, forgotten,
// removed and updated (labels, terminating, confirmed on a node), nodes
// added, changed and removed, and snapshot updates, in one seeded sequence.
import type { Node, Pod } from '../api/types.ts';
import type { ClusterCache } from '../cache/cache.ts';
import type { ClusterLister } from '../framework/cluster-lister.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { makeNode } from './builders.ts';

export interface ChurnOptions {
  cache: ClusterCache;
  /** Node names the changes pick from. */
  names: readonly string[];
  random: () => number;
  /** A new pod, bound to nodeName (undefined: unbound, to be assumed). */
  newPod(nodeName: string | undefined): PodInfo;
  /** A node object (added or changed) for a name. */
  node(name: string): Node;
  /** Brings the snapshot up to date. */
  sync(): void;
  /** Chance that an update marks the pod terminating (default 0). */
  terminating?: number;
  /** Chance that an update keeps an app label (x or y) rather than none (default 0.6). */
  labelled?: number;
}

export class CacheChurn {
  /** The pods the cache holds, and whether each is only assumed. */
  readonly pods = new Map<string, { info: PodInfo; assumed: boolean }>();
  private readonly o: ChurnOptions;

  constructor(options: ChurnOptions) {
    this.o = options;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.o.random() * xs.length)]!;
  }

  /** One random change. */
  step(): void {
    const { cache, names, random } = this.o;
    const r = random();
    const known = [...this.pods.values()];
    if (r < 0.3) {
      const info = this.o.newPod(this.pick(names));
      cache.addPod(info);
      this.pods.set(info.uid, { info, assumed: false });
    } else if (r < 0.45) {
      const info = this.o.newPod(undefined);
      cache.assumePod(info, this.pick(names));
      this.pods.set(info.uid, { info, assumed: true });
    } else if (r < 0.52 && known.length > 0) {
      const p = this.pick(known);
      cache.forgetPod(p.info.uid);
      if (p.assumed) this.pods.delete(p.info.uid);
    } else if (r < 0.6 && known.length > 0) {
      const p = this.pick(known);
      cache.removePod(p.info);
      this.pods.delete(p.info.uid);
    } else if (r < 0.72 && known.length > 0) {
      // An update: new labels, terminating, or (for an assumed pod) confirmed on some node.
      const p = this.pick(known);
      const old = p.info.pod;
      const labels: Record<string, string> = random() < (this.o.labelled ?? 0.6) ? { app: this.pick(['x', 'y']) } : {};
      const terminating = random() < (this.o.terminating ?? 0) ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {};
      const next: Pod = {
        ...old,
        metadata: { ...old.metadata, labels, ...terminating },
        spec: { ...old.spec, nodeName: old.spec?.nodeName ?? this.pick(names) },
      };
      const info = newPodInfo(next);
      cache.updatePod(p.info, info);
      this.pods.set(info.uid, { info, assumed: false });
    } else if (r < 0.8) {
      cache.addNode(this.o.node(this.pick(names)));
    } else if (r < 0.86) {
      cache.removeNode(makeNode(this.pick(names)).obj());
    } else {
      this.o.sync();
    }
  }
}

/** The same lister without its pod index: plugins then count by reading every node's pods (the reference the index is checked against). */
export function withoutPodIndex(l: ClusterLister): ClusterLister {
  return {
    podsOnNode: (i) => l.podsOnNode(i),
    podsWithAffinity: () => l.podsWithAffinity(),
    podsWithRequiredAntiAffinity: () => l.podsWithRequiredAntiAffinity(),
    namespaceLabels: (ns) => l.namespaceLabels(ns),
    persistentVolumeClaim: (ns, n) => l.persistentVolumeClaim(ns, n),
    persistentVolume: (n) => l.persistentVolume(n),
    storageClass: (n) => l.storageClass(n),
  };
}
