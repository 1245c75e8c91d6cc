// Strings to small integers, so that the node table holds numbers only and
// label, taint and image comparisons are integer compares. Ids are never
// reused or forgotten during the life of the process (the set of distinct
// label keys/values, taint keys, image names and node names in a cluster is
// bounded by the cluster, not by time). Worker threads receive the strings
// they have not seen yet as an append-only delta (`since(n)`).
import type { Interner } from '../framework/node-view.ts';

const INTEGER = /^[+-]?\d+$/;

export class StringInterner implements Interner {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly integers: number[] = [];

  /** The id of s, adding it if new. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(s, id);
      this.strings.push(s);
      // Upstream parses Gt/Lt operands with strconv.ParseInt (64-bit).
      this.integers.push(INTEGER.test(s) ? Number.parseInt(s, 10) : Number.NaN);
    }
    return id;
  }

  lookup(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  string(id: number): string {
    return this.strings[id] ?? '';
  }

  integer(id: number): number {
    return this.integers[id] ?? Number.NaN;
  }

  get size(): number {
    return this.strings.length;
  }

  /** Strings with ids >= n, in id order (for syncing a worker's copy). */
  since(n: number): string[] {
    return this.strings.slice(n);
  }

  /** Appends strings received from the main thread (a worker's copy). */
  static fromStrings(strings: readonly string[], into = new StringInterner()): StringInterner {
    for (const s of strings) into.intern(s);
    return into;
  }
}
