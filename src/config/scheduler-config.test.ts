// The scheduler configuration pipeline with the in-tree registry and the
// default profile: decode strictly (every error names its field path),
// resolve (defaults, multiPoint and per-point enable/disable, weights,
// plugin args merged over their defaults and validated by the plugin), and
// read files (YAML errors as file:line:col). Each case asserts the exact
// messages a user reads.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtensionPoint } from '../framework/runtime.ts';
import { defaultPlugins, inTreeRegistry } from '../plugins/registry.ts';
import {
  ConfigError,
  DEFAULT_MIN_NODES_PER_TASK,
  decodeConfig,
  loadConfigFile,
  resolveConfig,
  type ResolvedConfig,
  type SchedulerConfig,
} from './scheduler-config.ts';

/** The default profile's points with some replaced. */
function pointsWith(overrides: Partial<Record<ExtensionPoint, string[]>>): Record<ExtensionPoint, string[]> {
  return { ...structuredClone(defaultPlugins.points), ...overrides };
}

/** The ConfigError's messages, or fails. */
function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function resolve(config: unknown, schedulerName?: string): ResolvedConfig {
  return resolveConfig(decodeConfig(config), inTreeRegistry, defaultPlugins, schedulerName);
}

const fitDefaults = {
  scoringStrategy: {
    type: 'LeastAllocated',
    resources: [
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
    ],
  },
  ignoredResources: [],
  ignoredResourceGroups: [],
};


function without(list: readonly string[], name: string): string[] {
  return list.filter((n) => n !== name);
}

