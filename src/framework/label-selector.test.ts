// Label selectors over objects' labels, against apimachinery's behaviour
// (LabelSelectorAsSelector, NewRequirement errors, Selector.Matches).
import { LabelOp, aggregate, isEverything, parseLabelSelector, selectorMatches, type Selector } from './label-selector.ts';

function parse(raw: Parameters<typeof parseLabelSelector>[0], extra: Parameters<typeof parseLabelSelector>[1] = []): Selector {
  const r = parseLabelSelector(raw, extra);
  if (r.error !== undefined) throw new Error(r.error);
  return r.selector;
}

describe('parseLabelSelector', () => {
  test('null selects nothing, {} everything', () => {
    expect(parse(undefined)).toBeNull();
    expect(parse(null)).toBeNull();
    expect(selectorMatches(parse(undefined), {})).toBe(false);
    expect(isEverything(parse({}))).toBe(true);
    expect(isEverything(parse({ matchLabels: {}, matchExpressions: [] }))).toBe(true);
    expect(selectorMatches(parse({}), { any: 'thing' })).toBe(true);
  });

  test('merged keys make {} a real selector', () => {
    const s = parse({}, [{ key: 'hash', op: LabelOp.In, values: ['h1'] }]);
    expect(isEverything(s)).toBe(false);
    expect(selectorMatches(s, { hash: 'h1' })).toBe(true);
    expect(selectorMatches(s, { hash: 'h2' })).toBe(false);
  });

  test.each([
    ['matchLabels equal', { matchLabels: { app: 'a' } }, { app: 'a' }, true],
    ['matchLabels differ', { matchLabels: { app: 'a' } }, { app: 'b' }, false],
    ['matchLabels absent', { matchLabels: { app: 'a' } }, {}, false],
    ['In', { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] }, { app: 'b' }, true],
    ['In absent', { matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] }, {}, false],
    ['NotIn other', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] }, { app: 'b' }, true],
    ['NotIn absent holds', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] }, {}, true],
    ['NotIn same', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] }, { app: 'a' }, false],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, { app: '' }, true],
    ['Exists absent', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, {}, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, {}, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, { app: 'x' }, false],
    ['ANDed', { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, { app: 'a' }, false],
    ['inherited keys are not labels', { matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}, false],
  ])('%s', (_name, raw, labels, want) => {
    expect(selectorMatches(parse(raw), labels)).toBe(want);
  });

  const valueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
    "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  test.each([
    ['bad matchLabels value', { matchLabels: { app: '-x' } }, `values[0][app]: Invalid value: "-x": ${valueMsg}`],
    ['unknown operator', { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, '"Gt" is not a valid label selector operator'],
    ['NotIn without values', { matchExpressions: [{ key: 'app', operator: 'NotIn' }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [
      'DoesNotExist with values',
      { matchExpressions: [{ key: 'app', operator: 'DoesNotExist', values: ['a', 'b'] }] },
      'values: Invalid value: []string{"a", "b"}: values set must be empty for exists and does not exist',
    ],
    ['empty key', { matchExpressions: [{ key: '', operator: 'Exists' }] }, 'key: Invalid value: "": name part must be non-empty; name part must consist of alphanumeric characters'],
    ['long prefix', { matchExpressions: [{ key: `${'a'.repeat(254)}/x`, operator: 'Exists' }] }, 'prefix part must be no more than 253 bytes'],
    ['long value', { matchLabels: { app: 'a'.repeat(64) } }, 'must be no more than 63 bytes'],
    [
      'several errors in one requirement are aggregated',
      { matchExpressions: [{ key: 'bad key', operator: 'In', values: ['ok', 'not ok'] }] },
      `[key: Invalid value: "bad key": name part must consist of alphanumeric characters`,
    ],
    ['matchExpressions not a list', { matchExpressions: 'app' }, 'matchExpressions: Invalid value: "app": must be a list'],
  ])('%s', (_name, raw, want) => {
    const r = parseLabelSelector(raw as never);
    expect(r.selector).toBeUndefined();
    expect(r.error).toContain(want);
  });

  test('aggregate: one error as is, several in brackets, duplicates once', () => {
    expect(aggregate(['a'])).toBe('a');
    expect(aggregate(['a', 'b', 'a'])).toBe('[a, b]');
  });

  test('values that are not a list are an error, as the apiserver would not decode them', () => {
    expect(parseLabelSelector({ matchExpressions: [{ key: 'app', operator: 'In', values: 'a' as unknown as string[] }] }).error).toBe(
      'values: Invalid value: "a": must be a list of strings',
    );
  });

  test('jsonValues: lists as JSON, value paths without [key] (PodTopologySpread\'s messages)', () => {
    const bad = { matchExpressions: [{ key: 'app', operator: 'In', values: ['a b'] }, { key: 'tier', operator: 'Exists', values: ['x'] }] };
    expect(parseLabelSelector(bad).error).toContain('values[0][app]: Invalid value: "a b": a valid label must be');
    expect(parseLabelSelector(bad, [], { jsonValues: true }).error).toContain('values[0]: Invalid value: "a b": a valid label must be');
    const exists = { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] };
    expect(parseLabelSelector(exists, [], { jsonValues: true }).error).toBe('values: Invalid value: ["x"]: values set must be empty for exists and does not exist');
  });
});
