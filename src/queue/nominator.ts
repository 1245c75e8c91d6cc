// Pods nominated to run on a node: preemption picked the node and evicted
// victims for them, and the node's freed room is held for them until they
// bind, so that lower-priority pods do not take it meanwhile. As upstream's
// nominator: keyed by node name, with a reverse index by pod UID so a pod is
// nominated to at most one node at a time.
import type { PodInfo } from '../framework/interfaces.ts';

export class Nominator {
  /** node name → the pods nominated to it, in nomination order. */
  private readonly byNode = new Map<string, PodInfo[]>();
  /** pod UID → node name. */
  private readonly nodeByUid = new Map<string, string>();

  /**
   * Nominates the pod to nodeName; without nodeName, to the pod's own
   * status.nominatedNodeName (a pod re-added after a restart keeps its
   * nomination). An empty name only clears a nomination.
   */
  add(podInfo: PodInfo, nodeName?: string): void {
    this.delete(podInfo.uid);
    const node = nodeName ?? podInfo.pod.status?.nominatedNodeName ?? '';
    if (node === '') return;
    this.nodeByUid.set(podInfo.uid, node);
    const list = this.byNode.get(node);
    if (list === undefined) this.byNode.set(node, [podInfo]);
    else list.push(podInfo);
  }

  /**
   * Replaces the pod's info. An update that carries no nominatedNodeName on
   * either side keeps the in-memory nomination: the API write that records
   * it may not have landed yet.
   */
  update(oldPodInfo: PodInfo, newPodInfo: PodInfo): void {
    let nodeName: string | undefined;
    if (!oldPodInfo.pod.status?.nominatedNodeName && !newPodInfo.pod.status?.nominatedNodeName) {
      nodeName = this.nodeByUid.get(oldPodInfo.uid);
      if (nodeName === undefined) return;
    }
    this.delete(oldPodInfo.uid);
    this.add(newPodInfo, nodeName);
  }

  delete(uid: string): void {
    const node = this.nodeByUid.get(uid);
    if (node === undefined) return;
    this.nodeByUid.delete(uid);
    const list = this.byNode.get(node);
    if (list === undefined) return;
    const i = list.findIndex((p) => p.uid === uid);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byNode.delete(node);
  }

  /** A copy: the caller may hold it across queue changes. */
  nominatedPodsForNode(nodeName: string): PodInfo[] {
    return this.byNode.get(nodeName)?.slice() ?? [];
  }

  nominatedNodeFor(uid: string): string | undefined {
    return this.nodeByUid.get(uid);
  }

  get size(): number {
    return this.nodeByUid.size;
  }
}