describe('decodeConfig', () => {
  const accepted: { name: string; raw: unknown; want: SchedulerConfig }[] = [
    { name: 'nothing (an empty file)', raw: null, want: {} },
    { name: 'an empty object', raw: {}, want: {} },
    {
      name: 'berth.dev/v1alpha1, BerthSchedulerConfiguration',
      raw: { apiVersion: 'berth.dev/v1alpha1', kind: 'BerthSchedulerConfiguration' },
      want: { apiVersion: 'berth.dev/v1alpha1', kind: 'BerthSchedulerConfiguration' },
    },
    {
      name: "upstream's apiVersion and kind",
      raw: { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration' },
      want: { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration' },
    },
    {
      name: 'every field',
      raw: {
        podInitialBackoffSeconds: 2,
        podMaxBackoffSeconds: 20,
        percentageOfNodesToScore: 40,
        profiles: [
          {
            schedulerName: 'a',
            percentageOfNodesToScore: 10,
            plugins: { multiPoint: { enabled: [{ name: 'ImageLocality', weight: 4 }], disabled: [{ name: 'NodePorts' }] } },
            pluginConfig: [{ name: 'NodeResourcesFit', args: { anything: ['goes', 'here'] } }],
          },
        ],
      },
      want: {
        podInitialBackoffSeconds: 2,
        podMaxBackoffSeconds: 20,
        percentageOfNodesToScore: 40,
        profiles: [
          {
            schedulerName: 'a',
            percentageOfNodesToScore: 10,
            plugins: { multiPoint: { enabled: [{ name: 'ImageLocality', weight: 4 }], disabled: [{ name: 'NodePorts' }] } },
            pluginConfig: [{ name: 'NodeResourcesFit', args: { anything: ['goes', 'here'] } }],
          },
        ],
      },
    },
    {
      name: 'parallelism',
      raw: { parallelism: { workers: 4, minNodesPerTask: 250 } },
      want: { parallelism: { workers: 4, minNodesPerTask: 250 } },
    },
    { name: 'parallelism without workers', raw: { parallelism: { minNodesPerTask: 50, workers: null } }, want: { parallelism: { minNodesPerTask: 50 } } },
    {
      name: 'a field without a value (YAML `weight:`) is not set',
      raw: { podMaxBackoffSeconds: null, profiles: [{ schedulerName: null, plugins: { score: { enabled: [{ name: 'ImageLocality', weight: null }], disabled: null } } }] },
      want: { profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality' }] } } }] },
    },
  ];
  test.each(accepted)('accepts $name', ({ raw, want }) => {
    expect(decodeConfig(raw)).toEqual(want);
  });

  const rejected: { name: string; raw: unknown; errors: string[] }[] = [
    // Unknown fields, at every level.
    { name: 'unknown top-level field', raw: { profile: [] }, errors: ['profile: unknown field'] },
    { name: 'unknown profile field', raw: { profiles: [{ scheduler: 'x' }] }, errors: ['profiles[0].scheduler: unknown field'] },
    { name: 'unknown extension point', raw: { profiles: [{ plugins: { scoring: {} } }] }, errors: ['profiles[0].plugins.scoring: unknown field'] },
    {
      name: 'unknown plugin-set field',
      raw: { profiles: [{ plugins: { score: { enabledd: [{ name: 'ImageLocality' }] } } }] },
      errors: ['profiles[0].plugins.score.enabledd: unknown field'],
    },
    {
      name: 'unknown plugin field',
      raw: { profiles: [{}, { plugins: { multiPoint: { disabled: [{ name: 'NodePorts' }, { name: 'NodeName', wieght: 1 }] } } }] },
      errors: ['profiles[1].plugins.multiPoint.disabled[1].wieght: unknown field'],
    },
    { name: 'unknown parallelism field', raw: { parallelism: { worker: 2 } }, errors: ['parallelism.worker: unknown field'] },
    { name: 'parallelism not an object', raw: { parallelism: 4 }, errors: ['parallelism: must be an object'] },
    {
      name: 'parallelism numbers that are not integers',
      raw: { parallelism: { workers: 1.5, minNodesPerTask: '100' } },
      errors: ['parallelism.workers: must be an integer', 'parallelism.minNodesPerTask: must be a number'],
    },
    { name: 'unknown pluginConfig field', raw: { profiles: [{ pluginConfig: [{ name: 'NodeName', arg: {} }] }] }, errors: ['profiles[0].pluginConfig[0].arg: unknown field'] },
    {
      name: 'every unknown field is reported, in order',
      raw: { a: 1, profiles: [{ b: 2, plugins: { filter: { c: 3 } } }], d: 4 },
      errors: ['a: unknown field', 'profiles[0].b: unknown field', 'profiles[0].plugins.filter.c: unknown field', 'd: unknown field'],
    },
    // Wrong types.
    { name: 'the document is a list', raw: [1], errors: ['<root>: must be an object'] },
    { name: 'the document is a scalar', raw: 'hello', errors: ['<root>: must be an object'] },
    { name: 'apiVersion a number', raw: { apiVersion: 1 }, errors: ['apiVersion: must be a string'] },
    { name: 'backoff a string', raw: { podInitialBackoffSeconds: '1' }, errors: ['podInitialBackoffSeconds: must be a number'] },
    { name: 'backoff a fraction', raw: { podMaxBackoffSeconds: 1.5 }, errors: ['podMaxBackoffSeconds: must be an integer'] },
    { name: 'percentage infinite (YAML .inf)', raw: { percentageOfNodesToScore: Infinity }, errors: ['percentageOfNodesToScore: must be a number'] },
    { name: 'profiles an object', raw: { profiles: { schedulerName: 'x' } }, errors: ['profiles: must be a list'] },
    { name: 'a profile a string', raw: { profiles: ['berth'] }, errors: ['profiles[0]: must be an object'] },
    { name: 'a profile without a value (YAML `-`)', raw: { profiles: [null] }, errors: ['profiles[0]: must be an object'] },
    { name: 'schedulerName a number', raw: { profiles: [{ schedulerName: 7 }] }, errors: ['profiles[0].schedulerName: must be a string'] },
    { name: 'plugins a list', raw: { profiles: [{ plugins: [] }] }, errors: ['profiles[0].plugins: must be an object'] },
    { name: 'enabled an object', raw: { profiles: [{ plugins: { score: { enabled: { name: 'ImageLocality' } } } }] }, errors: ['profiles[0].plugins.score.enabled: must be a list'] },
    { name: 'a plugin a string', raw: { profiles: [{ plugins: { score: { disabled: ['ImageLocality'] } } }] }, errors: ['profiles[0].plugins.score.disabled[0]: must be an object'] },
    { name: 'a null plugin', raw: { profiles: [{ plugins: { score: { enabled: [null] } } }] }, errors: ['profiles[0].plugins.score.enabled[0]: must be an object'] },
    { name: 'a plugin name a number', raw: { profiles: [{ plugins: { bind: { enabled: [{ name: 1 }] } } }] }, errors: ['profiles[0].plugins.bind.enabled[0].name: must be a string'] },
    {
      name: 'a weight a string',
      raw: { profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: '2' }] } } }] },
      errors: ['profiles[0].plugins.score.enabled[0].weight: must be a number'],
    },
    {
      name: 'a weight a fraction',
      raw: { profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: 2.5 }] } } }] },
      errors: ['profiles[0].plugins.score.enabled[0].weight: must be an integer'],
    },
    { name: 'pluginConfig an object', raw: { profiles: [{ pluginConfig: { name: 'NodeName' } }] }, errors: ['profiles[0].pluginConfig: must be a list'] },
    { name: 'a null pluginConfig entry', raw: { profiles: [{ pluginConfig: [null] }] }, errors: ['profiles[0].pluginConfig[0]: must be an object'] },
    // apiVersion and kind.
    {
      name: 'an unknown apiVersion',
      raw: { apiVersion: 'kubescheduler.config.k8s.io/v1beta3', kind: 'KubeSchedulerConfiguration' },
      errors: ['apiVersion: must be one of berth.dev/v1alpha1, kubescheduler.config.k8s.io/v1, got "kubescheduler.config.k8s.io/v1beta3"'],
    },
    {
      name: 'an unknown kind',
      raw: { apiVersion: 'berth.dev/v1alpha1', kind: 'SchedulerConfiguration' },
      errors: ['kind: must be one of BerthSchedulerConfiguration, KubeSchedulerConfiguration, got "SchedulerConfiguration"'],
    },
    {
      name: 'both wrong',
      raw: { apiVersion: 'v1', kind: 'Pod' },
      errors: [
        'apiVersion: must be one of berth.dev/v1alpha1, kubescheduler.config.k8s.io/v1, got "v1"',
        'kind: must be one of BerthSchedulerConfiguration, KubeSchedulerConfiguration, got "Pod"',
      ],
    },
  ];
  test.each(rejected)('rejects $name', ({ raw, errors }) => {
    expect(errorsOf(() => decodeConfig(raw))).toEqual(errors);
  });

  test('the message names the source, then each error on its own line', () => {
    let caught: unknown;
    try {
      decodeConfig({ profiles: [{ plugins: { score: { enabledd: [] } } }], kind: 3 }, '/etc/berth/config.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).name).toBe('ConfigError');
    expect((caught as ConfigError).message).toBe(
      '/etc/berth/config.yaml: invalid scheduler configuration:\n  profiles[0].plugins.score.enabledd: unknown field\n  kind: must be a string',
    );
  });

  test('does not change what it was given', () => {
    const raw = { profiles: [{ schedulerName: null, plugins: { score: { enabled: [{ name: 'ImageLocality', weight: null }] } } }] };
    const copy = structuredClone(raw);
    decodeConfig(raw);
    expect(raw).toEqual(copy);
  });
});

