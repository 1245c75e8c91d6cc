// Ported from upstream pkg/scheduler/apis/config/validation/validation_pluginargs_test.go
// (TestValidateNodeAffinityArgs), with Berth's shape checks.
import { defaultNodeAffinityArgs, validateNodeAffinityArgs } from './args.ts';

const REQ = 'addedAffinity.requiredDuringSchedulingIgnoredDuringExecution';
const PREF = 'addedAffinity.preferredDuringSchedulingIgnoredDuringExecution';

describe('validateNodeAffinityArgs (upstream TestValidateNodeAffinityArgs)', () => {
  test('empty', () => {
    expect(validateNodeAffinityArgs({})).toEqual([]);
    expect(validateNodeAffinityArgs(defaultNodeAffinityArgs)).toEqual([]);
    expect(validateNodeAffinityArgs(undefined)).toEqual([]);
  });

  test('valid added affinity', () => {
    expect(
      validateNodeAffinityArgs({
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'label-1', operator: 'In', values: ['label-1-val'] }] }],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] } },
          ],
        },
      }),
    ).toEqual([]);
  });

  test('invalid added affinity: each error names its field path', () => {
    const errors = validateNodeAffinityArgs({
      addedAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'invalid/label/key', operator: 'In', values: ['label-value'] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 1, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1', 'node-2'] }] } },
        ],
      },
    });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      new RegExp(`^${REQ.replace(/\./g, '\\.')}\\.nodeSelectorTerms\\[0\\]\\.matchExpressions\\[0\\]\\.key: Invalid value: "invalid/label/key": a qualified name must consist of`),
    );
    expect(errors[1]).toBe(`${PREF}[0].matchFields[0].values: Invalid value: ["node-1","node-2"]: must have one element`);
  });
});

describe('validateNodeAffinityArgs (Berth)', () => {
  test.each([
    ['an unknown field', { addedAfinity: {} }, ['addedAfinity: unknown field']],
    ['an unknown field in addedAffinity', { addedAffinity: { requiredDuringSchedulingRequiredDuringExecution: {} } }, ['addedAffinity.requiredDuringSchedulingRequiredDuringExecution: unknown field']],
    [
      'an unsupported operator',
      { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] }] } } },
      [`${REQ}.nodeSelectorTerms[0].matchExpressions[0].operator: Unsupported value: "Equals": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`],
    ],
    [
      'Gt with a value that is not an integer',
      { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['x'] }] }] } } },
      [`${REQ}.nodeSelectorTerms[0].matchExpressions[0].values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
    ],
    [
      'Exists with values',
      { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }] } } },
      [`${REQ}.nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: ["x"]: values set must be empty for exists and does not exist`],
    ],
    [
      'a preferred term with a weight that is not an integer',
      { addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1.5, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }] } },
      [`${PREF}[0].weight: Invalid value: 1.5: must be an integer`],
    ],
    ['nodeSelectorTerms that is not a list', { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: 'x' } } }, [`${REQ}.nodeSelectorTerms: Invalid value: "x": must be a list`]],
  ] as const)('%s', (_name, args, want) => {
    expect(validateNodeAffinityArgs(args)).toEqual(want);
  });

  test('an empty term is not an error (it matches nothing, as upstream)', () => {
    expect(
      validateNodeAffinityArgs({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } }),
    ).toEqual([]);
  });
});
