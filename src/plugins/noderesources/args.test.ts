// Args of NodeResourcesFit and NodeResourcesBalancedAllocation: defaults and
// validation, with upstream's cases (validation_pluginargs_test.go:
// TestValidateFitArgs, TestValidate{LeastAllocated,MostAllocated,
// RequestedToCapacityRatio}ScoringStrategy,
// TestValidateNodeResourcesBalancedAllocationArgs; v1 defaults_test.go).
import { parseBalancedAllocationArgs, parseFitArgs, validateBalancedAllocationArgs, validateFitArgs } from './args.ts';

const defaultStrategy = {
  type: 'LeastAllocated',
  resources: [
    { name: 'cpu', weight: 1 },
    { name: 'memory', weight: 1 },
  ],
};
const LABEL_KEY_RE = `'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'`;
const NAME_PART_REGEX = `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is ${LABEL_KEY_RE})`;

describe('NodeResourcesFitArgs defaults', () => {
  const table: { name: string; args: unknown; want: unknown }[] = [
    { name: 'nothing', args: undefined, want: { scoringStrategy: defaultStrategy, ignoredResources: [], ignoredResourceGroups: [] } },
    { name: 'empty', args: {}, want: { scoringStrategy: defaultStrategy, ignoredResources: [], ignoredResourceGroups: [] } },
    {
      name: 'a strategy without resources gets cpu and memory',
      args: { scoringStrategy: { type: 'MostAllocated' } },
      want: { scoringStrategy: { ...defaultStrategy, type: 'MostAllocated' }, ignoredResources: [], ignoredResourceGroups: [] },
    },
    {
      name: 'an empty resources list gets cpu and memory',
      args: { scoringStrategy: { type: 'MostAllocated', resources: [] } },
      want: { scoringStrategy: { ...defaultStrategy, type: 'MostAllocated' }, ignoredResources: [], ignoredResourceGroups: [] },
    },
    {
      name: 'a weight left out or 0 is 1',
      args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu' }, { name: 'memory', weight: 0 }, { name: 'example.com/gpu', weight: 5 }] } },
      want: {
        scoringStrategy: {
          type: 'LeastAllocated',
          resources: [
            { name: 'cpu', weight: 1 },
            { name: 'memory', weight: 1 },
            { name: 'example.com/gpu', weight: 5 },
          ],
        },
        ignoredResources: [],
        ignoredResourceGroups: [],
      },
    },
    {
      name: 'RequestedToCapacityRatio keeps its shape',
      args: {
        scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } },
        ignoredResources: ['example.com/foo'],
      },
      want: {
        scoringStrategy: {
          ...defaultStrategy,
          type: 'RequestedToCapacityRatio',
          requestedToCapacityRatio: {
            shape: [
              { utilization: 0, score: 0 },
              { utilization: 100, score: 10 },
            ],
          },
        },
        ignoredResources: ['example.com/foo'],
        ignoredResourceGroups: [],
      },
    },
  ];
  test.each(table)('$name', ({ args, want }) => {
    const got = parseFitArgs(args);
    expect(got.errors).toEqual([]);
    expect(got.args).toEqual(want);
  });

  test('the defaults are not shared between parses', () => {
    const a = parseFitArgs(undefined).args;
    a.scoringStrategy.resources.push({ name: 'x', weight: 1 });
    expect(parseFitArgs(undefined).args.scoringStrategy.resources).toHaveLength(2);
  });
});

