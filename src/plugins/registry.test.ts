// The registry and the default profile: every plugin is registered once under
// the name it reports, builds from its default args, and the default profile
// is upstream's v1.36 MultiPoint list expanded to the points each plugin
// implements.
import type { Handle } from '../framework/interfaces.ts';
import { testHandle } from '../testing/builders.ts';
import { EXTENSION_POINTS, implementsPoint } from '../framework/runtime.ts';
import { defaultMultiPoint, defaultPluginWeights, defaultPlugins, inTreeRegistry } from './registry.ts';

const handle: Handle = testHandle();

describe('inTreeRegistry', () => {
  test('holds the in-tree plugins, each under the name its instance reports', () => {
    expect([...inTreeRegistry.keys()].sort()).toEqual(
      [
        'DefaultBinder',
        'ImageLocality',
        'InterPodAffinity',
        'NodeAffinity',
        'NodeName',
        'NodePorts',
        'NodeResourcesBalancedAllocation',
        'NodeResourcesFit',
        'NodeUnschedulable',
        'PodTopologySpread',
        'PrioritySort',
        'SchedulingGates',
        'TaintToleration',
        'VolumeBinding',
      ].sort(),
    );
    for (const [name, entry] of inTreeRegistry) {
      expect(entry.name).toBe(name);
      expect(entry.factory(entry.defaultArgs, handle).name).toBe(name);
    }
  });

  test('default args are valid', () => {
    for (const [name, entry] of inTreeRegistry) {
      expect([name, entry.validateArgs?.(structuredClone(entry.defaultArgs)) ?? []]).toEqual([name, []]);
    }
  });

  test('plugins without args reject args, naming the field', () => {
    expect(inTreeRegistry.get('NodeName')!.validateArgs!({ foo: 1 })).toEqual(['foo: unknown field (the plugin takes no args)']);
    expect(inTreeRegistry.get('ImageLocality')!.validateArgs!({})).toEqual([]);
  });

  test("NodeAffinity's validator names the field path", () => {
    const errors = inTreeRegistry.get('NodeAffinity')!.validateArgs!({
      addedAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }],
        },
      },
    });
    expect(errors).toEqual([
      "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
    ]);
  });
});

describe('default profile (upstream default_plugins.go, v1.36)', () => {
  test('MultiPoint order and weights', () => {
    expect(defaultMultiPoint).toEqual([
      { name: 'SchedulingGates' },
      { name: 'PrioritySort' },
      { name: 'NodeUnschedulable' },
      { name: 'NodeName' },
      { name: 'TaintToleration', weight: 3 },
      { name: 'NodeAffinity', weight: 2 },
      { name: 'NodePorts' },
      { name: 'NodeResourcesFit', weight: 1 },
      { name: 'VolumeBinding' },
      { name: 'PodTopologySpread', weight: 2 },
      { name: 'InterPodAffinity', weight: 2 },
      { name: 'NodeResourcesBalancedAllocation', weight: 1 },
      { name: 'ImageLocality', weight: 1 },
      { name: 'DefaultBinder' },
    ]);
    expect(defaultPluginWeights).toEqual({
      TaintToleration: 3,
      NodeAffinity: 2,
      NodeResourcesFit: 1,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
      NodeResourcesBalancedAllocation: 1,
      ImageLocality: 1,
    });
    expect(defaultPlugins.weights).toEqual(defaultPluginWeights);
  });

  test('each point lists, in MultiPoint order, exactly the plugins that implement it', () => {
    const instances = defaultMultiPoint.map(({ name }) => {
      const entry = inTreeRegistry.get(name)!;
      return entry.factory(entry.defaultArgs, handle);
    });
    for (const point of EXTENSION_POINTS) {
      const derived = instances.filter((p) => implementsPoint(p, point)).map((p) => p.name);
      expect([point, defaultPlugins.points[point]]).toEqual([point, derived]);
    }
  });

  test('every registered plugin is in the default profile', () => {
    expect(defaultMultiPoint.map((p) => p.name).sort()).toEqual([...inTreeRegistry.keys()].sort());
  });

  test('the filter and score lists, spelled out', () => {
    expect(defaultPlugins.points.filter).toEqual([
      'NodeUnschedulable',
      'NodeName',
      'TaintToleration',
      'NodeAffinity',
      'NodePorts',
      'NodeResourcesFit',
      'VolumeBinding',
      'PodTopologySpread',
      'InterPodAffinity',
    ]);
    expect(defaultPlugins.points.score).toEqual([
      'TaintToleration',
      'NodeAffinity',
      'NodeResourcesFit',
      'PodTopologySpread',
      'InterPodAffinity',
      'NodeResourcesBalancedAllocation',
      'ImageLocality',
    ]);
    expect(defaultPlugins.points.queueSort).toEqual(['PrioritySort']);
    expect(defaultPlugins.points.bind).toEqual(['DefaultBinder']);
    expect(defaultPlugins.points.preEnqueue).toEqual(['SchedulingGates']);
  });
});
