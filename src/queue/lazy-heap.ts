// A keyed binary heap with lazy deletion, over fastpriorityqueue.
//
// Removing or replacing an item does not touch the heap: its node is marked
// stale, dropped from the key index, and skipped when it reaches the top. So
// delete and update are O(1) and pop stays O(log n). When stale nodes
// outnumber live ones the heap is rebuilt from the live nodes (O(n)), which
// bounds memory at about twice the live size.
//
// Ties under `less` pop in insertion order (each node carries a sequence
// number), so equal items come out first in, first out.
import FastPriorityQueue from 'fastpriorityqueue';

interface HeapNode<T> {
  readonly key: string;
  readonly value: T;
  readonly seq: number;
  stale: boolean;
}

/** Rebuild only when there is this much garbage, so small heaps never churn. */
const MIN_STALE_TO_COMPACT = 1024;

export class LazyHeap<T> {
  private heap: FastPriorityQueue<HeapNode<T>>;
  private readonly index = new Map<string, HeapNode<T>>();
  private readonly nodeLess: (a: HeapNode<T>, b: HeapNode<T>) => boolean;
  private staleCount = 0;
  private seq = 0;
  /** Largest size since the backing array was last trimmed (fastpriorityqueue keeps popped slots). */
  private highWater = 0;

  constructor(less: (a: T, b: T) => boolean) {
    this.nodeLess = (a, b) => less(a.value, b.value) || (!less(b.value, a.value) && a.seq < b.seq);
    this.heap = new FastPriorityQueue(this.nodeLess);
  }

  /** Live items. */
  get size(): number {
    return this.index.size;
  }

  /** Nodes in the backing heap, stale ones included (for tests and debugging). */
  get physicalSize(): number {
    return this.heap.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    return this.index.get(key)?.value;
  }

  /** Adds value under key; an existing value under the same key is replaced (it goes stale). */
  push(key: string, value: T): void {
    const replaced = this.markStale(key);
    const node: HeapNode<T> = { key, value, seq: this.seq++, stale: false };
    this.index.set(key, node);
    this.heap.add(node);
    if (this.heap.size > this.highWater) this.highWater = this.heap.size;
    if (replaced) this.maybeCompact();
  }

  /** Removes the value under key; returns it, or undefined if absent. */
  delete(key: string): T | undefined {
    const value = this.index.get(key)?.value;
    if (this.markStale(key)) this.maybeCompact();
    return value;
  }

  peek(): T | undefined {
    this.dropStaleTop();
    return this.heap.peek()?.value;
  }

  pop(): T | undefined {
    this.dropStaleTop();
    const node = this.heap.poll();
    if (node === undefined) return undefined;
    this.index.delete(node.key);
    this.afterPoll();
    return node.value;
  }

  /** Live values, in no particular order. */
  values(): IterableIterator<T> {
    const nodes = this.index.values();
    return (function* () {
      for (const node of nodes) yield node.value;
    })();
  }

  clear(): void {
    this.index.clear();
    this.heap = new FastPriorityQueue(this.nodeLess);
    this.staleCount = 0;
    this.highWater = 0;
  }

  private markStale(key: string): boolean {
    const old = this.index.get(key);
    if (old === undefined) return false;
    old.stale = true;
    this.index.delete(key);
    this.staleCount++;
    return true;
  }

  private dropStaleTop(): void {
    for (let top = this.heap.peek(); top?.stale === true; top = this.heap.peek()) {
      this.heap.poll();
      this.staleCount--;
      this.afterPoll();
    }
  }

  private afterPoll(): void {
    // fastpriorityqueue leaves popped nodes in its array past `size`; drop them
    // once the heap has shrunk well below its peak so popped pods can be collected.
    if (this.heap.size === 0 || (this.highWater > MIN_STALE_TO_COMPACT && this.heap.size < this.highWater / 4)) {
      this.heap.trim();
      this.highWater = this.heap.size;
    }
  }

  private maybeCompact(): void {
    if (this.staleCount < MIN_STALE_TO_COMPACT || this.staleCount <= this.index.size) return;
    this.heap.heapify(Array.from(this.index.values()));
    this.staleCount = 0;
    this.highWater = this.heap.size;
  }
}
