// The framework runtime: one per profile. It holds the profile's plugin
// instances per extension point, in order, and runs them. Plugins never time
// themselves or catch each other's errors: the runtime does (a plugin that
// throws yields a Code.Error status naming it, never a crashed scheduler).
import type { CycleState } from './cycle-state.ts';
import type {
  BindPlugin,
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PermitPlugin,
  PermitResult,
  Plugin,
  PluginFactory,
  PodInfo,
  PostBindPlugin,
  PostFilterPlugin,
  PostFilterResult,
  NodeStatusMap,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterPlugin,
  PreScorePlugin,
  QueueSortPlugin,
  ReservePlugin,
  ScorePlugin,
} from './interfaces.ts';
import { MAX_NODE_SCORE } from './interfaces.ts';
import type { NodeTableReader, NodeView } from './node-view.ts';
import { Code, Status, type Result } from './status.ts';

/** Extension points, as data: an unknown name in a config is rejected by this list. */
export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

/** The method that makes a plugin eligible for each point. */
const pointMethod: Record<ExtensionPoint, string> = {
  preEnqueue: 'preEnqueue',
  queueSort: 'less',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
  postBind: 'postBind',
};

export function implementsPoint(plugin: Plugin, point: ExtensionPoint): boolean {
  return typeof (plugin as unknown as Record<string, unknown>)[pointMethod[point]] === 'function';
}

export interface RegistryEntry {
  name: string;
  factory: PluginFactory;
  defaultArgs?: unknown;
  /** Returns "field: reason" messages relative to the args, empty when valid. */
  validateArgs?: (args: unknown) => string[];
}

export type Registry = ReadonlyMap<string, RegistryEntry>;

/** A profile after config resolution: which plugin runs where, in order. */
export interface ResolvedProfile {
  schedulerName: string;
  /** Plugin names per extension point, in run order. */
  points: Record<ExtensionPoint, string[]>;
  /** Score weight per score plugin. */
  weights: Record<string, number>;
  /** Args per plugin (defaults already applied). */
  args: Record<string, unknown>;
  /** 0 means upstream's adaptive default. */
  percentageOfNodesToScore: number;
}

interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

function pluginError(plugin: Plugin, point: string, err: unknown): Status {
  const message = err instanceof Error ? err.message : String(err);
  return new Status(Code.Error, [`running ${point} plugin ${plugin.name}: ${message}`], plugin.name);
}

function named(status: Status, plugin: Plugin): Status {
  return status.plugin === plugin.name ? status : status.withPlugin(plugin.name);
}

export class Framework {
  readonly schedulerName: string;
  readonly percentageOfNodesToScore: number;
  readonly preEnqueuePlugins: PreEnqueuePlugin[];
  readonly queueSortPlugin: QueueSortPlugin;
  readonly preFilterPlugins: PreFilterPlugin[];
  readonly filterPlugins: FilterPlugin[];
  readonly postFilterPlugins: PostFilterPlugin[];
  readonly preScorePlugins: PreScorePlugin[];
  readonly scorePlugins: WeightedScorePlugin[];
  readonly reservePlugins: ReservePlugin[];
  readonly permitPlugins: PermitPlugin[];
  readonly preBindPlugins: PreBindPlugin[];
  readonly bindPlugins: BindPlugin[];
  readonly postBindPlugins: PostBindPlugin[];
  /** Plugin name → events that may make a pod it rejected schedulable. */
  readonly enqueueEvents = new Map<string, ClusterEvent[]>();
  /** Every plugin instance by name. */
  readonly plugins = new Map<string, Plugin>();

