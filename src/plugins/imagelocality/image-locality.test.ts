// Ported from upstream pkg/scheduler/framework/plugins/imagelocality/image_locality_test.go
// (TestImageLocalityPriority, TestNormalizedImageName), plus image volumes (v1.36).
import type { Container, ContainerImage, Pod } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle } from '../../framework/interfaces.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { Code } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { calculatePriority, factory, normalizedImageName } from './image-locality.ts';

const handle: Handle = testHandle();
const mb = 1024 * 1024;

function podSpec(containers: string[], init: string[] = [], volumes: string[] = []): Pod {
  const pod = makePod('p').obj();
  pod.spec!.containers = containers.map((image, i): Container => ({ name: `c${i}`, image }));
  if (init.length > 0) pod.spec!.initContainers = init.map((image, i): Container => ({ name: `i${i}`, image }));
  if (volumes.length > 0) pod.spec!.volumes = volumes.map((reference, i) => ({ name: `v${i}`, image: { reference } }));
  return pod;
}

const test40250 = podSpec(['gcr.io/40', 'gcr.io/250']);
const test40300 = podSpec(['gcr.io/40', 'gcr.io/300']);
const testMinMax = podSpec(['gcr.io/10', 'gcr.io/4000']);
const test300600900 = podSpec(['gcr.io/300', 'gcr.io/600', 'gcr.io/900']);
const test3040 = podSpec(['gcr.io/30', 'gcr.io/40']);
const test30Init300 = podSpec(['gcr.io/30'], ['gcr.io/300']);

const node403002000: ContainerImage[] = [
  { names: ['gcr.io/40:latest', 'gcr.io/40:v1', 'gcr.io/40:v1'], sizeBytes: 40 * mb },
  { names: ['gcr.io/300:latest', 'gcr.io/300:v1'], sizeBytes: 300 * mb },
  { names: ['gcr.io/2000:latest'], sizeBytes: 2000 * mb },
];
const node25010: ContainerImage[] = [
  { names: ['gcr.io/250:latest'], sizeBytes: 250 * mb },
  { names: ['gcr.io/10:latest', 'gcr.io/10:v1'], sizeBytes: 10 * mb },
];
const node60040900: ContainerImage[] = [
  { names: ['gcr.io/600:latest'], sizeBytes: 600 * mb },
  { names: ['gcr.io/40:latest'], sizeBytes: 40 * mb },
  { names: ['gcr.io/900:latest'], sizeBytes: 900 * mb },
];
const node300600900: ContainerImage[] = [
  { names: ['gcr.io/300:latest'], sizeBytes: 300 * mb },
  { names: ['gcr.io/600:latest'], sizeBytes: 600 * mb },
  { names: ['gcr.io/900:latest'], sizeBytes: 900 * mb },
];
const node400030: ContainerImage[] = [
  { names: ['gcr.io/4000:latest'], sizeBytes: 4000 * mb },
  { names: ['gcr.io/30:latest'], sizeBytes: 30 * mb },
];
const node203040: ContainerImage[] = [
  { names: ['gcr.io/20:latest'], sizeBytes: 20 * mb },
  { names: ['gcr.io/30:latest'], sizeBytes: 30 * mb },
  { names: ['gcr.io/40:latest'], sizeBytes: 40 * mb },
];
const nodeWithNoImages: ContainerImage[] = [];

function imageNode(nodeName: string, images: ContainerImage[]) {
  const b = makeNode(nodeName);
  for (const image of images) b.image(image.names ?? [], image.sizeBytes ?? 0);
  return b.obj();
}

function scores(pod: Pod, nodes: [string, ContainerImage[]][]): { skipped: boolean; scores: [string, number][] } {
  const snap = buildSnapshot(nodes.map(([n, images]) => imageNode(n, images)));
  const plugin = factory(undefined, handle);
  const info = newPodInfo(pod);
  const state = new CycleState();
  const feasible = Int32Array.from(nodes.map(([n]) => snap.table.indexOf(n)));
  const pre = plugin.preScore(state, info, snap.table, feasible);
  if (pre?.code === Code.Skip) return { skipped: true, scores: nodes.map(([n]) => [n, 0]) };
  expect(pre).toBeNull();
  return { skipped: false, scores: nodes.map(([n]) => [n, plugin.score(state, info, snap.view(n))]) };
}

