// Parsing, compiling and matching node selector terms: upstream's label-key,
// label-value and integer rules (apimachinery validation, strconv.ParseInt),
// upstream's parse errors (labels.NewRequirement, fields selectors) that make
// a term match nothing, the compile-time pruning of terms no node can match,
// and compiled terms as plain data. labelsOnly: fields never see the node's
// name (CheckNodeAffinity passes labels only).
import type { NodeSelectorTerm } from '../api/types.ts';
import { buildSnapshot, makeNode } from '../testing/builders.ts';
import {
  compileNodeSelector,
  compileTerm,
  compileTerms,
  matchesAnyTerm,
  parseInt64,
  parseNodeSelectorTerms,
  parseTerm,
  ReqOp,
  type CompileContext,
} from './node-selector.ts';
import type { NodeTableReader } from './node-view.ts';

/** How VolumeBinding compiles a PV's terms. */
const pv = (nodes: NodeTableReader): CompileContext => ({ nodes, labelsOnly: true });

describe('parseInt64 (strconv.ParseInt base 10, 64 bits)', () => {
  test.each([
    ['leading zeros', '0204', 204],
    ['plus sign', '+5', 5],
    ['minus sign', '-7', -7],
    ['int64 max', '9223372036854775807', Number(2n ** 63n - 1n)],
    ['past int64 max', '9223372036854775808', undefined],
    ['decimal', '1.5', undefined],
    ['spaces', ' 1', undefined],
    ['empty', '', undefined],
  ] as const)('%s', (_name, text, want) => {
    expect(parseInt64(text)).toBe(want);
  });
});

describe('compileTerm', () => {
  const snap = buildSnapshot([
    makeNode('a').label('zone', 'z1').label('cores', '16').obj(),
    makeNode('b').label('zone', 'z2').label('cores', '4').obj(),
  ]);
  const ctx = { nodes: snap.table };
  const id = (s: string) => snap.table.interner.lookup(s);

  test('In keeps only the values some node carries, as sorted ids', () => {
    const term = compileTerm(parseTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2', 'nope', 'z1'] }] }, 't'), ctx);
    expect(term).toEqual([{ op: ReqOp.In, key: id('zone'), values: [id('z1'), id('z2')].sort((x, y) => x - y) }]);
  });

  test('a requirement no node can satisfy makes the whole term null', () => {
    expect(compileTerm(parseTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['nope'] }] }, 't'), ctx)).toBeNull();
    expect(compileTerm(parseTerm({ matchExpressions: [{ key: 'nokey', operator: 'Exists' }] }, 't'), ctx)).toBeNull();
  });

  test('requirements every node satisfies are dropped', () => {
    const term = compileTerm(
      parseTerm(
        {
          matchExpressions: [
            { key: 'nokey', operator: 'DoesNotExist' },
            { key: 'zone', operator: 'NotIn', values: ['nope'] },
          ],
        },
        't',
      ),
      ctx,
    );
    expect(term).toEqual([]);
  });

  test('Gt becomes In over the integer label values of the candidate rows', () => {
    const term = compileTerm(parseTerm({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }, 't'), ctx);
    expect(term).toEqual([{ op: ReqOp.In, key: id('cores'), values: [id('16')] }]);
    const onlyB = compileTerm(parseTerm({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }, 't'), {
      nodes: snap.table,
      rows: Int32Array.of(snap.table.indexOf('b')),
    });
    expect(onlyB).toBeNull();
  });

  test('a term with a parse error is null', () => {
    const parsed = parseTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }, 't');
    expect(parsed.errors).toEqual(["t.matchExpressions[0].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"]);
    expect(compileTerm(parsed, ctx)).toBeNull();
  });

  test('nodeSelector: every pair must be interned', () => {
    expect(compileNodeSelector({ zone: 'z1' }, ctx)).toEqual([{ op: ReqOp.In, key: id('zone'), values: [id('z1')] }]);
    expect(compileNodeSelector({ zone: 'z9' }, ctx)).toBeNull();
  });
});

const P = 'spec.nodeAffinity.required.nodeSelectorTerms';

describe('parseNodeSelectorTerms (a PV\'s spec.nodeAffinity.required)', () => {
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

describe('compileTerms / matchesAnyTerm against a node\'s labels only (labelsOnly, a PV\'s affinity)', () => {
  const snap = buildSnapshot([
    makeNode('node-a').label('zone', 'a').label('disks', '8').obj(),
    makeNode('node-b').label('zone', 'b').label('disks', '2').obj(),
  ]);
  const match = (terms: NodeSelectorTerm[]): boolean[] => {
    const compiled = compileTerms(parseNodeSelectorTerms(terms, P), pv(snap.table));
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
    const compiled = compileTerms(parseNodeSelectorTerms([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z'] }] }], P), pv(snap.table));
    expect(compiled).toEqual([[]]);
  });

  test('an empty table: Gt matches nothing', () => {
    const empty = buildSnapshot([]);
    expect(compileTerms(parseNodeSelectorTerms([{ matchExpressions: [{ key: 'disks', operator: 'Gt', values: ['1'] }] }], P), pv(empty.table))).toEqual([]);
  });
});
