// Opportunistic batching (batch.ts): a batched pod lands where a full cycle
// would have put it, the batch re-checks what changed, and it gives way to a
// full cycle when it cannot vouch for its scores.
import type { Node, Pod } from '../api/types.ts';
import { resolveConfig } from '../config/scheduler-config.ts';
import type { PodInfo } from '../framework/interfaces.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { Framework } from '../framework/runtime.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import { buildSnapshot, makeNode, makePod, testHandle, type TestSnapshot } from '../testing/builders.ts';
import { inlineParallelizer } from '../parallel/inline.ts';
import type { Parallelizer } from '../parallel/parallelizer.ts';
import { Batches } from './batch.ts';
import { Algorithm } from './schedule-pod.ts';
import { seededRandom } from '../testing/random.ts';

/** Nodes of different sizes (so scores differ), two zones. */
function nodes(count: number): Node[] {
  return Array.from({ length: count }, (_, i) =>
    makeNode(`n${i}`)
      .capacity({ cpu: String(2 + (i % 7)), memory: `${4 + ((i * 3) % 11)}Gi`, pods: '110' })
      .label('topology.kubernetes.io/zone', i % 2 === 0 ? 'a' : 'b')
      .obj(),
  );
}

function framework(snapshot: TestSnapshot, config: object = {}): Framework {
  const resolved = resolveConfig(config, inTreeRegistry, defaultPlugins);
  return new Framework(resolved.profiles[0]!, inTreeRegistry, testHandle({ lister: snapshot.lister }));
}


interface Run {
  placements: string[];
  batches: Batches | undefined;
}

/**
 * Schedules `pods` one by one, assuming each where it goes; between pods,
 * `mutate` may change the cluster (other schedulers' pods, deletions).
 */
function run(count: number, pods: PodInfo[], batching: boolean, mutate?: (snapshot: TestSnapshot, step: number) => void): Run {
  const snapshot = buildSnapshot(nodes(count));
  const fw = framework(snapshot);
  const batches = batching ? new Batches({ now: () => 0, affinityVersion: () => snapshot.cache.affinityVersion }) : undefined;
  const algorithm = new Algorithm(42, undefined, batches);
  const placements: string[] = [];
  pods.forEach((pod, step) => {
    mutate?.(snapshot, step);
    snapshot.cache.updateSnapshot(snapshot.table);
    const result = algorithm.schedulePod(fw, pod, snapshot.table);
    snapshot.cache.assumePod(pod, result.nodeName);
    placements.push(result.nodeName);
  });
  return { placements, batches };
}

const same = (n: number, prefix = 'p', req = { cpu: '300m', memory: '256Mi' }): PodInfo[] =>
  Array.from({ length: n }, (_, i) => makePod(`${prefix}${i}`).req(req).info());

/**
 * Between pods, seeded: now and then a pod that counts for spreading
 * (`app=web`, made like the batched ones by `shape`) placed by someone else,
 * or one of those deleted: domain counts and the minimum move.
 */
function webChurn(seed: number, shape: (pod: Pod) => void = () => {}): (snapshot: TestSnapshot, step: number) => void {
  const random = seededRandom(seed);
  const mine: Pod[] = [];
  return (snapshot, step) => {
    const r = random();
    if (r < 0.15) {
      const pod = makePod(`other-${step}`).req({ cpu: '100m' }).label('app', 'web').node(`n${Math.floor(random() * 40)}`).obj();
      shape(pod);
      mine.push(pod);
      snapshot.cache.addPod(newPodInfo(pod));
    } else if (r < 0.25 && mine.length > 0) {
      snapshot.cache.removePod(newPodInfo(mine.shift()!));
    }
  };
}

/** Zone and hostname spreading of `app=web`, ScheduleAnyway. */
function scheduleAnyway(pod: Pod): Pod {
  pod.spec!.topologySpreadConstraints = [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } },
    { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } },
  ];
  return pod;
}