describe('ImageLocality (upstream TestImageLocalityPriority)', () => {
  test.each<[string, Pod, [string, ContainerImage[]][], number[]]>([
    // 100 * (250M/2 - 23M) / (1000M * 2 - 23M) = 5
    ['two images spread on two nodes, prefer the larger image one', test40250, [['node1', node403002000], ['node2', node25010]], [0, 5]],
    // 100 * ((40M + 300M)/2 - 23M) / (1000M * 2 - 23M) = 7
    ['two images on one node, prefer this node', test40300, [['node1', node403002000], ['node2', node25010]], [7, 0]],
    // 4000M/2 >= 1000M * 2: max threshold
    ['if exceed limit, use limit', testMinMax, [['node1', node400030], ['node2', node25010]], [100, 0]],
    // 100 * (4000M/3 - 23M) / (1000M * 2 - 23M) = 66
    [
      'if exceed limit, use limit (with node which has no images present)',
      testMinMax,
      [['node1', node400030], ['node2', node25010], ['node3', nodeWithNoImages]],
      [66, 0, 0],
    ],
    // node1: 100 * (600M * 2/3 + 900M * 2/3 - 23M) / (1000M * 3 - 23M) = 32; node2 adds 300M * 1/3: 36
    [
      'pod with multiple large images, node2 is preferred',
      test300600900,
      [['node1', node60040900], ['node2', node300600900], ['node3', nodeWithNoImages]],
      [32, 36, 0],
    ],
    // 100 * (30M + 40M * 1/2 - 23M) / (1000M * 2 - 23M) = 1
    ['pod with multiple small images', test3040, [['node1', node203040], ['node2', node400030]], [1, 0]],
    // 100 * (300M * 1/2 - 23M) / (1000M * 2 - 23M) = 6
    [
      'include InitContainers: two images spread on two nodes, prefer the larger image one',
      test30Init300,
      [['node1', node403002000], ['node2', node203040]],
      [6, 0],
    ],
    // Berth: v1.36 counts image volumes in the sum, not in the threshold: 100 * (300M * 1/2 - 23M) / (1000M - 23M) = 12
    ['image volumes add to the sum but not to the container count', podSpec(['gcr.io/30'], [], ['gcr.io/300']), [['node1', node403002000], ['node2', node203040]], [12, 0]],
    // Berth: per container, as upstream: 100 * (2 * 300M * 1/2 - 23M) / (1000M * 2 - 23M) = 14
    ['an image used by two containers counts twice', podSpec(['gcr.io/300', 'gcr.io/300']), [['node1', node403002000], ['node2', nodeWithNoImages]], [14, 0]],
    ['a tagged image matches only that tag', podSpec(['gcr.io/300:v1']), [['node1', node403002000], ['node2', nodeWithNoImages]], [12, 0]],
  ])('%s', (_name, pod, nodes, want) => {
    expect(scores(pod, nodes).scores).toEqual(nodes.map(([n], i) => [n, want[i]]));
  });

  test('PreScore skips when no node holds any of the images (every score would be 0)', () => {
    const got = scores(podSpec(['gcr.io/nowhere']), [['node1', node403002000], ['node2', node25010]]);
    expect(got.skipped).toBe(true);
  });
});

describe('normalizedImageName (upstream TestNormalizedImageName)', () => {
  const digest = 'sha256:4a9fe2c2a1c9c9c42e3b7c6b0f0c9f06d6b0a8f6f8f3ff7f0a5b1a1e2e3f4a5b';
  test.each([
    ['add :latest postfix 1', 'root', 'root:latest'],
    ['add :latest postfix 2', 'gcr.io:5000/root', 'gcr.io:5000/root:latest'],
    ['keep it as is 1', 'root:tag', 'root:tag'],
    ['keep it as is 2', `root@${digest}`, `root@${digest}`],
  ])('%s', (_name, input, output) => {
    expect(normalizedImageName(input)).toBe(output);
  });
});

describe('calculatePriority', () => {
  test.each([
    ['below the min threshold', 10 * mb, 1, 0],
    ['at the max threshold', 1000 * mb, 1, 100],
    ['past the max threshold', 5000 * mb, 2, 100],
    ['integer division truncates', 500 * mb, 1, 48],
  ])('%s', (_name, sum, containers, want) => {
    expect(calculatePriority(sum, containers)).toBe(want);
  });
});
