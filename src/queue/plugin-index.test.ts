import { PluginIndex } from './plugin-index.ts';

describe('PluginIndex', () => {
  test('select returns the values of interested plugins, each once, plus the unattributed ones', () => {
    const idx = new PluginIndex<string>();
    idx.set('a', 'A', ['Fit']);
    idx.set('b', 'B', ['Fit', 'Affinity']);
    idx.set('c', 'C', ['Affinity']);
    idx.set('d', 'D', []);
    expect(idx.select((p) => p === 'Fit').sort()).toEqual(['A', 'B', 'D']);
    expect(idx.select((p) => p === 'Affinity').sort()).toEqual(['B', 'C', 'D']);
    expect(idx.select(() => false)).toEqual(['D']);
    expect(idx.select(() => true).sort()).toEqual(['A', 'B', 'C', 'D']);
  });

  test('set replaces the value and its plugins; delete unindexes', () => {
    const idx = new PluginIndex<string>();
    idx.set('a', 'A', ['Fit']);
    idx.set('a', 'A2', ['Affinity']);
    expect(idx.size).toBe(1);
    expect(idx.select((p) => p === 'Fit')).toEqual([]);
    expect(idx.select((p) => p === 'Affinity')).toEqual(['A2']);
    expect(idx.delete('a')).toBe('A2');
    expect(idx.delete('a')).toBeUndefined();
    expect(idx.select(() => true)).toEqual([]);
    expect(idx.has('a')).toBe(false);
  });
});