  constructor(profile: ResolvedProfile, registry: Registry, handle: Handle) {
    this.schedulerName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    const instance = (name: string): Plugin => {
      let plugin = this.plugins.get(name);
      if (!plugin) {
        const entry = registry.get(name);
        if (!entry) throw new Error(`plugin ${name} is not registered`);
        plugin = entry.factory(profile.args[name] ?? entry.defaultArgs, handle);
        this.plugins.set(name, plugin);
        const ext = plugin as Partial<EnqueueExtensions>;
        if (typeof ext.eventsToRegister === 'function') this.enqueueEvents.set(name, ext.eventsToRegister());
      }
      return plugin;
    };
    const at = <T extends Plugin>(point: ExtensionPoint): T[] =>
      profile.points[point].map((name) => {
        const plugin = instance(name);
        if (!implementsPoint(plugin, point)) throw new Error(`plugin ${name} does not implement ${point}`);
        return plugin as T;
      });
    this.preEnqueuePlugins = at('preEnqueue');
    const sorts = at<QueueSortPlugin>('queueSort');
    if (sorts.length !== 1) throw new Error(`exactly one queueSort plugin must be enabled, got ${sorts.length}`);
    this.queueSortPlugin = sorts[0]!;
    this.preFilterPlugins = at('preFilter');
    this.filterPlugins = at('filter');
    this.postFilterPlugins = at('postFilter');
    this.preScorePlugins = at('preScore');
    this.scorePlugins = at<ScorePlugin>('score').map((plugin) => ({ plugin, weight: profile.weights[plugin.name] ?? 1 }));
    this.reservePlugins = at('reserve');
    this.permitPlugins = at('permit');
    this.preBindPlugins = at('preBind');
    this.bindPlugins = at('bind');
    if (this.bindPlugins.length === 0) throw new Error('at least one bind plugin must be enabled');
    this.postBindPlugins = at('postBind');
  }

  runPreEnqueuePlugins(pod: PodInfo): Result {
    for (const plugin of this.preEnqueuePlugins) {
      try {
        const status = plugin.preEnqueue(pod);
        if (status !== null && status.code !== Code.Success) return named(status, plugin);
      } catch (err) {
        return pluginError(plugin, 'PreEnqueue', err);
      }
    }
    return null;
  }

