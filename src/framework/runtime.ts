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

/** Upstream's maxTimeout: the longest a Permit plugin may ask a pod to wait. */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60 * 1000;

/** Where a plugin failed, with upstream's wording of the failure (framework/runtime/framework.go). */
const failureText = {
  PreEnqueue: (plugin: string, message: string) => `running PreEnqueue plugin "${plugin}": ${message}`,
  PreFilter: (plugin: string, message: string) => `running PreFilter plugin "${plugin}": ${message}`,
  Filter: (plugin: string, message: string) => `running "${plugin}" filter plugin: ${message}`,
  PostFilter: (plugin: string, message: string) => `running PostFilter plugin "${plugin}": ${message}`,
  PreScore: (plugin: string, message: string) => `running PreScore plugin "${plugin}": ${message}`,
  Score: (plugin: string, message: string) => `running Score plugins: plugin "${plugin}" failed with: ${message}`,
  NormalizeScore: (plugin: string, message: string) =>
    `running Normalize on Score plugins: plugin "${plugin}" failed with: ${message}`,
  Reserve: (plugin: string, message: string) => `running Reserve plugin "${plugin}": ${message}`,
  Permit: (plugin: string, message: string) => `running Permit plugin "${plugin}": ${message}`,
  PreBind: (plugin: string, message: string) => `running PreBind plugin "${plugin}": ${message}`,
  Bind: (plugin: string, message: string) => `running Bind plugin "${plugin}": ${message}`,
} as const;
type FailurePoint = keyof typeof failureText;

/**
 * A Code.Error status naming the plugin and the point: for an exception the
 * plugin threw, or a status it returned that the point does not accept.
 */
function pluginError(point: FailurePoint, plugin: Plugin, cause: unknown): Status {
  const message =
    cause instanceof Status ? cause.message() : cause instanceof Error ? cause.message : String(cause);
  return new Status(Code.Error, [failureText[point](plugin.name, message)], plugin.name);
}

/** Upstream's IsRejected: the pod does not fit (or waits), as opposed to a failure. */
function isRejected(status: Status): boolean {
  const code = status.code;
  return code === Code.Unschedulable || code === Code.UnschedulableAndUnresolvable || code === Code.Pending;
}

function named(status: Status, plugin: Plugin): Status {
  return status.plugin === plugin.name ? status : status.withPlugin(plugin.name);
}

/** A rejection keeps its code and names the plugin; anything else not Success becomes an Error. */
function rejectionOrError(point: FailurePoint, status: Status, plugin: Plugin): Status {
  return isRejected(status) ? named(status, plugin) : pluginError(point, plugin, status);
}