describe('validateFitArgs', () => {
  const table: { name: string; args: unknown; want: string[] }[] = [
    // TestValidateFitArgs
    {
      name: 'IgnoredResources: too long value',
      args: { ignoredResources: [`longvalue${'a'.repeat(64)}`] },
      want: [`ignoredResources[0]: Invalid value: "longvalue${'a'.repeat(64)}": name part must be no more than 63 bytes`],
    },
    {
      name: 'IgnoredResources: name is empty',
      args: { ignoredResources: ['example.com/'] },
      want: ['ignoredResources[0]: Invalid value: "example.com/": name part must be non-empty', `ignoredResources[0]: Invalid value: "example.com/": ${NAME_PART_REGEX}`],
    },
    {
      name: 'IgnoredResources: name has too many slash',
      args: { ignoredResources: ['example.com/aaa/bbb'] },
      want: [
        `ignoredResources[0]: Invalid value: "example.com/aaa/bbb": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is ${LABEL_KEY_RE}) with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    },
    { name: 'IgnoredResources: valid args', args: { ignoredResources: ['example.com'] }, want: [] },
    { name: 'IgnoredResourceGroups: valid args', args: { ignoredResourceGroups: ['example.com'] }, want: [] },
    {
      name: 'IgnoredResourceGroups: illegal args',
      args: { ignoredResourceGroups: ['example.com/'] },
      want: [
        `ignoredResourceGroups[0]: Invalid value: "example.com/": resource group name can't contain '/'`,
        'ignoredResourceGroups[0]: Invalid value: "example.com/": name part must be non-empty',
        `ignoredResourceGroups[0]: Invalid value: "example.com/": ${NAME_PART_REGEX}`,
      ],
    },
    {
      name: 'IgnoredResourceGroups: name is too long',
      args: { ignoredResourceGroups: ['a'.repeat(64)] },
      want: [`ignoredResourceGroups[0]: Invalid value: "${'a'.repeat(64)}": name part must be no more than 63 bytes`],
    },
    {
      name: 'IgnoredResourceGroups: upper-case prefix',
      args: { ignoredResourceGroups: ['Example.com/a'] },
      want: [
        `ignoredResourceGroups[0]: Invalid value: "Example.com/a": resource group name can't contain '/'`,
        `ignoredResourceGroups[0]: Invalid value: "Example.com/a": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    },
    {
      name: 'IgnoredResourceGroups: name cannot be contain slash',
      args: { ignoredResourceGroups: ['example.com/aa'] },
      want: [`ignoredResourceGroups[0]: Invalid value: "example.com/aa": resource group name can't contain '/'`],
    },
    {
      name: 'ScoringStrategy: type is unsupported',
      args: { scoringStrategy: { type: 'Invalid' } },
      want: ['scoringStrategy.type: Unsupported value: "Invalid": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"'],
    },
    {
      name: 'ScoringStrategy: type is missing',
      args: { scoringStrategy: {} },
      want: ['scoringStrategy.type: Unsupported value: "": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"'],
    },
    {
      name: 'ScoringStrategy: requestedToCapacityRatio field is missing',
      args: { scoringStrategy: { type: 'RequestedToCapacityRatio' } },
      want: ['scoringStrategy.requestedToCapacityRatio: Required value: must be specified when type is RequestedToCapacityRatio'],
    },
    {
      name: 'ScoringStrategy: requestedToCapacityRatio with another type',
      args: { scoringStrategy: { type: 'MostAllocated', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }] } } },
      want: ['scoringStrategy.requestedToCapacityRatio: Forbidden: must be nil when type is not RequestedToCapacityRatio'],
    },
    // TestValidateLeastAllocatedScoringStrategy / TestValidateMostAllocatedScoringStrategy (weight 0 is defaulted to 1 by the v1 API)
    {
      name: 'multi valid resources',
      args: { scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 10 }] } },
      want: [],
    },
    {
      name: 'weight less than min',
      args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: -1 }] } },
      want: ['scoringStrategy.resources[0].weight: Invalid value: -1: resource weight of cpu not in valid range (0, 100]'],
    },
    {
      name: 'weight greater than max',
      args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 101 }] } },
      want: ['scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]'],
    },
    {
      name: 'multi invalid resources',
      args: { scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: -5 }, { name: 'memory', weight: 101 }] } },
      want: [
        'scoringStrategy.resources[0].weight: Invalid value: -5: resource weight of cpu not in valid range (0, 100]',
        'scoringStrategy.resources[1].weight: Invalid value: 101: resource weight of memory not in valid range (0, 100]',
      ],
    },
    // TestValidateRequestedToCapacityRatioScoringStrategy
    ...rtcr('no shapes', undefined, ['scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified']),
    ...rtcr('empty shape', [], ['scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified']),
    ...rtcr('valid shapes', [{ utilization: 30, score: 3 }], []),
    ...rtcr('utilization less than min', [{ utilization: -1, score: 3 }], [
      'scoringStrategy.requestedToCapacityRatio.shape[0].utilization: Invalid value: -1: not in valid range [0, 100]',
    ]),
    ...rtcr('utilization greater than max', [{ utilization: 101, score: 3 }], [
      'scoringStrategy.requestedToCapacityRatio.shape[0].utilization: Invalid value: 101: not in valid range [0, 100]',
    ]),
    ...rtcr(
      'duplicated utilization values',
      [
        { utilization: 10, score: 3 },
        { utilization: 10, score: 3 },
      ],
      ['scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 10: values must be sorted in increasing order'],
    ),
    ...rtcr(
      'increasing utilization values',
      [
        { utilization: 10, score: 3 },
        { utilization: 20, score: 3 },
        { utilization: 30, score: 3 },
      ],
      [],
    ),
    ...rtcr(
      'non-increasing utilization values',
      [
        { utilization: 10, score: 3 },
        { utilization: 20, score: 3 },
        { utilization: 15, score: 3 },
      ],
      ['scoringStrategy.requestedToCapacityRatio.shape[2].utilization: Invalid value: 15: values must be sorted in increasing order'],
    ),
    ...rtcr('score less than min', [{ utilization: 10, score: -1 }], [
      'scoringStrategy.requestedToCapacityRatio.shape[0].score: Invalid value: -1: not in valid range [0, 10]',
    ]),
    ...rtcr('score greater than max', [{ utilization: 10, score: 11 }], [
      'scoringStrategy.requestedToCapacityRatio.shape[0].score: Invalid value: 11: not in valid range [0, 10]',
    ]),
    {
      name: 'RequestedToCapacityRatio weight greater than max',
      args: {
        scoringStrategy: { type: 'RequestedToCapacityRatio', resources: [{ name: 'cpu', weight: 101 }], requestedToCapacityRatio: { shape: [{ utilization: 30, score: 3 }] } },
      },
      want: ['scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]'],
    },
    // Berth: shapes and types of hand-written files
    { name: 'not an object', args: 'LeastAllocated', want: ['<args>: Invalid value: "LeastAllocated": must be an object'] },
    { name: 'unknown field', args: { scoringStrategyy: {} }, want: ['scoringStrategyy: unknown field'] },
    { name: 'unknown nested field', args: { scoringStrategy: { type: 'LeastAllocated', shape: [] } }, want: ['scoringStrategy.shape: unknown field'] },
    {
      name: 'resource without a name',
      args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ weight: 2 }] } },
      want: ['scoringStrategy.resources[0].name: Required value'],
    },
    {
      name: 'weight that is not an integer',
      args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1.5 }, { name: 'memory', weight: '2' }] } },
      want: ['scoringStrategy.resources[0].weight: Invalid value: 1.5: must be an integer', 'scoringStrategy.resources[1].weight: Invalid value: "2": must be an integer'],
    },
    { name: 'ignoredResources not a list', args: { ignoredResources: 'example.com/foo' }, want: ['ignoredResources: Invalid value: "example.com/foo": must be a list of strings'] },
    { name: 'ignoredResources of numbers', args: { ignoredResources: [7] }, want: ['ignoredResources[0]: Invalid value: 7: must be a string'] },
    {
      name: 'shape point not an object, and a score not an integer',
      args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [5, { utilization: 50, score: 2.5 }] } } },
      want: [
        'scoringStrategy.requestedToCapacityRatio.shape[0]: Invalid value: 5: must be an object with utilization and score',
        'scoringStrategy.requestedToCapacityRatio.shape[1].score: Invalid value: 2.5: must be an integer',
      ],
    },
  ];
  test.each(table)('$name', ({ args, want }) => {
    expect(validateFitArgs(args)).toEqual(want);
  });
});