  /**
   * Runs PreFilter. Returns the first rejection; nodeNames is the
   * intersection of every plugin's restriction (undefined: all nodes).
   */
  runPreFilterPlugins(
    state: CycleState,
    pod: PodInfo,
    nodes: NodeTableReader,
  ): { status: Result; nodeNames?: Set<string>; restrictedBy?: string[] } {
    let nodeNames: Set<string> | undefined;
    const restrictedBy: string[] = [];
    for (const plugin of this.preFilterPlugins) {
      let result;
      try {
        result = plugin.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: pluginError(plugin, 'PreFilter', err) };
      }
      const status = result.status;
      if (status !== null && status.code === Code.Skip) {
        state.skipFilterPlugins.add(plugin.name);
        continue;
      }
      if (status !== null && status.code !== Code.Success) return { status: named(status, plugin) };
      if (result.nodeNames) {
        restrictedBy.push(plugin.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => result.nodeNames!.has(n))) : new Set(result.nodeNames);
        if (nodeNames.size === 0) {
          // Go's %v of a sorted []string: "[A B]".
          const names = `[${[...restrictedBy].sort().join(' ')}]`;
          const reason =
            restrictedBy.length > 1
              ? `node(s) didn't satisfy plugin(s) ${names} simultaneously`
              : `node(s) didn't satisfy plugin(s) ${names}`;
          return { status: new Status(Code.UnschedulableAndUnresolvable, [reason], plugin.name) };
        }
      }
    }
    return nodeNames ? { status: null, nodeNames, restrictedBy } : { status: null };
  }

  /** Runs Filter on one node; the first rejection wins (its status names the plugin). */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeView): Result {
    const plugins = this.filterPlugins;
    const skip = state.skipFilterPlugins;
    for (let i = 0; i < plugins.length; i++) {
      const plugin = plugins[i]!;
      if (skip.size > 0 && skip.has(plugin.name)) continue;
      let status: Result;
      try {
        status = plugin.filter(state, pod, node);
      } catch (err) {
        return pluginError(plugin, 'Filter', err);
      }
      if (status !== null && status.code !== Code.Success) return named(status, plugin);
    }
    return null;
  }

  async runPostFilterPlugins(state: CycleState, pod: PodInfo, rejected: NodeStatusMap): Promise<PostFilterResult> {
    let last: PostFilterResult = { status: Status.unschedulable() };
    for (const plugin of this.postFilterPlugins) {
      try {
        const result = await plugin.postFilter(state, pod, rejected);
        if (result.status === null || result.status.code === Code.Success) return result;
        if (result.status.code !== Code.Unschedulable) return { ...result, status: named(result.status, plugin) };
        last = { ...result, status: named(result.status, plugin) };
      } catch (err) {
        return { status: pluginError(plugin, 'PostFilter', err) };
      }
    }
    return last;
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: NodeTableReader, feasible: Int32Array): Result {
    for (const plugin of this.preScorePlugins) {
      try {
        const status = plugin.preScore(state, pod, nodes, feasible);
        if (status !== null && status.code === Code.Skip) {
          state.skipScorePlugins.add(plugin.name);
          continue;
        }
        if (status !== null && status.code !== Code.Success) return named(status, plugin);
      } catch (err) {
        return pluginError(plugin, 'PreScore', err);
      }
    }
    return null;
  }

  /**
   * Scores the first `count` feasible nodes: each plugin's scores, normalized,
   * times its weight, summed into `totals` (length ≥ count).
   */
  runScorePlugins(
    state: CycleState,
    pod: PodInfo,
    nodes: NodeTableReader,
    feasible: Int32Array,
    count: number,
    totals: Float64Array,
  ): Result {
    totals.fill(0, 0, count);
    const scores = new Float64Array(count);
    const cursor = count > 0 ? nodes.view(feasible[0]!) : undefined;
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      try {
        for (let i = 0; i < count; i++) {
          scores[i] = plugin.score(state, pod, cursor!.at(feasible[i]!));
        }
        if (plugin.normalizeScore) {
          const status = plugin.normalizeScore(state, pod, scores, feasible, count);
          if (status !== null && status.code !== Code.Success) return named(status, plugin);
        }
      } catch (err) {
        return pluginError(plugin, 'Score', err);
      }
      for (let i = 0; i < count; i++) {
        const s = scores[i]!;
        if (!(s >= 0 && s <= MAX_NODE_SCORE)) {
          return new Status(
            Code.Error,
            [`plugin ${plugin.name} returned score ${s} for node ${nodes.view(feasible[i]!).name()}, outside [0, ${MAX_NODE_SCORE}]`],
            plugin.name,
          );
        }
        totals[i]! += s * weight;
      }
    }
    return null;
  }

  runReservePlugins(state: CycleState, pod: PodInfo, nodeName: string): Result {
    for (const plugin of this.reservePlugins) {
      try {
        const status = plugin.reserve(state, pod, nodeName);
        if (status !== null && status.code !== Code.Success) return named(status, plugin);
      } catch (err) {
        return pluginError(plugin, 'Reserve', err);
      }
    }
    return null;
  }

  /** Undoes Reserve, in reverse order; never fails. */
  runUnreservePlugins(state: CycleState, pod: PodInfo, nodeName: string, onError: (err: unknown) => void): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i]!.unreserve(state, pod, nodeName);
      } catch (err) {
        onError(err);
      }
    }
  }

  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): PermitResult {
    let waitMs = 0;
    for (const plugin of this.permitPlugins) {
      try {
        const result = plugin.permit(state, pod, nodeName);
        const status = result.status;
        if (status === null || status.code === Code.Success) continue;
        if (status.code === Code.Wait) {
          waitMs = Math.max(waitMs, result.timeoutMs ?? 0);
          continue;
        }
        return { status: named(status, plugin) };
      } catch (err) {
        return { status: pluginError(plugin, 'Permit', err) };
      }
    }
    return waitMs > 0 ? { status: new Status(Code.Wait), timeoutMs: waitMs } : { status: null };
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    for (const plugin of this.preBindPlugins) {
      try {
        const status = await plugin.preBind(state, pod, nodeName);
        if (status !== null && status.code !== Code.Success) return named(status, plugin);
      } catch (err) {
        return pluginError(plugin, 'PreBind', err);
      }
    }
    return null;
  }

  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    for (const plugin of this.bindPlugins) {
      try {
        const status = await plugin.bind(state, pod, nodeName);
        if (status !== null && status.code === Code.Skip) continue;
        return status === null ? null : named(status, plugin);
      } catch (err) {
        return pluginError(plugin, 'Bind', err);
      }
    }
    return new Status(Code.Error, ['all bind plugins skipped the pod']);
  }

  runPostBindPlugins(state: CycleState, pod: PodInfo, nodeName: string, onError: (err: unknown) => void): void {
    for (const plugin of this.postBindPlugins) {
      try {
        plugin.postBind(state, pod, nodeName);
      } catch (err) {
        onError(err);
      }
    }
  }
}
