import { LazyHeap } from './lazy-heap.ts';

interface Item {
  name: string;
  prio: number;
}

const byPrio = (a: Item, b: Item): boolean => a.prio > b.prio;

function popAll<T>(h: LazyHeap<T>): T[] {
  const out: T[] = [];
  for (let v = h.pop(); v !== undefined; v = h.pop()) out.push(v);
  return out;
}

describe('LazyHeap', () => {
  test('pops by less, ties first in first out', () => {
    const h = new LazyHeap<Item>(byPrio);
    const items = [
      { name: 'a', prio: 1 },
      { name: 'b', prio: 3 },
      { name: 'c', prio: 1 },
      { name: 'd', prio: 3 },
      { name: 'e', prio: 2 },
    ];
    items.forEach((it) => h.push(it.name, it));
    expect(popAll(h).map((i) => i.name)).toEqual(['b', 'd', 'e', 'a', 'c']);
  });

  test('delete leaves a stale node that pop skips', () => {
    const h = new LazyHeap<Item>(byPrio);
    h.push('a', { name: 'a', prio: 3 });
    h.push('b', { name: 'b', prio: 2 });
    h.push('c', { name: 'c', prio: 1 });
    expect(h.delete('a')?.name).toBe('a');
    expect(h.delete('a')).toBeUndefined();
    expect(h.size).toBe(2);
    expect(h.physicalSize).toBe(3); // lazily: the node is still there
    expect(h.has('a')).toBe(false);
    expect(h.peek()?.name).toBe('b');
    expect(h.physicalSize).toBe(2); // dropped on its way to the top
    expect(popAll(h).map((i) => i.name)).toEqual(['b', 'c']);
  });

  test('push under an existing key replaces the value; the old one is never popped', () => {
    const h = new LazyHeap<Item>(byPrio);
    h.push('a', { name: 'a', prio: 1 });
    h.push('b', { name: 'b', prio: 2 });
    h.push('a', { name: 'a2', prio: 5 });
    expect(h.size).toBe(2);
    expect(h.get('a')?.name).toBe('a2');
    expect(popAll(h).map((i) => i.name)).toEqual(['a2', 'b']);
  });

  test('compacts when stale nodes outnumber live ones, bounding memory', () => {
    const h = new LazyHeap<Item>(byPrio);
    for (let i = 0; i < 5000; i++) h.push(`k${i}`, { name: `k${i}`, prio: i });
    for (let i = 0; i < 4990; i++) h.delete(`k${i}`);
    expect(h.size).toBe(10);
    expect(h.physicalSize).toBeLessThanOrEqual(2 * 1024);
    expect(popAll(h).map((i) => i.prio)).toEqual([4999, 4998, 4997, 4996, 4995, 4994, 4993, 4992, 4991, 4990]);
  });

  test('repeated updates of one key do not grow the heap without bound', () => {
    const h = new LazyHeap<Item>(byPrio);
    for (let i = 0; i < 10_000; i++) h.push('only', { name: 'only', prio: i % 7 });
    expect(h.size).toBe(1);
    expect(h.physicalSize).toBeLessThanOrEqual(1025);
  });

  test('matches a sorted reference under random pushes, deletes and pops', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const h = new LazyHeap<Item>(byPrio);
    const ref = new Map<string, { item: Item; seq: number }>();
    let seq = 0;
    for (let step = 0; step < 20_000; step++) {
      const op = rand(10);
      const key = `k${rand(300)}`;
      if (op < 5) {
        const item = { name: key, prio: rand(20) };
        h.push(key, item);
        ref.set(key, { item, seq: seq++ });
      } else if (op < 8) {
        expect(h.delete(key)).toBe(ref.get(key)?.item);
        ref.delete(key);
      } else {
        const best = [...ref.values()].sort((a, b) => b.item.prio - a.item.prio || a.seq - b.seq)[0];
        expect(h.pop()).toBe(best?.item);
        if (best) ref.delete(best.item.name);
      }
      expect(h.size).toBe(ref.size);
    }
    expect(new Set([...h.values()])).toEqual(new Set([...ref.values()].map((r) => r.item)));
  });

  test('clear empties it', () => {
    const h = new LazyHeap<Item>(byPrio);
    h.push('a', { name: 'a', prio: 1 });
    h.clear();
    expect(h.size).toBe(0);
    expect(h.pop()).toBeUndefined();
  });
});
