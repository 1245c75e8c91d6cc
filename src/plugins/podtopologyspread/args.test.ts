// Ported from upstream pkg/scheduler/apis/config/validation/validation_pluginargs_test.go
// (TestValidatePodTopologySpreadArgs) and v1 defaults_test.go
// (SetDefaults_PodTopologySpreadArgs), with Berth's shape checks.
import { defaultPodTopologySpreadArgs, parsePodTopologySpreadArgs, validatePodTopologySpreadArgs } from './args.ts';
import { defaultArgs, validateArgs } from './pod-topology-spread.ts';

const ok = (maxSkew: number, topologyKey: string, whenUnsatisfiable: string) => ({ maxSkew, topologyKey, whenUnsatisfiable });

describe('validatePodTopologySpreadArgs (upstream TestValidatePodTopologySpreadArgs)', () => {
  test.each<[string, unknown, string[]]>([
    ['valid config', { defaultingType: 'List', defaultConstraints: [ok(1, 'node', 'DoNotSchedule'), ok(2, 'zone', 'ScheduleAnyway')] }, []],
    [
      'maxSkew less than zero',
      { defaultingType: 'List', defaultConstraints: [ok(-1, 'node', 'DoNotSchedule')] },
      ['defaultConstraints[0].maxSkew: Invalid value: -1: not in valid range (0, inf)'],
    ],
    [
      'empty topology key',
      { defaultingType: 'List', defaultConstraints: [ok(1, '', 'DoNotSchedule')] },
      ['defaultConstraints[0].topologyKey: Required value: can not be empty'],
    ],
    [
      'whenUnsatisfiable is empty',
      { defaultingType: 'List', defaultConstraints: [ok(1, 'node', '')] },
      ['defaultConstraints[0].whenUnsatisfiable: Required value: can not be empty'],
    ],
    [
      'whenUnsatisfiable contains unsupported action',
      { defaultingType: 'List', defaultConstraints: [ok(1, 'node', 'unknown action')] },
      ['defaultConstraints[0].whenUnsatisfiable: Unsupported value: "unknown action": supported values: "DoNotSchedule", "ScheduleAnyway"'],
    ],
    [
      'duplicated constraints',
      { defaultingType: 'List', defaultConstraints: [ok(1, 'node', 'DoNotSchedule'), ok(2, 'node', 'DoNotSchedule')] },
      ['defaultConstraints[1]: Duplicate value: "{node, DoNotSchedule}"'],
    ],
    [
      'label selector present',
      { defaultingType: 'List', defaultConstraints: [{ ...ok(1, 'key', 'DoNotSchedule'), labelSelector: { matchLabels: { a: 'b' } } }] },
      ['defaultConstraints[0].labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod'],
    ],
    ['list default constraints, no constraints', { defaultingType: 'List' }, []],
    ['system default constraints', { defaultingType: 'System' }, []],
    ['wrong constraints', { defaultingType: 'unknown' }, ['defaultingType: Unsupported value: "unknown": supported values: "System", "List"']],
    [
      'system default constraints, but has constraints',
      { defaultingType: 'System', defaultConstraints: [ok(1, 'key', 'DoNotSchedule')] },
      ['defaultingType: Invalid value: "System": when .defaultConstraints are not empty'],
    ],
  ])('%s', (_name, args, want) => {
    expect(validatePodTopologySpreadArgs(args)).toEqual(want);
  });
});

