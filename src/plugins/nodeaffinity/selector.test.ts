// Parsing and compiling node selector terms: upstream's label-key, label-value
// and integer rules (apimachinery validation, strconv.ParseInt), and the
// compile-time pruning of terms no node can match.
import { buildSnapshot, makeNode } from '../../testing/builders.ts';
import {
  compileNodeSelector,
  compileTerm,
  labelValueErrors,
  parseInt64,
  parseTerm,
  qualifiedNameErrors,
  ReqOp,
} from './selector.ts';

describe('qualifiedNameErrors (validation.IsQualifiedName)', () => {
  test.each([
    ['simple', 'GPU', 0],
    ['prefixed', 'kubernetes.io/hostname', 0],
    ['too many slashes', 'a/b/c', 1],
    ['empty prefix', '/name', 1],
    ['upper-case prefix', 'Example.com/name', 1],
    ['empty name', 'example.com/', 2],
    ['name of 64 characters', 'a'.repeat(64), 1],
    ['name ending in a dash', 'name-', 1],
  ] as const)('%s', (_name, key, count) => {
    expect(qualifiedNameErrors(key)).toHaveLength(count);
  });
});

describe('labelValueErrors (validation.IsValidLabelValue)', () => {
  test.each([
    ['empty', '', 0],
    ['ordinary', 'NVIDIA-GRID-K1', 0],
    ['with spaces and symbols', 'invalid value: ___@#$%^', 1],
    ['64 characters', 'a'.repeat(64), 1],
  ] as const)('%s', (_name, value, count) => {
    expect(labelValueErrors(value)).toHaveLength(count);
  });
});

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
