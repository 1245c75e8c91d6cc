// A set of waiting pods indexed by the plugins that hold them back, so that a
// cluster event visits only the pods whose plugins registered it instead of
// every unschedulable pod. Used for unschedulablePods (indexed by the plugins
// that rejected each pod) and for gated pods (by the gating plugin).

export class PluginIndex<T> {
  private readonly byKey = new Map<string, { value: T; plugins: readonly string[] }>();
  private readonly byPlugin = new Map<string, Set<string>>();
  /** Keys of values held back by no recorded plugin: any event moves them. */
  private readonly unattributed = new Set<string>();

  get size(): number {
    return this.byKey.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): T | undefined {
    return this.byKey.get(key)?.value;
  }

  /** Adds or replaces the value under key, indexed under plugins. */
  set(key: string, value: T, plugins: Iterable<string>): void {
    this.delete(key);
    const list = [...new Set(plugins)];
    this.byKey.set(key, { value, plugins: list });
    if (list.length === 0) {
      this.unattributed.add(key);
      return;
    }
    for (const p of list) {
      let keys = this.byPlugin.get(p);
      if (keys === undefined) this.byPlugin.set(p, (keys = new Set()));
      keys.add(key);
    }
  }

  delete(key: string): T | undefined {
    const held = this.byKey.get(key);
    if (held === undefined) return undefined;
    this.byKey.delete(key);
    if (held.plugins.length === 0) this.unattributed.delete(key);
    for (const p of held.plugins) {
      const keys = this.byPlugin.get(p);
      keys?.delete(key);
      if (keys?.size === 0) this.byPlugin.delete(p);
    }
    return held.value;
  }

  values(): T[] {
    return Array.from(this.byKey.values(), (h) => h.value);
  }

  /**
   * The values held back by at least one plugin for which `interested`
   * returns true, plus the unattributed ones. A snapshot: the caller may
   * move them while iterating.
   */
  select(interested: (plugin: string) => boolean): T[] {
    const keys = new Set(this.unattributed);
    for (const [plugin, pluginKeys] of this.byPlugin) {
      if (!interested(plugin)) continue;
      for (const k of pluginKeys) keys.add(k);
    }
    const out: T[] = [];
    for (const k of keys) {
      const held = this.byKey.get(k);
      if (held !== undefined) out.push(held.value);
    }
    return out;
  }
}