describe('PodTopologySpread args defaulting (upstream SetDefaults_PodTopologySpreadArgs)', () => {
  test('nothing given: System', () => {
    expect(parsePodTopologySpreadArgs(undefined)).toEqual({ args: { defaultingType: 'System', defaultConstraints: [] }, errors: [] });
    expect(parsePodTopologySpreadArgs({})).toEqual({ args: { defaultingType: 'System', defaultConstraints: [] }, errors: [] });
    expect(defaultArgs).toBe(defaultPodTopologySpreadArgs);
    expect(validateArgs(defaultArgs)).toEqual([]);
  });

  test('constraints without a defaultingType default to System, which rejects them (v1 defaulting)', () => {
    expect(validatePodTopologySpreadArgs({ defaultConstraints: [ok(1, 'node', 'DoNotSchedule')] })).toEqual([
      'defaultingType: Invalid value: "System": when .defaultConstraints are not empty',
    ]);
  });

  test('List keeps its constraints', () => {
    const c = { ...ok(1, 'node', 'DoNotSchedule'), minDomains: 2, nodeTaintsPolicy: 'Honor' };
    expect(parsePodTopologySpreadArgs({ defaultingType: 'List', defaultConstraints: [c] })).toEqual({
      args: { defaultingType: 'List', defaultConstraints: [c] },
      errors: [],
    });
  });
});

describe('validatePodTopologySpreadArgs (Berth)', () => {
  test.each<[string, unknown, string[]]>([
    ['args that are not an object', 'System', ['<args>: Invalid value: "System": must be an object']],
    ['an unknown field', { defaultingTyp: 'List' }, ['defaultingTyp: unknown field']],
    ['an unknown constraint field', { defaultingType: 'List', defaultConstraints: [{ ...ok(1, 'node', 'DoNotSchedule'), maxskew: 2 }] }, ['defaultConstraints[0].maxskew: unknown field']],
    ['defaultConstraints that are not a list', { defaultingType: 'List', defaultConstraints: {} }, ['defaultConstraints: Invalid value: {}: must be a list']],
    ['a constraint that is not an object', { defaultingType: 'List', defaultConstraints: ['node'] }, ['defaultConstraints[0]: Invalid value: "node": must be an object']],
    ['maxSkew that is not an integer', { defaultingType: 'List', defaultConstraints: [ok(1.5, 'node', 'DoNotSchedule')] }, ['defaultConstraints[0].maxSkew: Invalid value: 1.5: must be an integer']],
    ['maxSkew left out (0)', { defaultingType: 'List', defaultConstraints: [{ topologyKey: 'node', whenUnsatisfiable: 'DoNotSchedule' }] }, ['defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf)']],
    [
      'a topology key that is not a label name: one error per problem',
      { defaultingType: 'List', defaultConstraints: [ok(1, 'Bad_/x', 'DoNotSchedule')] },
      [
        `defaultConstraints[0].topologyKey: Invalid value: "Bad_/x": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ],
    ['minDomains of 0', { defaultingType: 'List', defaultConstraints: [{ ...ok(1, 'node', 'DoNotSchedule'), minDomains: 0 }] }, ['defaultConstraints[0].minDomains: Invalid value: 0: must be greater than zero']],
    [
      'an unknown node inclusion policy',
      { defaultingType: 'List', defaultConstraints: [{ ...ok(1, 'node', 'DoNotSchedule'), nodeTaintsPolicy: 'honor' }] },
      ['defaultConstraints[0].nodeTaintsPolicy: Unsupported value: "honor": supported values: "Honor", "Ignore"'],
    ],
    [
      'matchLabelKeys that is not a list of strings',
      { defaultingType: 'List', defaultConstraints: [{ ...ok(1, 'node', 'DoNotSchedule'), matchLabelKeys: 'app' }] },
      ['defaultConstraints[0].matchLabelKeys: Invalid value: "app": must be a list of strings'],
    ],
    [
      'every problem is reported, in order',
      { defaultingType: 'System', defaultConstraints: [ok(0, '', 'Never')] },
      [
        'defaultingType: Invalid value: "System": when .defaultConstraints are not empty',
        'defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf)',
        'defaultConstraints[0].topologyKey: Required value: can not be empty',
        'defaultConstraints[0].whenUnsatisfiable: Unsupported value: "Never": supported values: "DoNotSchedule", "ScheduleAnyway"',
      ],
    ],
  ])('%s', (_name, args, want) => {
    expect(validatePodTopologySpreadArgs(args)).toEqual(want);
  });
});