describe('opportunistic batching', () => {
  test('equal pods are placed from the batch, exactly where full cycles place them', () => {
    const pods = same(120);
    const full = run(40, pods, false);
    const batched = run(40, pods, true);
    expect(batched.placements).toEqual(full.placements);
    expect(batched.batches!.stats.used).toBeGreaterThan(100);
    // Every batched pod re-checked the node the one before it went to.
    expect(batched.batches!.stats.rechecked).toBeGreaterThanOrEqual(batched.batches!.stats.used);
  });

  test('with other pods placed, deleted and filling nodes in between, the placements stay those of full cycles', () => {
    const pods = same(150);
    const mutations = (seed: number) => {
      const random = seededRandom(seed);
      const foreign: Pod[] = [];
      return (snapshot: TestSnapshot, step: number) => {
        const r = random();
        if (r < 0.3) {
          // Another scheduler's pod, sometimes big enough to fill a node.
          const big = random() < 0.3;
          const pod = makePod(`other-${step}`)
            .req({ cpu: big ? '6' : '200m', memory: big ? '6Gi' : '128Mi' })
            .node(`n${Math.floor(random() * 40)}`)
            .obj();
          foreign.push(pod);
          snapshot.cache.addPod(newPodInfo(pod));
        } else if (r < 0.4 && foreign.length > 0) {
          snapshot.cache.removePod(newPodInfo(foreign.shift()!));
        }
      };
    };
    const full = run(40, pods, false, mutations(7));
    const batched = run(40, pods, true, mutations(7));
    expect(batched.placements).toEqual(full.placements);
    expect(batched.batches!.stats.used).toBeGreaterThan(50);
  });

  test('pods with DoNotSchedule spread constraints: the batch re-checks spreading on every kept node; placements stay those of full cycles', () => {
    const spread = (i: number) => {
      const pod = makePod(`s${i}`).req({ cpu: '100m', memory: '64Mi' }).label('app', 'web').obj();
      pod.spec!.topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
        { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
      ];
      return newPodInfo(pod);
    };
    const pods = Array.from({ length: 120 }, (_, i) => spread(i));
    const full = run(40, pods, false, webChurn(3));
    const batched = run(40, pods, true, webChurn(3));
    expect(batched.placements).toEqual(full.placements);
    expect(batched.batches!.stats.used).toBeGreaterThan(40);
  });

  test('pods that ask for different things do not share a batch', () => {
    const a = same(3, 'a', { cpu: '100m', memory: '128Mi' });
    const b = same(3, 'b', { cpu: '200m', memory: '128Mi' });
    const { batches } = run(20, [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!], true);
    // Each signature keeps its own batch: the second and third of each kind are batched.
    expect(batches!.stats.used).toBe(4);
    expect(batches!.size).toBe(2);
  });

  test('two profiles with the same plugins keep a batch each', () => {
    const snapshot = buildSnapshot(nodes(10));
    const config = resolveConfig({ profiles: [{ schedulerName: 'a' }, { schedulerName: 'b' }] }, inTreeRegistry, defaultPlugins);
    const [fa, fb] = config.profiles.map((p) => new Framework(p, inTreeRegistry, testHandle({ lister: snapshot.lister })));
    const batches = new Batches({ now: () => 0 });
    const algorithm = new Algorithm(1, undefined, batches);
    const pods = same(6);
    pods.forEach((pod, i) => {
      snapshot.cache.updateSnapshot(snapshot.table);
      const r = algorithm.schedulePod(i % 2 === 0 ? fa! : fb!, pod, snapshot.table);
      snapshot.cache.assumePod(pod, r.nodeName);
    });
    expect(fa!.signPod(pods[0]!)).not.toBe(fb!.signPod(pods[0]!));
    expect(batches.size).toBe(2);
    expect(batches.stats.used).toBe(4);
    expect(batches.stats.flushed.incompatible).toBe(0);
  });

  test('a node whose spec changes, or a new node, drops the batch', () => {
    const pods = same(4);
    const { batches } = run(20, pods, true, (snapshot, step) => {
      if (step === 2) snapshot.cache.addNode(makeNode('late').capacity({ cpu: '64', memory: '64Gi', pods: '110' }).obj());
    });
    expect(batches!.stats.flushed.nodes_changed).toBe(1);
    expect(batches!.stats.used).toBe(2);
  });

  test('more row writes than the table remembers drop the batch', () => {
    const pods = same(4);
    const { batches } = run(20, pods, true, (snapshot, step) => {
      if (step !== 2) return;
      const other = newPodInfo(makePod('churn').req({ cpu: '1m' }).node('n3').obj());
      for (let i = 0; i < 2100; i++) {
        snapshot.cache.addPod(other);
        snapshot.cache.updateSnapshot(snapshot.table);
        snapshot.cache.removePod(other);
        snapshot.cache.updateSnapshot(snapshot.table);
      }
    });
    expect(batches!.stats.flushed.nodes_changed).toBe(1);
    expect(batches!.stats.used).toBe(2);
  });

  test('a pod with affinity terms appearing drops the batch', () => {
    const pods = same(4);
    const { batches } = run(20, pods, true, (snapshot, step) => {
      if (step === 2) {
        const affine = makePod('affine').node('n1').obj();
        affine.spec!.affinity = {
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] },
        };
        snapshot.cache.addPod(newPodInfo(affine));
      }
    });
    expect(batches!.stats.flushed.affinity_changed).toBe(1);
  });

  test.each([
    [
      'ScheduleAnyway spread constraints',
      (pod: Pod) => {
        scheduleAnyway(pod);
      },
    ],
    [
      'a controller (System default spreading, ScheduleAnyway)',
      (pod: Pod) => {
        pod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-1', controller: true }];
      },
    ],
    [
      'both DoNotSchedule and ScheduleAnyway constraints',
      (pod: Pod) => {
        pod.spec!.topologySpreadConstraints = [
          { maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } },
        ];
      },
    ],
  ])('pods with %s: the batch rescores spreading over its kept nodes for each pod; placements stay those of full cycles', (_what, shape) => {
    const owned = (i: number) => {
      const pod = makePod(`w${i}`).req({ cpu: '100m', memory: '64Mi' }).label('app', 'web').obj();
      shape(pod);
      return newPodInfo(pod);
    };
    const pods = Array.from({ length: 150 }, (_, i) => owned(i));
    // Other pods that count: the same labels and, for System defaults, the same controller.
    const full = run(40, pods, false, webChurn(5, shape));
    const batched = run(40, pods, true, webChurn(5, shape));
    expect(batched.placements).toEqual(full.placements);
    expect(batched.batches!.stats.used).toBeGreaterThan(60);
  });

  test('ScheduleAnyway pods whose Score went to a worker pool: what changed during the wait does not skew the batch', async () => {
    // As with the worker pool, Score is asynchronous, and informer events (here: matching pods
    // bound by someone else) reach the live pod index while it runs.
    const pods = Array.from({ length: 60 }, (_, i) => newPodInfo(scheduleAnyway(makePod(`w${i}`).req({ cpu: '100m', memory: '64Mi' }).label('app', 'web').obj())));
    const runAsync = async (batching: boolean): Promise<string[]> => {
      const snapshot = buildSnapshot(nodes(40));
      const fw = framework(snapshot);
      const batches = batching ? new Batches({ now: () => 0, affinityVersion: () => snapshot.cache.affinityVersion }) : undefined;
      let scored = 0;
      const pool: Parallelizer = {
        filter: (job) => inlineParallelizer.filter(job),
        score: async (job) => {
          const status = inlineParallelizer.score(job);
          await Promise.resolve();
          if (scored++ === 0) {
            for (let k = 0; k < 6; k++) snapshot.cache.addPod(newPodInfo(scheduleAnyway(makePod(`other-${k}`).req({ cpu: '10m' }).label('app', 'web').node(`n${k % 3}`).obj())));
          }
          return status;
        },
        close: () => Promise.resolve(),
      };
      const algorithm = new Algorithm(42, pool, batches);
      const placements: string[] = [];
      for (const pod of pods) {
        snapshot.cache.updateSnapshot(snapshot.table);
        const result = await algorithm.schedule(fw, pod, snapshot.table);
        snapshot.cache.assumePod(pod, result.nodeName);
        placements.push(result.nodeName);
      }
      return placements;
    };
    expect(await runAsync(true)).toEqual(await runAsync(false));
  });

  test('no batch for pods with pod affinity or volume claims', () => {
    const affine = makePod('a').req({ cpu: '100m' }).obj();
    affine.spec!.affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } };
    const claim = makePod('c').req({ cpu: '100m' }).obj();
    claim.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    const snapshot = buildSnapshot(nodes(3));
    const fw = framework(snapshot);
    for (const pod of [affine, claim]) expect([pod.metadata!.name, fw.signPod(newPodInfo(pod))]).toEqual([pod.metadata!.name, null]);
    expect(fw.signPod(makePod('plain').req({ cpu: '100m' }).info())).not.toBeNull();
  });

  test('a plugin without signPod makes every pod unsignable', () => {
    const snapshot = buildSnapshot(nodes(3));
    const registry = new Map(inTreeRegistry);
    registry.set('Unsigned', { name: 'Unsigned', factory: () => ({ name: 'Unsigned', filter: () => null }) });
    const config = resolveConfig({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Unsigned' }] } } }] }, registry, defaultPlugins);
    const fw = new Framework(config.profiles[0]!, registry, testHandle({ lister: snapshot.lister }));
    expect(fw.signPod(makePod('plain').req({ cpu: '100m' }).info())).toBeNull();
  });

  test('a batch expires after maxAgeMs and after serving as many pods as it had nodes', () => {
    let now = 0;
    const snapshot = buildSnapshot(nodes(5));
    const fw = framework(snapshot);
    const batches = new Batches({ now: () => now, maxAgeMs: 100 });
    const algorithm = new Algorithm(1, undefined, batches);
    const place = (pod: PodInfo) => {
      snapshot.cache.updateSnapshot(snapshot.table);
      const r = algorithm.schedulePod(fw, pod, snapshot.table);
      snapshot.cache.assumePod(pod, r.nodeName);
      return r;
    };
    const pods = same(20, 'q', { cpu: '10m', memory: '10Mi' });
    expect(place(pods[0]!).batched).toBeUndefined();
    expect(place(pods[1]!).batched).toBe(true);
    now = 101;
    expect(place(pods[2]!).batched).toBeUndefined();
    expect(batches.stats.flushed.expired).toBe(1);
    // Five nodes: the new batch serves five pods, then a full cycle makes the next one.
    const batchedInARow = pods.slice(3, 9).map((p) => place(p).batched === true);
    expect(batchedInARow).toEqual([true, true, true, true, true, false]);
    expect(batches.stats.flushed.used_up).toBe(1);
  });

  test('when no kept node fits any more, the pod gets a full cycle and still finds the node that fits', () => {
    // Two small nodes fill up; the big one is not among the first cycle's feasible nodes... it is: all nodes are.
    const snapshot = buildSnapshot([
      makeNode('small-0').capacity({ cpu: '1', memory: '1Gi', pods: '110' }).obj(),
      makeNode('small-1').capacity({ cpu: '1', memory: '1Gi', pods: '110' }).obj(),
    ]);
    const fw = framework(snapshot);
    const batches = new Batches({ now: () => 0 });
    const algorithm = new Algorithm(1, undefined, batches);
    const pods = same(4, 'w', { cpu: '500m', memory: '100Mi' });
    const placed: string[] = [];
    for (const pod of pods) {
      snapshot.cache.updateSnapshot(snapshot.table);
      const r = algorithm.schedulePod(fw, pod, snapshot.table);
      snapshot.cache.assumePod(pod, r.nodeName);
      placed.push(r.nodeName);
    }
    expect(placed.sort()).toEqual(['small-0', 'small-0', 'small-1', 'small-1']);
    // A fifth pod fits nowhere: the batch empties and the full cycle reports the FitError.
    snapshot.cache.updateSnapshot(snapshot.table);
    expect(() => algorithm.schedulePod(fw, makePod('w-last').req({ cpu: '500m', memory: '100Mi' }).info(), snapshot.table)).toThrow(/Insufficient cpu/);
  });
});

describe('resolveConfig batching', () => {
  test('on by default, 500 ms; can be turned off; a negative age is an error', () => {
    expect(resolveConfig({}, inTreeRegistry, defaultPlugins).batching).toEqual({ enabled: true, maxAgeMs: 500 });
    expect(resolveConfig({ batching: { enabled: false } }, inTreeRegistry, defaultPlugins).batching.enabled).toBe(false);
    expect(() => resolveConfig({ batching: { maxAgeMs: -1 } }, inTreeRegistry, defaultPlugins)).toThrow(/batching.maxAgeMs/);
  });
});
