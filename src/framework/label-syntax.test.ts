// apimachinery's label key and value syntax (content.IsLabelKey,
// IsLabelValue) and the two nouns Berth prints for a bad key.
import { labelKeyErrors, labelValueErrors, qualifiedNameErrors } from './label-syntax.ts';

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

describe('the noun of a key with too many slashes', () => {
  test('selectors say "a qualified name" (v1.34), args "a valid label key" (v1.35+); the checks are the same', () => {
    expect(qualifiedNameErrors('a/b/c')[0]).toMatch(/^a qualified name must consist of /);
    expect(labelKeyErrors('a/b/c')[0]).toMatch(/^a valid label key must consist of /);
    for (const key of ['GPU', 'example.com/', 'Example.com/name', 'a'.repeat(64)]) expect(labelKeyErrors(key)).toEqual(qualifiedNameErrors(key));
  });
});
