// ImageLocality: prefer nodes that already hold the pod's images, weighted by
// size and by how widely each image has spread, so one node holding a big
// image does not attract every pod (upstream
// pkg/scheduler/framework/plugins/imagelocality, v1.36).
//
//   score(node) = 100 × (clamp(Σ size × nodesWithImage / totalNodes) − 23Mi)
//                       / (1000Mi × containers − 23Mi)
// over the images of init containers, containers and image volumes, summed
// per container (an image used twice counts twice), in upstream's integer
// arithmetic. "containers" counts init containers and containers (v1.36:
// image volumes add to the sum but not to the threshold).
//
//   PreScore  (Berth only) normalize the pod's image names, intern them and
//             compute each one's spread over the snapshot once; Skip when no
//             node holds any of them (every score would be 0).
//   Score     per node: look the pod's image ids up in the node's images.
import type { Pod } from '../../api/types.ts';
import type { CycleState } from '../../framework/cycle-state.ts';
import {
  MAX_NODE_SCORE,
  type Handle,
  type PodInfo,
  type PreScorePlugin,
  type ScorePlugin,
  type SignPlugin,
} from '../../framework/interfaces.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';

export const name = 'ImageLocality';

const MB = 1024 * 1024;
/** Bounds of the image-size range that counts, per container. */
export const minThreshold = 23 * MB;
export const maxContainerThreshold = 1000 * MB;

const preScoreStateKey = `PreScore${name}`;
const skip = new Status(Code.Skip, [], name);

/** Plain data (structured-cloneable) so a worker thread can run it. */
export interface PreScoreState {
  /** Interned ids of the pod's images that some node holds; one entry per container using it. */
  imageIds: number[];
  /** nodesWithImage / totalNodes, per entry of imageIds. */
  spreads: number[];
  /** Init containers + containers: the max threshold's multiplier. */
  numContainers: number;
}

/**
 * The CRI name for an image: ":latest" is added when there is no tag (no ':'
 * after the last '/'). Digests ("name@sha256:…") keep their ':' and stay as
 * they are.
 */
export function normalizedImageName(image: string): string {
  return image.lastIndexOf(':') <= image.lastIndexOf('/') ? `${image}:latest` : image;
}

/** The images upstream scores: init containers, containers, then image volumes. */
export function podImages(pod: Pod): { images: string[]; numContainers: number } {
  const init = Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : [];
  const containers = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
  const images: string[] = [];
  for (const c of init) images.push(c?.image ?? '');
  for (const c of containers) images.push(c?.image ?? '');
  for (const v of Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : []) {
    const image = v?.image as { reference?: unknown } | undefined;
    if (image !== null && typeof image === 'object' && typeof image.reference === 'string') images.push(image.reference);
  }
  return { images, numContainers: init.length + containers.length };
}

/** Upstream's calculatePriority, in int64 arithmetic. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = maxContainerThreshold * numContainers;
  let sum = sumScores;
  if (sum < minThreshold) sum = minThreshold;
  else if (sum > maxThreshold) sum = maxThreshold;
  return Math.trunc((MAX_NODE_SCORE * (sum - minThreshold)) / (maxThreshold - minThreshold)) || 0;
}

export class ImageLocalityPlugin {
  readonly name = name;

  /** Batching: the images; a node's score reads its images and how many nodes have them (node specs only). */
  signPod(pod: PodInfo): string {
    const { images, numContainers } = this.imagesOf(pod);
    return `${numContainers}:${images.join(' ')}`;
  }

  /** podImages of the pod of this cycle: signPod and PreScore both need it. */
  private imagesOf(pod: PodInfo): { images: string[]; numContainers: number } {
    if (this.last?.pod !== pod) this.last = { pod, ...podImages(pod.pod) };
    return this.last;
  }
  private last: { pod: PodInfo; images: string[]; numContainers: number } | undefined;

  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, _feasible: Int32Array): Result {
    const { images, numContainers } = this.imagesOf(pod);
    const imageIds: number[] = [];
    const spreads: number[] = [];
    const total = nodes.size;
    for (const image of images) {
      const id = nodes.interner.lookup(normalizedImageName(image));
      const holders = id < 0 ? 0 : nodes.imageNodeCount(id);
      if (holders === 0) continue;
      imageIds.push(id);
      spreads.push(holders / total);
    }
    if (imageIds.length === 0) return skip;
    state.write(preScoreStateKey, { imageIds, spreads, numContainers } satisfies PreScoreState);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeView): number {
    const s = state.read<PreScoreState>(preScoreStateKey);
    if (s === undefined) throw new Error(`reading "${preScoreStateKey}" from cycleState: not found`);
    const n = node.imageCount();
    let sum = 0;
    for (let k = 0; k < s.imageIds.length; k++) {
      const id = s.imageIds[k]!;
      for (let i = 0; i < n; i++) {
        if (node.imageIdAt(i) === id) {
          // scaledImageScore: int64(float64(size) * spread)
          sum += Math.trunc(node.imageSizeAt(i) * s.spreads[k]!);
          break;
        }
      }
    }
    return calculatePriority(sum, s.numContainers);
  }
}

/** ImageLocality takes no args. */
export const factory = ((_args: unknown, _handle: Handle): ImageLocalityPlugin => new ImageLocalityPlugin()) satisfies (
  args: unknown,
  handle: Handle,
) => PreScorePlugin & ScorePlugin & SignPlugin;
