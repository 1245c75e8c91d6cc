// The plugin as the registry and the queue see it: name, args and their
// validation, events, and a 5,000-node / 20,000-pod smoke run of
// PreFilter + Filter (timed and printed, loosely bounded).
import type { Node, Pod } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { parseInterPodAffinityArgs } from './args.ts';
import { defaultArgs, factory, name, validateArgs } from './inter-pod-affinity.ts';

describe('InterPodAffinity plugin', () => {
  test('is named as upstream and builds from its default args', () => {
    expect(name).toBe('InterPodAffinity');
    const plugin = factory(defaultArgs, testHandle());
    expect(plugin.name).toBe(name);
    expect(plugin.args).toEqual({ hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false });
    expect(validateArgs(structuredClone(defaultArgs))).toEqual([]);
  });

  test('args are defaulted field by field', () => {
    expect(parseInterPodAffinityArgs(undefined).args).toEqual({ hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false });
    expect(parseInterPodAffinityArgs({ hardPodAffinityWeight: 0 }).args).toEqual({ hardPodAffinityWeight: 0, ignorePreferredTermsOfExistingPods: false });
    expect(parseInterPodAffinityArgs({ ignorePreferredTermsOfExistingPods: true }).args).toEqual({
      hardPodAffinityWeight: 1,
      ignorePreferredTermsOfExistingPods: true,
    });
  });

  test.each([
    [{ hardPodAffinityWeight: 100 }, []],
    [{ hardPodAffinityWeight: 0 }, []],
    [{ hardPodAffinityWeight: -1 }, ['hardPodAffinityWeight: Invalid value: -1: not in valid range [0, 100]']],
    [{ hardPodAffinityWeight: 101 }, ['hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]']],
    [{ hardPodAffinityWeight: 1.5 }, ['hardPodAffinityWeight: Invalid value: 1.5: must be an integer']],
    [{ hardPodAffinityWeight: '1' }, ['hardPodAffinityWeight: Invalid value: "1": must be an integer']],
    [{ ignorePreferredTermsOfExistingPods: 'yes' }, ['ignorePreferredTermsOfExistingPods: Invalid value: "yes": must be a boolean']],
    [{ hardPodAffinityWeigth: 1 }, ['hardPodAffinityWeigth: unknown field']],
    [[1], ['<args>: Invalid value: [1]: must be an object']],
    [null, []],
  ])('validateArgs(%j) → %j', (args, want) => {
    expect(validateArgs(args)).toEqual(want);
  });

  test('a bad profile fails at construction, naming the field', () => {
    expect(() => factory({ hardPodAffinityWeight: 101 }, testHandle())).toThrow(
      'InterPodAffinity args: hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]',
    );
  });

  test('registers the events upstream registers without queueing hints', () => {
    expect(factory({}, testHandle()).eventsToRegister()).toEqual([
      { resource: 'Pod', action: 'Add' },
      { resource: 'Pod', action: 'UpdatePodLabel' },
      { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ]);
  });
});

describe('smoke: 5,000 nodes and 20,000 pods', () => {
  const NODES = 5000;
  const PODS = 20000;
  const APPS = 200;

  function cluster(): { nodes: Node[]; pods: Pod[] } {
    const nodes: Node[] = [];
    for (let i = 0; i < NODES; i++) {
      nodes.push(
        makeNode(`node-${i}`)
          .labels({ 'topology.kubernetes.io/region': `r${i % 3}`, 'topology.kubernetes.io/zone': `z${i % 30}`, pool: `pool-${i % 7}` })
          .obj(),
      );
    }
    const pods: Pod[] = [];
    for (let i = 0; i < PODS; i++) {
      const app = `app-${i % APPS}`;
      const p = makePod(`pod-${i}`, `ns-${i % 10}`).label('app', app).label('tier', i % 2 === 0 ? 'web' : 'db').node(`node-${(i * 7919) % NODES}`).obj();
      if (i % 4 === 0) {
        // A quarter spread themselves one per host.
        p.spec!.affinity = {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }],
          },
        };
      } else if (i % 10 === 1) {
        p.spec!.affinity = {
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 10, podAffinityTerm: { labelSelector: { matchLabels: { tier: 'db' } }, topologyKey: 'topology.kubernetes.io/zone' } },
            ],
          },
        };
      }
      pods.push(p);
    }
    return { nodes, pods };
  }

  test('PreFilter + Filter on every node stays well under a second', () => {
    const { nodes, pods } = cluster();
    const snap = buildSnapshot(nodes, pods);
    const plugin = factory({}, testHandle({ lister: snap.lister }));
    // Same app as some spread pods (symmetry), near the db tier of another app, away from its own kind per host.
    const incoming = makePod('incoming', 'ns-4').label('app', 'app-4').obj();
    incoming.spec!.affinity = {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'app-13', tier: 'db' } }, namespaces: ['ns-3'], topologyKey: 'topology.kubernetes.io/zone' },
        ],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'app-4' } }, namespaceSelector: {}, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    };
    const pod = newPodInfo(incoming);
    const view = snap.table.view(0);

    const runOnce = (): { ms: number; feasible: number } => {
      const start = performance.now();
      const state = new CycleState();
      const pre = plugin.preFilter(state, pod, snap.table);
      expect(pre.status).toBeNull();
      let feasible = 0;
      for (let i = 0; i < snap.table.size; i++) if (plugin.filter(state, pod, view.at(i)) === null) feasible++;
      return { ms: performance.now() - start, feasible };
    };
    const cold = runOnce();
    const warm = runOnce();
    const scoreStart = performance.now();
    const state = new CycleState();
    const all = Int32Array.from({ length: snap.table.size }, (_, i) => i);
    const scorePod = newPodInfo(pods[1]!);
    expect(plugin.preScore(state, scorePod, snap.table, all)).toBeNull();
    for (let i = 0; i < all.length; i++) plugin.score(state, scorePod, view.at(i));
    const scoreMs = performance.now() - scoreStart;
    console.log(
      `InterPodAffinity smoke (${NODES} nodes, ${PODS} pods): PreFilter+Filter ${cold.ms.toFixed(1)} ms cold, ${warm.ms.toFixed(1)} ms warm ` +
        `(${warm.feasible} feasible); PreScore+Score ${scoreMs.toFixed(1)} ms`,
    );
    expect(warm.feasible).toBe(cold.feasible);
    // Only app-13's zones qualify, minus the hosts running app-4.
    expect(warm.feasible).toBeGreaterThan(0);
    expect(warm.feasible).toBeLessThan(NODES);
    expect(cold.ms).toBeLessThan(1000);
  });
});