function rtcr(name: string, shape: unknown, want: string[]): { name: string; args: unknown; want: string[] }[] {
  return [{ name: `RequestedToCapacityRatio: ${name}`, args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape } } }, want }];
}

describe('NodeResourcesBalancedAllocationArgs', () => {
  test('defaults to cpu and memory', () => {
    expect(parseBalancedAllocationArgs({})).toEqual({
      args: {
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'memory', weight: 1 },
        ],
      },
      errors: [],
    });
  });

  // TestValidateNodeResourcesBalancedAllocationArgs
  const table: { name: string; args: unknown; want: string[] }[] = [
    { name: 'valid config', args: { resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] }, want: [] },
    { name: 'invalid config', args: { resources: [{ name: 'cpu', weight: 2 }, { name: 'memory', weight: 1 }] }, want: ['resources[0].weight: Invalid value: 2: must be 1'] },
    { name: 'repeated resources', args: { resources: [{ name: 'cpu', weight: 1 }, { name: 'cpu', weight: 1 }] }, want: ['resources[1].name: Duplicate value: "cpu"'] },
    { name: 'weight left out is 1', args: { resources: [{ name: 'cpu' }, { name: 'nvidia.com/gpu' }] }, want: [] },
    { name: 'unknown field', args: { resource: [] }, want: ['resource: unknown field'] },
  ];
  test.each(table)('$name', ({ args, want }) => {
    expect(validateBalancedAllocationArgs(args)).toEqual(want);
  });
});