/** Upstream's message when PreFilter results leave no node: "[A B]" is Go's %v of the sorted names. */
function noNodeLeftMessage(restrictedBy: ReadonlySet<string>): string {
  const names = [...restrictedBy].sort();
  return names.length === 1
    ? `node(s) didn't satisfy plugin ${names[0]}`
    : `node(s) didn't satisfy plugin(s) [${names.join(' ')}] simultaneously`;
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
        try {
          plugin = entry.factory(profile.args[name] ?? entry.defaultArgs, handle);
        } catch (err) {
          throw new Error(`initializing plugin ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        this.plugins.set(name, plugin);
        const ext = plugin as Partial<EnqueueExtensions>;
        if (typeof ext.eventsToRegister === 'function') this.enqueueEvents.set(name, ext.eventsToRegister());
      }
      return plugin;
    };
    const at = <T extends Plugin>(point: ExtensionPoint): T[] => {
      const names = profile.points[point];
      return names.map((name, i) => {
        if (names.indexOf(name) !== i) throw new Error(`plugin ${name} is enabled more than once at ${point}`);
        const plugin = instance(name);
        if (!implementsPoint(plugin, point)) throw new Error(`plugin ${name} does not implement ${point}`);
        return plugin as T;
      });
    };
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
        return pluginError('PreEnqueue', plugin, err);
      }
    }
    return null;
  }

  /**
   * Runs PreFilter, as upstream: UnschedulableAndUnresolvable stops at once,
   * Unschedulable lets the others run (their state is needed for
   * preemption) and the last one is returned; Skip skips that plugin's
   * Filter. nodeNames is the intersection of every plugin's restriction
   * (undefined: all nodes); restrictedBy names the plugins that restricted,
   * also when the intersection came out empty.
   */
  runPreFilterPlugins(
    state: CycleState,
    pod: PodInfo,
    nodes: NodeTableReader,
  ): { status: Result; nodeNames?: Set<string>; restrictedBy: string[] } {
    let nodeNames: Set<string> | undefined;
    const restrictedBy = new Set<string>();
    let rejection: Result = null;
    for (const plugin of this.preFilterPlugins) {
      let result;
      try {
        result = plugin.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: pluginError('PreFilter', plugin, err), restrictedBy: [...restrictedBy] };
      }
      const status = result.status;
      if (status !== null && status.code === Code.Skip) {
        state.skipFilterPlugins.add(plugin.name);
        continue;
      }
      if (status !== null && status.code !== Code.Success) {
        if (status.code === Code.Unschedulable) {
          rejection = named(status, plugin);
          continue;
        }
        const stop = status.code === Code.UnschedulableAndUnresolvable ? named(status, plugin) : pluginError('PreFilter', plugin, status);
        return { status: stop, restrictedBy: [...restrictedBy] };
      }
      const names = result.nodeNames;
      if (names) {
        restrictedBy.add(plugin.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => names.has(n))) : new Set(names);
        if (nodeNames.size === 0) {
          // The nodes PreFilter filtered out count as UnschedulableAndUnresolvable (no plugin: all of restrictedBy are to blame).
          const status = new Status(Code.UnschedulableAndUnresolvable, [noNodeLeftMessage(restrictedBy)]);
          return { status, nodeNames, restrictedBy: [...restrictedBy] };
        }
      }
    }
    return nodeNames ? { status: rejection, nodeNames, restrictedBy: [...restrictedBy] } : { status: rejection, restrictedBy: [...restrictedBy] };
  }

  /**
   * Runs Filter on one node; the first rejection wins (its status names the
   * plugin). Filter may only reject: any other status is an Error.
   */
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
        return pluginError('Filter', plugin, err);
      }
      if (status !== null && status.code !== Code.Success) return rejectionOrError('Filter', status, plugin);
    }
    return null;
  }

  /**
   * Runs PostFilter until one succeeds, fails, or says UnschedulableAndUnresolvable.
   * Otherwise the result is Unschedulable with every plugin's reasons, naming
   * the first plugin that rejected, with the last nominated node offered.
   */
  async runPostFilterPlugins(state: CycleState, pod: PodInfo, rejected: NodeStatusMap): Promise<PostFilterResult> {
    let nominatedNodeName: string | undefined;
    const reasons: string[] = [];
    let rejector = '';
    for (const plugin of this.postFilterPlugins) {
      let result: PostFilterResult;
      try {
        result = await plugin.postFilter(state, pod, rejected);
      } catch (err) {
        return { status: pluginError('PostFilter', plugin, err) };
      }
      const status = result.status;
      if (status === null || status.code === Code.Success) return result;
      if (status.code === Code.UnschedulableAndUnresolvable) return { ...result, status: named(status, plugin) };
      if (!isRejected(status)) return { status: new Status(Code.Error, status.reasons, plugin.name) };
      if (result.nominatedNodeName) nominatedNodeName = result.nominatedNodeName;
      reasons.push(...status.reasons);
      if (!rejector) rejector = plugin.name;
    }
    const status = new Status(Code.Unschedulable, reasons, rejector);
    return nominatedNodeName === undefined ? { status } : { status, nominatedNodeName };
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: NodeTableReader, feasible: Int32Array): Result {
    for (const plugin of this.preScorePlugins) {
      try {
        const status = plugin.preScore(state, pod, nodes, feasible);
        if (status !== null && status.code === Code.Skip) {
          state.skipScorePlugins.add(plugin.name);
          continue;
        }
        if (status !== null && status.code !== Code.Success) return pluginError('PreScore', plugin, status);
      } catch (err) {
        return pluginError('PreScore', plugin, err);
      }
    }
    return null;
  }

  /**
   * Scores the first `count` feasible nodes: each plugin's scores, normalized,
   * times its weight, summed into `totals` (length ≥ count). A score outside
   * [0, MAX_NODE_SCORE] after normalization is an Error, as upstream.
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
    if (count === 0) return null;
    const scores = new Float64Array(count);
    const cursor = nodes.view(feasible[0]!);
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      try {
        for (let i = 0; i < count; i++) scores[i] = plugin.score(state, pod, cursor.at(feasible[i]!));
      } catch (err) {
        return pluginError('Score', plugin, err);
      }
      if (plugin.normalizeScore) {
        try {
          const status = plugin.normalizeScore(state, pod, scores, feasible, count);
          if (status !== null && status.code !== Code.Success) return pluginError('NormalizeScore', plugin, status);
        } catch (err) {
          return pluginError('NormalizeScore', plugin, err);
        }
      }
      for (let i = 0; i < count; i++) {
        const s = scores[i]!;
        if (!(s >= 0 && s <= MAX_NODE_SCORE)) {
          return new Status(
            Code.Error,
            [
              `applying score defaultWeights on Score plugins: plugin "${plugin.name}" returns an invalid score ${s}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`,
            ],
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
        if (status !== null && status.code !== Code.Success) return rejectionOrError('Reserve', status, plugin);
      } catch (err) {
        return pluginError('Reserve', plugin, err);
      }
    }
    return null;
  }

  /** Undoes Reserve, in reverse order; never fails: a throw goes to onError and the rest still run. */
  runUnreservePlugins(state: CycleState, pod: PodInfo, nodeName: string, onError: (err: unknown) => void): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i]!.unreserve(state, pod, nodeName);
      } catch (err) {
        onError(err);
      }
    }
  }

  /**
   * Runs Permit: the first rejection or failure wins; if any plugin asked to
   * wait (and none rejected), the pod waits for the longest timeout asked,
   * capped at upstream's 15 minutes.
   */
  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): PermitResult {
    let wait = false;
    let waitMs = 0;
    for (const plugin of this.permitPlugins) {
      try {
        const result = plugin.permit(state, pod, nodeName);
        const status = result.status;
        if (status === null || status.code === Code.Success) continue;
        if (status.code === Code.Wait) {
          wait = true;
          waitMs = Math.max(waitMs, Math.min(result.timeoutMs ?? 0, MAX_PERMIT_TIMEOUT_MS));
          continue;
        }
        return { status: rejectionOrError('Permit', status, plugin) };
      } catch (err) {
        return { status: pluginError('Permit', plugin, err) };
      }
    }
    if (!wait) return { status: null };
    const reason = `one or more plugins asked to wait and no plugin rejected pod "${pod.name}"`;
    return { status: new Status(Code.Wait, [reason]), timeoutMs: waitMs };
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    for (const plugin of this.preBindPlugins) {
      try {
        const status = await plugin.preBind(state, pod, nodeName);
        if (status !== null && status.code !== Code.Success) return rejectionOrError('PreBind', status, plugin);
      } catch (err) {
        return pluginError('PreBind', plugin, err);
      }
    }
    return null;
  }

  /** Runs Bind until a plugin does not Skip; every plugin skipping is an Error. */
  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    for (const plugin of this.bindPlugins) {
      try {
        const status = await plugin.bind(state, pod, nodeName);
        if (status !== null && status.code === Code.Skip) continue;
        if (status === null || status.code === Code.Success) return null;
        return rejectionOrError('Bind', status, plugin);
      } catch (err) {
        return pluginError('Bind', plugin, err);
      }
    }
    return new Status(Code.Error, ['all bind plugins skipped the pod']);
  }

  /** Informational: a throw goes to onError and the rest still run. */
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