describe('resolveConfig', () => {
  test('no configuration: one profile, the default plugins, upstream backoff', () => {
    const got = resolveConfig({}, inTreeRegistry, defaultPlugins);
    expect(got).toEqual({
      podInitialBackoffSeconds: 1,
      podMaxBackoffSeconds: 10,
      parallelism: { workers: availableParallelism(), minNodesPerTask: DEFAULT_MIN_NODES_PER_TASK },
      batching: { enabled: true, maxAgeMs: 500 },
      profiles: [
        { schedulerName: 'berth', points: defaultPlugins.points, weights: defaultPlugins.weights, args: {}, percentageOfNodesToScore: 0 },
      ],
    });
    // The result is the profile's own: changing it leaves the defaults alone.
    got.profiles[0]!.points.score.push('X');
    got.profiles[0]!.weights.ImageLocality = 50;
    expect(resolveConfig({}, inTreeRegistry, defaultPlugins).profiles[0]).toMatchObject({
      points: { score: defaultPlugins.points.score },
      weights: { ImageLocality: 1 },
    });
  });

  test('an empty profile list is the default profile, named by the caller', () => {
    expect(resolve({ profiles: [] }, 'berth-a').profiles.map((p) => p.schedulerName)).toEqual(['berth-a']);
  });

  const profiles: { name: string; config: unknown; want: Partial<ResolvedConfig['profiles'][number]> }[] = [
    {
      name: 'a profile without plugins is the default profile',
      config: { profiles: [{ schedulerName: 'x' }] },
      want: { schedulerName: 'x', points: defaultPlugins.points, weights: defaultPlugins.weights, args: {} },
    },
    {
      name: 'score: disable one default plugin',
      config: { profiles: [{ plugins: { score: { disabled: [{ name: 'ImageLocality' }] } } }] },
      want: { points: pointsWith({ score: without(defaultPlugins.points.score, 'ImageLocality') }) },
    },
    {
      name: 'score: "*" disables every default, then enabled plugins are the list, in their order',
      config: {
        profiles: [
          {
            plugins: {
              score: { disabled: [{ name: '*' }], enabled: [{ name: 'ImageLocality', weight: 7 }, { name: 'NodeResourcesFit', weight: 2 }] },
            },
          },
        ],
      },
      want: {
        // preScore is its own point: it keeps its plugins.
        points: pointsWith({ score: ['ImageLocality', 'NodeResourcesFit'] }),
        weights: { ...defaultPlugins.weights, ImageLocality: 7, NodeResourcesFit: 2 },
      },
    },
    {
      name: 'score: re-enabling a default plugin keeps its place and takes the new weight',
      config: { profiles: [{ plugins: { score: { enabled: [{ name: 'NodeResourcesFit', weight: 5 }] } } }] },
      want: { points: defaultPlugins.points, weights: { ...defaultPlugins.weights, NodeResourcesFit: 5 } },
    },
    {
      name: 'score: enabled without a weight keeps the default weight',
      config: { profiles: [{ plugins: { score: { enabled: [{ name: 'TaintToleration' }] } } }] },
      want: { points: defaultPlugins.points, weights: defaultPlugins.weights },
    },
    {
      name: 'score: weights at both ends of the range',
      config: { profiles: [{ plugins: { score: { enabled: [{ name: 'TaintToleration', weight: 1 }, { name: 'ImageLocality', weight: 100 }] } } }] },
      want: { weights: { ...defaultPlugins.weights, TaintToleration: 1, ImageLocality: 100 } },
    },
    {
      name: 'filter: disabled then enabled again moves the plugin to the end',
      config: { profiles: [{ plugins: { filter: { disabled: [{ name: 'NodeUnschedulable' }], enabled: [{ name: 'NodeUnschedulable' }] } } }] },
      want: { points: pointsWith({ filter: [...without(defaultPlugins.points.filter, 'NodeUnschedulable'), 'NodeUnschedulable'] }) },
    },
    {
      name: 'multiPoint: disabling a plugin removes it from every point',
      config: { profiles: [{ plugins: { multiPoint: { disabled: [{ name: 'TaintToleration' }] } } }] },
      want: {
        points: pointsWith({
          preFilter: without(defaultPlugins.points.preFilter, 'TaintToleration'),
          filter: without(defaultPlugins.points.filter, 'TaintToleration'),
          preScore: without(defaultPlugins.points.preScore, 'TaintToleration'),
          score: without(defaultPlugins.points.score, 'TaintToleration'),
        }),
      },
    },
    {
      name: 'multiPoint: "*" then enabled plugins go to every point each implements',
      config: {
        profiles: [
          {
            plugins: {
              multiPoint: {
                disabled: [{ name: '*' }],
                enabled: [{ name: 'PrioritySort' }, { name: 'NodeResourcesFit', weight: 3 }, { name: 'NodeName' }, { name: 'DefaultBinder' }],
              },
            },
          },
        ],
      },
      want: {
        points: {
          preEnqueue: [],
          queueSort: ['PrioritySort'],
          preFilter: ['NodeResourcesFit', 'NodeName'],
          filter: ['NodeResourcesFit', 'NodeName'],
          postFilter: [],
          preScore: ['NodeResourcesFit'],
          score: ['NodeResourcesFit'],
          reserve: [],
          permit: [],
          preBind: [],
          bind: ['DefaultBinder'],
          postBind: [],
        },
        weights: { ...defaultPlugins.weights, NodeResourcesFit: 3 },
      },
    },
    {
      name: 'multiPoint: a weight on a default plugin changes only the weight',
      config: { profiles: [{ plugins: { multiPoint: { enabled: [{ name: 'ImageLocality', weight: 9 }] } } }] },
      want: { points: defaultPlugins.points, weights: { ...defaultPlugins.weights, ImageLocality: 9 } },
    },
    {
      name: 'a point overrides multiPoint: disabled at score after multiPoint enabled it',
      config: {
        profiles: [
          {
            plugins: {
              multiPoint: { disabled: [{ name: 'NodeAffinity' }], enabled: [{ name: 'NodeAffinity', weight: 4 }] },
              score: { disabled: [{ name: 'NodeAffinity' }] },
            },
          },
        ],
      },
      want: {
        points: pointsWith({
          preFilter: [...without(defaultPlugins.points.preFilter, 'NodeAffinity'), 'NodeAffinity'],
          filter: [...without(defaultPlugins.points.filter, 'NodeAffinity'), 'NodeAffinity'],
          preScore: [...without(defaultPlugins.points.preScore, 'NodeAffinity'), 'NodeAffinity'],
          score: without(defaultPlugins.points.score, 'NodeAffinity'),
        }),
        weights: { ...defaultPlugins.weights, NodeAffinity: 4 },
      },
    },
    {
      name: 'a point overrides multiPoint: enabled at score after multiPoint disabled it',
      config: {
        profiles: [{ plugins: { multiPoint: { disabled: [{ name: 'ImageLocality' }] }, score: { enabled: [{ name: 'ImageLocality', weight: 2 }] } } }],
      },
      want: {
        points: pointsWith({ preScore: without(defaultPlugins.points.preScore, 'ImageLocality') }),
        weights: { ...defaultPlugins.weights, ImageLocality: 2 },
      },
    },
    {
      name: 'percentageOfNodesToScore: the profile inherits the global value',
      config: { percentageOfNodesToScore: 30, profiles: [{ schedulerName: 'a' }, { schedulerName: 'b', percentageOfNodesToScore: 100 }] },
      want: { schedulerName: 'a', percentageOfNodesToScore: 30 },
    },
    {
      name: 'pluginConfig: args merge over the defaults (objects merge, lists replace)',
      config: { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' }, ignoredResources: ['example.com/foo'] } }] }] },
      want: {
        args: {
          NodeResourcesFit: { ...fitDefaults, scoringStrategy: { ...fitDefaults.scoringStrategy, type: 'MostAllocated' }, ignoredResources: ['example.com/foo'] },
        },
      },
    },
    {
      name: 'pluginConfig: a list given replaces the default list',
      config: {
        profiles: [{ pluginConfig: [{ name: 'NodeResourcesBalancedAllocation', args: { resources: [{ name: 'cpu', weight: 1 }, { name: 'example.com/gpu', weight: 1 }] } }] }],
      },
      want: { args: { NodeResourcesBalancedAllocation: { resources: [{ name: 'cpu', weight: 1 }, { name: 'example.com/gpu', weight: 1 }] } } },
    },
    {
      name: 'pluginConfig: no args is the defaults',
      config: { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit' }, { name: 'NodeName' }, { name: 'NodeAffinity', args: null }] }] },
      want: { args: { NodeResourcesFit: fitDefaults, NodeName: undefined, NodeAffinity: {} } },
    },
    {
      name: 'pluginConfig: NodeAffinity addedAffinity',
      config: {
        profiles: [
          {
            pluginConfig: [
              {
                name: 'NodeAffinity',
                args: {
                  addedAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
                  },
                },
              },
            ],
          },
        ],
      },
      want: {
        args: {
          NodeAffinity: {
            addedAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
            },
          },
        },
      },
    },
  ];
  test.each(profiles)('$name', ({ config, want }) => {
    expect(resolve(config).profiles[0]).toEqual(expect.objectContaining(want));
  });

  test('pluginConfig args are copies: the registry defaults stay as they were', () => {
    const got = resolve({ profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: {} }] }] });
    (got.profiles[0]!.args.NodeResourcesFit as typeof fitDefaults).scoringStrategy.resources.push({ name: 'x', weight: 1 });
    expect(inTreeRegistry.get('NodeResourcesFit')!.defaultArgs).toEqual(fitDefaults);
  });

  const settings: { name: string; config: unknown; want: Partial<ResolvedConfig> }[] = [
    { name: 'backoff given', config: { podInitialBackoffSeconds: 2, podMaxBackoffSeconds: 30 }, want: { podInitialBackoffSeconds: 2, podMaxBackoffSeconds: 30 } },
    { name: 'backoff equal', config: { podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 5 }, want: { podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 5 } },
    { name: 'only the maximum, above the default initial', config: { podMaxBackoffSeconds: 1 }, want: { podInitialBackoffSeconds: 1, podMaxBackoffSeconds: 1 } },
    {
      name: 'parallelism defaults: a worker per core, the measured crossover',
      config: {},
      want: { parallelism: { workers: availableParallelism(), minNodesPerTask: DEFAULT_MIN_NODES_PER_TASK } },
    },
    { name: 'parallelism given', config: { parallelism: { workers: 3, minNodesPerTask: 64 } }, want: { parallelism: { workers: 3, minNodesPerTask: 64 } } },
    {
      name: 'no workers: everything on the scheduling thread',
      config: { parallelism: { workers: 0 } },
      want: { parallelism: { workers: 0, minNodesPerTask: DEFAULT_MIN_NODES_PER_TASK } },
    },
    { name: 'parallelism at its bounds', config: { parallelism: { workers: 256, minNodesPerTask: 1 } }, want: { parallelism: { workers: 256, minNodesPerTask: 1 } } },
  ];
  test.each(settings)('$name', ({ config, want }) => {
    expect(resolve(config)).toEqual(expect.objectContaining(want));
  });

  test('several profiles: names from the file, the first unnamed one takes the default name', () => {
    const got = resolve({ profiles: [{ schedulerName: 'a' }, {}, { schedulerName: 'c', percentageOfNodesToScore: 5 }] }, 'berth-x');
    expect(got.profiles.map((p) => [p.schedulerName, p.percentageOfNodesToScore])).toEqual([
      ['a', 0],
      ['berth-x', 0],
      ['c', 5],
    ]);
  });

  const rejected: { name: string; config: unknown; errors: string[] }[] = [
    // Plugin names.
    {
      name: 'an unknown plugin, at a point',
      config: { profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality' }, { name: 'VolumeZone', weight: 2 }] } } }] },
      errors: ['profiles[0].plugins.score.enabled[1].name: plugin "VolumeZone" is not registered'],
    },
    {
      name: 'an unknown plugin, disabled',
      config: { profiles: [{}, { schedulerName: 'b', plugins: { filter: { disabled: [{ name: 'VolumeZone' }] } } }] },
      errors: ['profiles[1].plugins.filter.disabled[0].name: plugin "VolumeZone" is not registered'],
    },
    {
      name: 'an unknown plugin, multiPoint',
      config: { profiles: [{ plugins: { multiPoint: { enabled: [{ name: 'NodeVolumeLimits' }], disabled: [{ name: 'DefaultPreemption' }] } } }] },
      errors: [
        'profiles[0].plugins.multiPoint.disabled[0].name: plugin "DefaultPreemption" is not registered',
        'profiles[0].plugins.multiPoint.enabled[0].name: plugin "NodeVolumeLimits" is not registered',
      ],
    },
    {
      name: 'a plugin without a name',
      config: { profiles: [{ plugins: { score: { enabled: [{ weight: 2 }] } } }] },
      errors: ['profiles[0].plugins.score.enabled[0].name: must not be empty'],
    },
    {
      name: 'names are case-sensitive',
      config: { profiles: [{ plugins: { score: { disabled: [{ name: 'imagelocality' }] } } }] },
      errors: ['profiles[0].plugins.score.disabled[0].name: plugin "imagelocality" is not registered'],
    },
    {
      name: '"*" enabled, at a point and multiPoint',
      config: { profiles: [{ plugins: { multiPoint: { enabled: [{ name: '*' }] }, filter: { enabled: [{ name: '*' }] } } }] },
      errors: ['profiles[0].plugins.multiPoint.enabled[0].name: "*" can only be disabled', 'profiles[0].plugins.filter.enabled[0].name: "*" can only be disabled'],
    },
    // Points.
    {
      name: 'a plugin enabled at a point it does not implement',
      config: { profiles: [{ plugins: { filter: { enabled: [{ name: 'ImageLocality' }] }, score: { enabled: [{ name: 'NodePorts' }] } } }] },
      errors: [
        'profiles[0].plugins.filter.enabled[0].name: plugin "ImageLocality" does not implement filter',
        'profiles[0].plugins.score.enabled[0].name: plugin "NodePorts" does not implement score',
      ],
    },
    {
      name: 'a weight at a point other than score',
      config: { profiles: [{ plugins: { filter: { enabled: [{ name: 'NodeName', weight: 2 }] } } }] },
      errors: ['profiles[0].plugins.filter.enabled[0].weight: only score plugins take a weight'],
    },
    {
      name: 'no queueSort plugin',
      config: { profiles: [{ plugins: { queueSort: { disabled: [{ name: '*' }] } } }] },
      errors: ['profiles[0].plugins.queueSort: exactly one queueSort plugin must be enabled, got 0'],
    },
    {
      name: 'no bind plugin',
      config: { profiles: [{ plugins: { bind: { disabled: [{ name: 'DefaultBinder' }] } } }] },
      errors: ['profiles[0].plugins.bind: at least one bind plugin must be enabled'],
    },
    {
      name: 'multiPoint "*" with nothing enabled',
      config: { profiles: [{ plugins: { multiPoint: { disabled: [{ name: '*' }] } } }] },
      errors: [
        'profiles[0].plugins.queueSort: exactly one queueSort plugin must be enabled, got 0',
        'profiles[0].plugins.bind: at least one bind plugin must be enabled',
      ],
    },
    // Weights.
    {
      name: 'score weight 0',
      config: { profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: 0 }] } } }] },
      errors: ['profiles[0].plugins.score.enabled[0].weight: must be in the range [1, 100]'],
    },
    {
      name: 'score weight 101',
      config: { profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: 101 }] } } }] },
      errors: ['profiles[0].plugins.score.enabled[0].weight: must be in the range [1, 100]'],
    },
    {
      name: 'multiPoint weight negative',
      config: { profiles: [{ plugins: { multiPoint: { enabled: [{ name: 'TaintToleration', weight: -3 }] } } }] },
      errors: ['profiles[0].plugins.multiPoint.enabled[0].weight: must be in the range [1, 100]'],
    },
    // Profiles.
    {
      name: 'duplicate profile names',
      config: { profiles: [{ schedulerName: 'a' }, { schedulerName: 'b' }, { schedulerName: 'a' }] },
      errors: ['profiles[2].schedulerName: duplicate profile "a"'],
    },
    {
      name: 'two unnamed profiles both take the default name',
      config: { profiles: [{}, {}] },
      errors: ['profiles[1].schedulerName: duplicate profile "berth"'],
    },
    { name: 'an empty schedulerName', config: { profiles: [{ schedulerName: '' }] }, errors: ['profiles[0].schedulerName: must not be empty'] },
    // Plugin args.
    {
      name: 'args for an unknown plugin',
      config: { profiles: [{ pluginConfig: [{ name: 'VolumeZone', args: {} }] }] },
      errors: ['profiles[0].pluginConfig[0].name: plugin "VolumeZone" is not registered'],
    },
    { name: 'args without a plugin name', config: { profiles: [{ pluginConfig: [{ args: {} }] }] }, errors: ['profiles[0].pluginConfig[0].name: must not be empty'] },
    {
      name: 'args for "*"',
      config: { profiles: [{ pluginConfig: [{ name: '*', args: {} }] }] },
      errors: ['profiles[0].pluginConfig[0].name: args are given per plugin, not for "*"'],
    },
    {
      name: 'duplicate args for a plugin',
      config: {
        profiles: [
          {
            pluginConfig: [
              { name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } },
              { name: 'ImageLocality' },
              { name: 'NodeResourcesFit', args: {} },
            ],
          },
        ],
      },
      errors: ['profiles[0].pluginConfig[2].name: duplicate args for plugin "NodeResourcesFit"'],
    },
    {
      name: 'args the plugin rejects: a weight out of range',
      config: { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { resources: [{ name: 'cpu', weight: 101 }] } } }] }] },
      errors: ['profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]'],
    },
    {
      name: 'args the plugin rejects: an unknown strategy and an unknown field',
      config: {
        profiles: [{}, { schedulerName: 'b', pluginConfig: [{ name: 'ImageLocality' }, { name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'Spread' }, ignored: [] } }] }],
      },
      errors: [
        'profiles[1].pluginConfig[1].args.ignored: unknown field',
        'profiles[1].pluginConfig[1].args.scoringStrategy.type: Unsupported value: "Spread": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
      ],
    },
    {
      name: 'args the plugin rejects: RequestedToCapacityRatio without a shape',
      config: { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'RequestedToCapacityRatio' } } }] }] },
      errors: [
        'profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio: Required value: must be specified when type is RequestedToCapacityRatio',
      ],
    },
    {
      name: 'args the plugin rejects: BalancedAllocation weight',
      config: { profiles: [{ pluginConfig: [{ name: 'NodeResourcesBalancedAllocation', args: { resources: [{ name: 'cpu', weight: 2 }] } }] }] },
      errors: ['profiles[0].pluginConfig[0].args.resources[0].weight: Invalid value: 2: must be 1'],
    },
    {
      name: 'args the plugin rejects: NodeAffinity, with its field path',
      config: {
        profiles: [
          {
            pluginConfig: [
              {
                name: 'NodeAffinity',
                args: { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }] } } },
              },
            ],
          },
        ],
      },
      errors: [
        "profiles[0].pluginConfig[0].args.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
      ],
    },
    {
      name: 'args for a plugin that takes none',
      config: { profiles: [{ pluginConfig: [{ name: 'NodeName', args: { strict: true } }] }] },
      errors: ['profiles[0].pluginConfig[0].args.strict: unknown field (the plugin takes no args)'],
    },
    {
      name: 'args that are not an object',
      config: { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: 'MostAllocated' }, { name: 'NodePorts', args: [1] }] }] },
      errors: [
        'profiles[0].pluginConfig[0].args: Invalid value: "MostAllocated": must be an object',
        'profiles[0].pluginConfig[1].args: Invalid value: [1]: the plugin takes no args',
      ],
    },
    // Backoff.
    { name: 'initial backoff 0', config: { podInitialBackoffSeconds: 0 }, errors: ['podInitialBackoffSeconds: must be greater than 0'] },
    {
      name: 'initial backoff negative and above the maximum',
      config: { podInitialBackoffSeconds: -1, podMaxBackoffSeconds: -2 },
      errors: ['podInitialBackoffSeconds: must be greater than 0', 'podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds'],
    },
    {
      name: 'maximum below the initial',
      config: { podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 4 },
      errors: ['podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds'],
    },
    {
      name: 'initial above the default maximum',
      config: { podInitialBackoffSeconds: 11 },
      errors: ['podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds'],
    },
    // percentageOfNodesToScore.
    { name: 'percentage -1', config: { percentageOfNodesToScore: -1 }, errors: ['percentageOfNodesToScore: must be in the range [0, 100]'] },
    {
      name: 'percentage 101, reported once, not again for each profile that inherits it',
      config: { percentageOfNodesToScore: 101, profiles: [{ schedulerName: 'a' }, { schedulerName: 'b' }] },
      errors: ['percentageOfNodesToScore: must be in the range [0, 100]'],
    },
    {
      name: "a profile's percentage",
      config: { profiles: [{ schedulerName: 'a', percentageOfNodesToScore: 100 }, { schedulerName: 'b', percentageOfNodesToScore: 101 }] },
      errors: ['profiles[1].percentageOfNodesToScore: must be in the range [0, 100]'],
    },
    // Everything at once: every error, in the file's order per profile.
    {
      name: 'all errors are reported together',
      config: {
        podInitialBackoffSeconds: 0,
        profiles: [
          { schedulerName: 'a', plugins: { score: { enabled: [{ name: 'Nope' }] } }, pluginConfig: [{ name: 'NodeName', args: { x: 1 } }] },
          { schedulerName: 'a', percentageOfNodesToScore: 200 },
        ],
      },
      errors: [
        'podInitialBackoffSeconds: must be greater than 0',
        'profiles[0].plugins.score.enabled[0].name: plugin "Nope" is not registered',
        'profiles[0].pluginConfig[0].args.x: unknown field (the plugin takes no args)',
        'profiles[1].schedulerName: duplicate profile "a"',
        'profiles[1].percentageOfNodesToScore: must be in the range [0, 100]',
      ],
    },
  ];
  test.each(rejected)('rejects $name', ({ config, errors }) => {
    expect(errorsOf(() => resolve(config))).toEqual(errors);
  });

  const badParallelism: { name: string; config: unknown; errors: string[] }[] = [
    { name: 'negative workers', config: { parallelism: { workers: -1 } }, errors: ['parallelism.workers: must be in the range [0, 256]'] },
    { name: 'too many workers', config: { parallelism: { workers: 257 } }, errors: ['parallelism.workers: must be in the range [0, 256]'] },
    { name: 'no nodes per task', config: { parallelism: { minNodesPerTask: 0 } }, errors: ['parallelism.minNodesPerTask: must be greater than 0'] },
    {
      name: 'both, with a profile error after them',
      config: { parallelism: { workers: -2, minNodesPerTask: -5 }, profiles: [{ percentageOfNodesToScore: 101 }] },
      errors: [
        'parallelism.workers: must be in the range [0, 256]',
        'parallelism.minNodesPerTask: must be greater than 0',
        'profiles[0].percentageOfNodesToScore: must be in the range [0, 100]',
      ],
    },
  ];
  test.each(badParallelism)('rejects parallelism: $name', ({ config, errors }) => {
    expect(errorsOf(() => resolve(config))).toEqual(errors);
  });

  test('the message lists every error, without a source (resolution does not know the file)', () => {
    expect(() => resolve({ podInitialBackoffSeconds: 0, profiles: [{}, {}] })).toThrow(
      'invalid scheduler configuration:\n  podInitialBackoffSeconds: must be greater than 0\n  profiles[1].schedulerName: duplicate profile "berth"',
    );
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-config-test-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  let files = 0;
  function file(text: string): string {
    const path = join(dir, `config-${files++}.yaml`);
    writeFileSync(path, text);
    return path;
  }

  test('reads the README example', () => {
    const path = file(`apiVersion: berth.dev/v1alpha1        # kubescheduler.config.k8s.io/v1 is accepted too
kind: BerthSchedulerConfiguration      # or KubeSchedulerConfiguration
podInitialBackoffSeconds: 1
podMaxBackoffSeconds: 10
percentageOfNodesToScore: 0            # 0: upstream's adaptive default, max(50 - nodes/125, 5) %
profiles:
- schedulerName: berth
  plugins:
    score:
      enabled: [{ name: NodeResourcesFit, weight: 2 }]
      disabled: [{ name: ImageLocality }]
  pluginConfig:
  - name: NodeResourcesFit
    args: { scoringStrategy: { type: MostAllocated } }
`);
    const raw = loadConfigFile(path);
    expect(raw.profiles?.[0]?.plugins?.score).toEqual({ enabled: [{ name: 'NodeResourcesFit', weight: 2 }], disabled: [{ name: 'ImageLocality' }] });
    const profile = resolveConfig(raw, inTreeRegistry, defaultPlugins).profiles[0]!;
    expect(profile.points.score).toEqual(without(defaultPlugins.points.score, 'ImageLocality'));
    expect(profile.weights.NodeResourcesFit).toBe(2);
    expect(profile.args.NodeResourcesFit).toEqual({ ...fitDefaults, scoringStrategy: { ...fitDefaults.scoringStrategy, type: 'MostAllocated' } });
  });

  const decoded: { name: string; text: string; want: SchedulerConfig }[] = [
    { name: 'an empty file', text: '', want: {} },
    { name: 'only comments', text: '# nothing here\n', want: {} },
    { name: 'parallelism', text: 'parallelism:\n  workers: 8\n  minNodesPerTask: 500\n', want: { parallelism: { workers: 8, minNodesPerTask: 500 } } },
    { name: 'a key without a value', text: 'profiles:\n- schedulerName: a\n  plugins:\n    score:\n', want: { profiles: [{ schedulerName: 'a', plugins: {} }] } },
    {
      name: 'anchors and aliases',
      text: 'profiles:\n- schedulerName: a\n  plugins: &p { score: { disabled: [{ name: ImageLocality }] } }\n- schedulerName: b\n  plugins: *p\n',
      want: {
        profiles: [
          { schedulerName: 'a', plugins: { score: { disabled: [{ name: 'ImageLocality' }] } } },
          { schedulerName: 'b', plugins: { score: { disabled: [{ name: 'ImageLocality' }] } } },
        ],
      },
    },
  ];
  test.each(decoded)('decodes $name', ({ text, want }) => {
    expect(loadConfigFile(file(text))).toEqual(want);
  });

  // The file name is known only when the case runs: `{file}` stands for it.
  const rejected: { name: string; text: string; errors: string[]; message?: string }[] = [
    {
      name: 'a field path error names the file in the message',
      text: 'profiles:\n- plugins:\n    score:\n      enabledd: []\n',
      errors: ['profiles[0].plugins.score.enabledd: unknown field'],
      message: '{file}: invalid scheduler configuration:\n  profiles[0].plugins.score.enabledd: unknown field',
    },
    { name: 'a scalar document', text: 'berth\n', errors: ['<root>: must be an object'] },
    { name: 'a list item without a value', text: 'profiles:\n-\n', errors: ['profiles[0]: must be an object'] },
    {
      name: 'a YAML syntax error: bad indentation',
      text: 'profiles:\n  - schedulerName: a\n   plugins: {}\n',
      errors: ['{file}:3:1: Sequence item without - indicator'],
      message: 'invalid scheduler configuration:\n  {file}:3:1: Sequence item without - indicator',
    },
    { name: 'a YAML syntax error: a tab as indentation', text: 'kind: x\nprofiles:\n\t- schedulerName: a\n', errors: ['{file}:3:1: Tabs are not allowed as indentation'] },
    { name: 'a YAML syntax error: a duplicate key', text: 'apiVersion: berth.dev/v1alpha1\nkind: A\nkind: B\n', errors: ['{file}:3:1: Map keys must be unique'] },
    {
      name: 'a YAML syntax error: an unclosed flow sequence',
      text: 'kind: BerthSchedulerConfiguration\nprofiles: [\n',
      errors: ['{file}:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    },
    {
      name: 'more than one document',
      text: 'kind: BerthSchedulerConfiguration\n---\nkind: BerthSchedulerConfiguration\n',
      errors: ['{file}:2:1: the file must hold one YAML document, found more'],
    },
    {
      name: 'an alias to an anchor that is not there',
      text: 'profiles:\n- plugins: *p\n',
      errors: ['cannot decode: Unresolved alias (the anchor must be set before the alias): p'],
      message: '{file}: invalid scheduler configuration:\n  cannot decode: Unresolved alias (the anchor must be set before the alias): p',
    },
    {
      name: 'an alias bomb',
      text: [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
        '',
      ].join('\n'),
      errors: ['cannot decode: Excessive alias count indicates a resource exhaustion attack'],
    },
  ];
  test.each(rejected)('rejects $name', ({ text, errors, message }) => {
    const path = file(text);
    let caught: unknown;
    try {
      loadConfigFile(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).errors).toEqual(errors.map((e) => e.replaceAll('{file}', path)));
    if (message) expect((caught as ConfigError).message).toBe(message.replaceAll('{file}', path));
  });

  test('a file that is not there', () => {
    const path = join(dir, 'missing.yaml');
    expect(() => loadConfigFile(path)).toThrow(
      `${path}: invalid scheduler configuration:\n  cannot read: ENOENT: no such file or directory, open '${path}'`,
    );
  });

  test('a folder', () => {
    expect(errorsOf(() => loadConfigFile(dir))).toEqual(['cannot read: EISDIR: illegal operation on a directory, read']);
  });

  // root reads anything whatever its mode, so the mode check only runs for others.
  const asRoot = process.getuid?.() === 0;
  (asRoot ? test.skip : test)('a file it may not read', () => {
    const path = file('kind: BerthSchedulerConfiguration\n');
    chmodSync(path, 0o000);
    expect(errorsOf(() => loadConfigFile(path))).toEqual([`cannot read: EACCES: permission denied, open '${path}'`]);
  });
});
