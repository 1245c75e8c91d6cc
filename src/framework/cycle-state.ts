// Per-cycle scratch space: what PreFilter/PreScore computed for one pod, read
// back by the same plugin's Filter/Score. Values must be plain data
// (structured-cloneable) so a worker thread can receive them.
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter does not run. */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score does not run. */
  readonly skipScorePlugins = new Set<string>();
  /**
   * The runtime's: indexes of the Filter plugins to run (those PreFilter did
   * not skip), made at the cycle's first Filter call so the per-node loop
   * looks nothing up. Never copied (clone() and worker threads make their own).
   */
  filterPlan: number[] | undefined;

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  /** The keys written so far (the batch tells PreScore's from PreFilter's this way). */
  keys(): string[] {
    return [...this.data.keys()];
  }

  /** A copy for preemption's what-if runs; values are shared unless a plugin's addPod/removePod replaces them. */
  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) copy.data.set(k, v);
    for (const p of this.skipFilterPlugins) copy.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) copy.skipScorePlugins.add(p);
    return copy;
  }
}
