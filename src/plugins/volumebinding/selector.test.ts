// The PV node-affinity reader: upstream's parse errors (labels.NewRequirement,
// fields selectors) make a term match nothing; compiled terms are plain data;
// fields never see the node's name (CheckNodeAffinity passes labels only).
import type { NodeSelectorTerm } from '../../api/types.ts';
import { buildSnapshot, makeNode } from '../../testing/builders.ts';
import { compileTerms, matchesAnyTerm, parseNodeSelectorTerms } from './selector.ts';

const P = 'spec.nodeAffinity.required.nodeSelectorTerms';

describe('parseNodeSelectorTerms', () => {
  const cases: { name: string; term: NodeSelectorTerm; want: string[] }[] = [
    { name: 'valid', term: { matchExpressions: [{ key: 'example.com/zone', operator: 'In', values: ['a'] }] }, want: [] },
    {
      name: 'unknown operator',
      term: { matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }] },
      want: [`${P}[0].matchExpressions[0].operator: Unsupported value: "Near": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`],
    },
    {
      name: 'In without values',
      term: { matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] },
      want: [`${P}[0].matchExpressions[0].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`],
    },
    {
      name: 'Exists with values',
      term: { matchExpressions: [{ key: 'zone', operator: 'Exists', values: ['a'] }] },
      want: [`${P}[0].matchExpressions[0].values: Invalid value: ["a"]: values set must be empty for exists and does not exist`],
    },
    {
      name: 'Gt with two values, one not an integer',
      term: { matchExpressions: [{ key: 'disks', operator: 'Gt', values: ['1', 'x'] }] },
      want: [
        `${P}[0].matchExpressions[0].values: Invalid value: ["1","x"]: for 'Gt', 'Lt' operators, exactly one value is required`,
        `${P}[0].matchExpressions[0].values[1]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
      ],
    },
    {
      name: 'bad key prefix and bad value',
      term: { matchExpressions: [{ key: 'Bad_Prefix/zone', operator: 'In', values: ['-a'] }] },
      want: [
        `${P}[0].matchExpressions[0].key: Invalid value: "Bad_Prefix/zone": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        `${P}[0].matchExpressions[0].values[0]: Invalid value: "-a": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    },
    {
      name: 'a key with two slashes',
      term: { matchExpressions: [{ key: 'a/b/c', operator: 'Exists' }] },
      want: [
        `${P}[0].matchExpressions[0].key: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    },
    {
      name: 'field with two values',
      term: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] },
      want: [`${P}[0].matchFields[0].values: Invalid value: ["a","b"]: must have one element`],
    },
    {
      name: 'field with Exists',
      term: { matchFields: [{ key: 'metadata.name', operator: 'Exists' }] },
      want: [`${P}[0].matchFields[0].operator: Unsupported value: "Exists": supported values: "In", "NotIn"`],
    },
    {
      name: 'values that are not strings',
      term: { matchExpressions: [{ key: 'zone', operator: 'In', values: [1] as unknown as string[] }] },
      want: [`${P}[0].matchExpressions[0].values: Invalid value: [1]: must be a list of strings`],
    },
    {
      name: 'matchExpressions that is not a list',
      term: { matchExpressions: { key: 'zone' } as unknown as [], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['x'] }] },
      want: [`${P}[0].matchExpressions: Invalid value: {"key":"zone"}: must be a list`],
    },
  ];
  test.each(cases)('$name', ({ term, want }) => {
    const parsed = parseNodeSelectorTerms([term], P);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.errors).toEqual(want);
  });

  test('empty terms are dropped; a non-list reads as no terms', () => {
    expect(parseNodeSelectorTerms([{}, { matchExpressions: [] }], P)).toEqual([]);
    expect(parseNodeSelectorTerms(null as unknown as NodeSelectorTerm[], P)).toEqual([]);
  });
});

describe('compileTerms / matchesAnyTerm', () => {
  const snap = buildSnapshot([
    makeNode('node-a').label('zone', 'a').label('disks', '8').obj(),
    makeNode('node-b').label('zone', 'b').label('disks', '2').obj(),
  ]);
  const match = (terms: NodeSelectorTerm[]): boolean[] => {
    const compiled = compileTerms(parseNodeSelectorTerms(terms, P), snap.table);
    expect(structuredClone(compiled)).toEqual(compiled);
    return ['node-a', 'node-b'].map((n) => matchesAnyTerm(compiled, snap.view(n)));
  };

  test('terms with parse errors match nothing', () => {
    expect(match([{ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }])).toEqual([false, false]);
  });

  test('Gt/Lt against the label values nodes carry', () => {
    expect(match([{ matchExpressions: [{ key: 'disks', operator: 'Gt', values: ['4'] }] }])).toEqual([true, false]);
    expect(match([{ matchExpressions: [{ key: 'disks', operator: 'Lt', values: ['4'] }] }])).toEqual([false, true]);
    expect(match([{ matchExpressions: [{ key: 'disks', operator: 'Gt', values: ['100'] }] }])).toEqual([false, false]);
    expect(match([{ matchExpressions: [{ key: 'nope', operator: 'Lt', values: ['100'] }] }])).toEqual([false, false]);
  });

  test('fields read as "": any field In "" matches, NotIn "" does not', () => {
    expect(match([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [''] }] }])).toEqual([true, true]);
    expect(match([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: [''] }] }])).toEqual([false, false]);
    expect(match([{ matchFields: [{ key: 'spec.other', operator: 'In', values: ['node-a'] }] }])).toEqual([false, false]);
  });

  test('NotIn with values no node carries holds everywhere (compiles to an empty term)', () => {
    const compiled = compileTerms(parseNodeSelectorTerms([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z'] }] }], P), snap.table);
    expect(compiled).toEqual([[]]);
  });

  test('an empty table: Gt matches nothing', () => {
    const empty = buildSnapshot([]);
    expect(compileTerms(parseNodeSelectorTerms([{ matchExpressions: [{ key: 'disks', operator: 'Gt', values: ['1'] }] }], P), empty.table)).toEqual([]);
  });
});
