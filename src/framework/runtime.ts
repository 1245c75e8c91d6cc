// The framework runtime: one per profile. It holds the profile's plugin
// instances per extension point, in order, and runs them. Plugins never time
// themselves or catch each other's errors: the runtime does (a plugin that
// throws yields a Code.Error status naming it, never a crashed scheduler).
//
// Metrics (when a FrameworkRecorder is given): each public run*Plugins but
// Filter (per node; upstream does not time it either) times its extension
// point around an untimed body; in sampled cycles each plugin call is timed
// too, per node for Filter and Score, with the status the plugin itself
// returned. A worker thread's runtime has no recorder: the pool times Score
// as a whole (recordExtensionPoint), and its plugin calls go untimed.
import type { FrameworkRecorder, ExtensionPointLabel, PluginSlot } from '../metrics/framework-recorder.ts';
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
  SignPlugin,
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

/** The first Score plugin that threw over a range of nodes: its index in Framework.scorePlugins and its error. */
export interface ScoreFailure {
  pluginIndex: number;
  status: Status;
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

/** No plugin restricted PreFilter's nodes (shared: most pods). */
const NO_NAMES: readonly string[] = Object.freeze([]);

function namesOf(names: ReadonlySet<string> | undefined): readonly string[] {
  return names === undefined ? NO_NAMES : [...names];
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
  private readonly recorder: FrameworkRecorder | undefined;
  /** Metric series per "point/plugin", made on first use; Filter's and Score's are made up front (hot loops). */
  private readonly slots = new Map<string, PluginSlot>();
  private readonly filterSlots: PluginSlot[] = [];
  /** The plugins whose signPod makes the batching signature (interfaces.ts, SignPlugin). */
  private readonly signers: Plugin[];
  /** PodInfo is immutable: its signature is made once. */
  private readonly signatures = new WeakMap<PodInfo, string | null>();

  constructor(profile: ResolvedProfile, registry: Registry, handle: Handle, recorder?: FrameworkRecorder) {
    this.recorder = recorder;
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
    this.signers = [...new Set<Plugin>([...this.preFilterPlugins, ...this.filterPlugins, ...this.preScorePlugins, ...this.scorePlugins.map((s) => s.plugin)])];
    if (recorder) for (const plugin of this.filterPlugins) this.filterSlots.push(this.slot('Filter', plugin));
  }

  // --- metrics -------------------------------------------------------------

  private slot(point: ExtensionPointLabel, plugin: Plugin): PluginSlot {
    const key = `${point}/${plugin.name}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.recorder!.pluginSlot(plugin.name, point);
      this.slots.set(key, slot);
    }
    return slot;
  }

  private sampled(state: CycleState): boolean {
    return this.recorder !== undefined && this.recorder.isSampled(state);
  }

  /** One plugin call at a point that runs once per cycle, timed when the cycle is sampled. */
  private call<T>(point: ExtensionPointLabel, sampled: boolean, plugin: Plugin, run: () => T, statusOf: (r: T) => Result = (r) => r as Result): T {
    if (!sampled) return run();
    const start = performance.now();
    const result = run();
    this.recorder!.observePlugin(this.slot(point, plugin), statusOf(result), start);
    return result;
  }

  private async callAsync<T>(point: ExtensionPointLabel, sampled: boolean, plugin: Plugin, run: () => Promise<T>, statusOf: (r: T) => Result = (r) => r as Result): Promise<T> {
    if (!sampled) return run();
    const start = performance.now();
    const result = await run();
    this.recorder!.observePlugin(this.slot(point, plugin), statusOf(result), start);
    return result;
  }

  // --- extension points ----------------------------------------------------

  runPreEnqueuePlugins(pod: PodInfo): Result {
    const rec = this.recorder;
    if (rec === undefined) return this.runPreEnqueueUntimed(pod, false);
    const start = rec.now();
    const status = this.runPreEnqueueUntimed(pod, rec.sampleOnce());
    rec.observePoint('PreEnqueue', status, start);
    return status;
  }

  private runPreEnqueueUntimed(pod: PodInfo, sampled: boolean): Result {
    for (const plugin of this.preEnqueuePlugins) {
      try {
        const status = sampled ? this.call('PreEnqueue', true, plugin, () => plugin.preEnqueue(pod)) : plugin.preEnqueue(pod);
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
  ): { status: Result; nodeNames?: Set<string>; restrictedBy: readonly string[] } {
    const rec = this.recorder;
    if (rec === undefined) return this.runPreFilterUntimed(state, pod, nodes);
    // PreFilter opens the scheduling cycle: whether its plugins are timed is decided here, for all its points.
    rec.startCycle(state);
    const start = rec.now();
    const result = this.runPreFilterUntimed(state, pod, nodes);
    rec.observePoint('PreFilter', result.status, start);
    return result;
  }

  private runPreFilterUntimed(
    state: CycleState,
    pod: PodInfo,
    nodes: NodeTableReader,
  ): { status: Result; nodeNames?: Set<string>; restrictedBy: readonly string[] } {
    const sampled = this.sampled(state);
    let nodeNames: Set<string> | undefined;
    // Made when a plugin restricts the nodes (most pods: none does).
    let restrictedBy: Set<string> | undefined;
    let rejection: Result = null;
    for (const plugin of this.preFilterPlugins) {
      let result;
      try {
        result = sampled ? this.call('PreFilter', true, plugin, () => plugin.preFilter(state, pod, nodes), (r) => r.status) : plugin.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: pluginError('PreFilter', plugin, err), restrictedBy: namesOf(restrictedBy) };
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
        return { status: stop, restrictedBy: namesOf(restrictedBy) };
      }
      const names = result.nodeNames;
      if (names) {
        (restrictedBy ??= new Set()).add(plugin.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => names.has(n))) : new Set(names);
        if (nodeNames.size === 0) {
          // The nodes PreFilter filtered out count as UnschedulableAndUnresolvable (no plugin: all of restrictedBy are to blame).
          const status = new Status(Code.UnschedulableAndUnresolvable, [noNodeLeftMessage(restrictedBy)]);
          return { status, nodeNames, restrictedBy: [...restrictedBy] };
        }
      }
    }
    return nodeNames ? { status: rejection, nodeNames, restrictedBy: namesOf(restrictedBy) } : { status: rejection, restrictedBy: NO_NAMES };
  }

  /**
   * Runs Filter on one node; the first rejection wins (its status names the
   * plugin). Filter may only reject: any other status is an Error.
   */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeView): Result {
    const plugins = this.filterPlugins;
    const plan = (state.filterPlan ??= this.filterPlanOf(state));
    const sampled = this.sampled(state);
    // Sampled: one clock read per call, each call's end being the next one's start.
    let mark = sampled ? performance.now() : 0;
    for (let k = 0; k < plan.length; k++) {
      const i = plan[k]!;
      const plugin = plugins[i]!;
      let status: Result;
      try {
        if (sampled) {
          status = plugin.filter(state, pod, node);
          const end = performance.now();
          this.recorder!.observePluginMs(this.filterSlots[i]!, status, end - mark);
          mark = end;
        } else {
          status = plugin.filter(state, pod, node);
        }
      } catch (err) {
        return pluginError('Filter', plugin, err);
      }
      if (status !== null && status.code !== Code.Success) return rejectionOrError('Filter', status, plugin);
    }
    return null;
  }

  private filterPlanOf(state: CycleState): number[] {
    const plan: number[] = [];
    const skip = state.skipFilterPlugins;
    for (let i = 0; i < this.filterPlugins.length; i++) if (!skip.has(this.filterPlugins[i]!.name)) plan.push(i);
    return plan;
  }

  /**
   * Runs PostFilter until one succeeds, fails, or says UnschedulableAndUnresolvable.
   * Otherwise the result is Unschedulable with every plugin's reasons, naming
   * the first plugin that rejected, with the last nominated node offered.
   */
  async runPostFilterPlugins(state: CycleState, pod: PodInfo, rejected: NodeStatusMap): Promise<PostFilterResult> {
    const rec = this.recorder;
    if (rec === undefined) return this.runPostFilterUntimed(state, pod, rejected);
    const start = rec.now();
    const result = await this.runPostFilterUntimed(state, pod, rejected);
    rec.observePoint('PostFilter', result.status, start);
    return result;
  }

  private async runPostFilterUntimed(state: CycleState, pod: PodInfo, rejected: NodeStatusMap): Promise<PostFilterResult> {
    const sampled = this.sampled(state);
    let nominatedNodeName: string | undefined;
    const reasons: string[] = [];
    let rejector = '';
    for (const plugin of this.postFilterPlugins) {
      let result: PostFilterResult;
      try {
        result = await this.callAsync('PostFilter', sampled, plugin, () => plugin.postFilter(state, pod, rejected), (r) => r.status);
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
    const rec = this.recorder;
    if (rec === undefined) return this.runPreScoreUntimed(state, pod, nodes, feasible);
    const start = rec.now();
    const status = this.runPreScoreUntimed(state, pod, nodes, feasible);
    rec.observePoint('PreScore', status, start);
    return status;
  }

  private runPreScoreUntimed(state: CycleState, pod: PodInfo, nodes: NodeTableReader, feasible: Int32Array): Result {
    const sampled = this.sampled(state);
    for (const plugin of this.preScorePlugins) {
      try {
        const status = sampled ? this.call('PreScore', true, plugin, () => plugin.preScore(state, pod, nodes, feasible)) : plugin.preScore(state, pod, nodes, feasible);
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
   * (scoreNodes then combineScores; a worker thread runs scoreNodes over a
   * range of the feasible nodes and the main thread combines.) `normalized`,
   * if given, gets the part of each total from plugins with NormalizeScore.
   */
  runScorePlugins(
    state: CycleState,
    pod: PodInfo,
    nodes: NodeTableReader,
    feasible: Int32Array,
    count: number,
    totals: Float64Array,
    normalized?: Float64Array,
  ): Result {
    totals.fill(0, 0, count);
    if (count === 0) return null;
    const start = this.recorder?.now();
    const raw = new Float64Array(this.scorePlugins.length * count);
    const failure = this.scoreNodes(state, pod, nodes, feasible, 0, count, raw, count);
    const status = this.combineScores(state, pod, feasible, count, raw, failure, totals, normalized);
    if (start !== undefined) this.recordExtensionPoint('Score', status, start);
    return status;
  }

  /**
   * scheduler_framework_extension_point_duration_seconds for a point timed
   * outside the runtime: Score when a worker pool ran scoreNodes in parts
   * (from before the parts are sent to after combineScores). No-op without metrics.
   */
  recordExtensionPoint(point: ExtensionPointLabel, status: Result, startMs: number): void {
    this.recorder?.observePoint(point, status, startMs);
  }

  /**
   * The per-node part of Score: plugin p's raw score of node feasible[i], for
   * i in [from, to), into raw[p * stride + (i - from)]; plugins skipped by
   * PreScore are left out. Stops at the first plugin that throws and
   * returns its index and error (the plugins after it are not run).
   */
  scoreNodes(
    state: CycleState,
    pod: PodInfo,
    nodes: NodeTableReader,
    feasible: Int32Array,
    from: number,
    to: number,
    raw: Float64Array,
    stride: number,
  ): ScoreFailure | null {
    if (to <= from) return null;
    const cursor = nodes.view(feasible[from]!);
    const plugins = this.scorePlugins;
    // Sampled cycles time each call, per node, on this thread (a worker's runtime has no recorder).
    const sampled = this.sampled(state);
    for (let p = 0; p < plugins.length; p++) {
      const plugin = plugins[p]!.plugin;
      if (state.skipScorePlugins.has(plugin.name)) continue;
      const base = p * stride - from;
      try {
        if (sampled) {
          const slot = this.slot('Score', plugin);
          let mark = performance.now();
          for (let i = from; i < to; i++) {
            raw[base + i] = plugin.score(state, pod, cursor.at(feasible[i]!));
            const end = performance.now();
            this.recorder!.observePluginMs(slot, null, end - mark);
            mark = end;
          }
        } else {
          for (let i = from; i < to; i++) raw[base + i] = plugin.score(state, pod, cursor.at(feasible[i]!));
        }
      } catch (err) {
        return { pluginIndex: p, status: pluginError('Score', plugin, err) };
      }
    }
    return null;
  }

  /**
   * The rest of Score, over all `count` feasible nodes: per plugin in order,
   * its failure from scoreNodes (if it is the one that failed), NormalizeScore
   * on its row of raw (raw[p * count + i]), the range check, then weight and
   * sum into totals (and, for plugins with NormalizeScore, into `normalized`).
   */
  combineScores(
    state: CycleState,
    pod: PodInfo,
    feasible: Int32Array,
    count: number,
    raw: Float64Array,
    failure: ScoreFailure | null,
    totals: Float64Array,
    normalized?: Float64Array,
  ): Result {
    totals.fill(0, 0, count);
    normalized?.fill(0, 0, count);
    if (count === 0) return null;
    const plugins = this.scorePlugins;
    const sampled = this.sampled(state);
    for (let p = 0; p < plugins.length; p++) {
      const { plugin, weight } = plugins[p]!;
      if (state.skipScorePlugins.has(plugin.name)) continue;
      if (failure !== null && failure.pluginIndex === p) return failure.status;
      const scores = raw.subarray(p * count, (p + 1) * count);
      if (plugin.normalizeScore) {
        try {
          const status = this.call('ScoreExtensionNormalize', sampled, plugin, () => plugin.normalizeScore!(state, pod, scores, feasible, count));
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
      if (normalized !== undefined && plugin.normalizeScore) for (let i = 0; i < count; i++) normalized[i]! += scores[i]! * weight;
    }
    return null;
  }

  /**
   * The pod's batching signature (interfaces.ts, SignPlugin): every PreFilter,
   * Filter, PreScore and Score plugin's signPod, or null when one of them
   * cannot sign it (or has no signPod).
   */
  signPod(pod: PodInfo): string | null {
    const known = this.signatures.get(pod);
    if (known !== undefined) return known;
    // The profile's name first: two profiles with the same plugins keep separate batches.
    let signature: string | null = `${this.schedulerName}\u0000`;
    for (const plugin of this.signers) {
      const part = typeof (plugin as Partial<SignPlugin>).signPod === 'function' ? (plugin as SignPlugin).signPod(pod) : null;
      if (part === null) {
        signature = null;
        break;
      }
      signature += `${plugin.name}=${part}\u0000`;
    }
    this.signatures.set(pod, signature);
    return signature;
  }

  /** Indexes (into filterPlugins) of the Filter plugins whose answer for this signed pod reads other nodes (SignPlugin.filtersGlobally). */
  globalFilters(pod: PodInfo): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.filterPlugins.length; i++) {
      const plugin = this.filterPlugins[i] as Partial<SignPlugin>;
      if (typeof plugin.filtersGlobally === 'function' && plugin.filtersGlobally(pod)) out.push(i);
    }
    return out;
  }

  /** scoreGlobally's scores of one plugin (grown as needed; one batch rescoring at a time). */
  private globalRaw = new Float64Array(0);

  /**
   * Indexes (into scorePlugins) of the Score plugins whose score of a node
   * reads other nodes, for this signed pod (SignPlugin.scoresGlobally). Only
   * plugins with NormalizeScore count (their part of a total is the
   * normalized one; scoreUnnormalized leaves them out).
   */
  globalScorers(pod: PodInfo): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.scorePlugins.length; i++) {
      const plugin = this.scorePlugins[i]!.plugin as Partial<SignPlugin> & { normalizeScore?: unknown };
      if (typeof plugin.normalizeScore === 'function' && typeof plugin.scoresGlobally === 'function' && plugin.scoresGlobally(pod)) out.push(i);
    }
    return out;
  }

  /**
   * The batch's rescoring with global scorers (indexes from globalScorers):
   * their PreScore over `rows` (unless `preScore` is false: the state has
   * it already), then per row the sum of their weighted, normalized scores
   * into `out` (length ≥ rows.length). A plugin skipped by PreScore, or any
   * failure, is returned as a Status (the batch gives way).
   */
  scoreGlobally(state: CycleState, pod: PodInfo, nodes: NodeTableReader, rows: Int32Array, scorers: readonly number[], out: Float64Array, preScore = true): Result {
    const count = rows.length;
    out.fill(0, 0, count);
    if (count === 0) return null;
    if (this.globalRaw.length < count) this.globalRaw = new Float64Array(Math.max(count, this.globalRaw.length * 2));
    const raw = this.globalRaw.subarray(0, count);
    const cursor = nodes.view(rows[0]!);
    for (const index of scorers) {
      const { plugin, weight } = this.scorePlugins[index]!;
      try {
        const pre = plugin as Partial<PreScorePlugin>;
        if (preScore && typeof pre.preScore === 'function' && this.preScorePlugins.includes(plugin as unknown as PreScorePlugin)) {
          const status = pre.preScore(state, pod, nodes, rows);
          if (status !== null && status.code !== Code.Success) return status.code === Code.Skip ? new Status(Code.Error, ['PreScore skipped'], plugin.name) : pluginError('PreScore', plugin, status);
        }
        for (let i = 0; i < count; i++) raw[i] = plugin.score(state, pod, cursor.at(rows[i]!));
        if (plugin.normalizeScore) {
          const status = plugin.normalizeScore(state, pod, raw, rows, count);
          if (status !== null && status.code !== Code.Success) return pluginError('NormalizeScore', plugin, status);
        }
      } catch (err) {
        return pluginError('Score', plugin, err);
      }
      for (let i = 0; i < count; i++) {
        const s = raw[i]!;
        if (!(s >= 0 && s <= MAX_NODE_SCORE)) return new Status(Code.Error, [`plugin "${plugin.name}" returns an invalid score ${s}`], plugin.name);
        out[i]! += s * weight;
      }
    }
    return null;
  }

  /** One Filter plugin's answer for a node (the batch's re-check of global filters); a throw is an Error. */
  runFilterPlugin(index: number, state: CycleState, pod: PodInfo, node: NodeView): Result {
    const plugin = this.filterPlugins[index]!;
    let status: Result;
    try {
      status = plugin.filter(state, pod, node);
    } catch (err) {
      return pluginError('Filter', plugin, err);
    }
    return status !== null && status.code !== Code.Success ? rejectionOrError('Filter', status, plugin) : null;
  }

  /**
   * A node's score from the plugins without NormalizeScore only (weighted,
   * summed; those PreScore skipped left out): what the batch recomputes for
   * a node whose pods changed. A score outside [0, MAX_NODE_SCORE] or a
   * plugin that throws gives an Error status.
   */
  scoreUnnormalized(state: CycleState, pod: PodInfo, node: NodeView): number | Status {
    let total = 0;
    const plugins = this.scorePlugins;
    for (let p = 0; p < plugins.length; p++) {
      const { plugin, weight } = plugins[p]!;
      if (plugin.normalizeScore || state.skipScorePlugins.has(plugin.name)) continue;
      let s: number;
      try {
        s = plugin.score(state, pod, node);
      } catch (err) {
        return pluginError('Score', plugin, err);
      }
      if (!(s >= 0 && s <= MAX_NODE_SCORE)) return new Status(Code.Error, [`plugin "${plugin.name}" returns an invalid score ${s}`], plugin.name);
      total += s * weight;
    }
    return total;
  }

  runReservePlugins(state: CycleState, pod: PodInfo, nodeName: string): Result {
    const rec = this.recorder;
    if (rec === undefined) return this.runReserveUntimed(state, pod, nodeName);
    const start = rec.now();
    const status = this.runReserveUntimed(state, pod, nodeName);
    rec.observePoint('Reserve', status, start);
    return status;
  }

  private runReserveUntimed(state: CycleState, pod: PodInfo, nodeName: string): Result {
    const sampled = this.sampled(state);
    for (const plugin of this.reservePlugins) {
      try {
        const status = sampled ? this.call('Reserve', true, plugin, () => plugin.reserve(state, pod, nodeName)) : plugin.reserve(state, pod, nodeName);
        if (status !== null && status.code !== Code.Success) return rejectionOrError('Reserve', status, plugin);
      } catch (err) {
        return pluginError('Reserve', plugin, err);
      }
    }
    return null;
  }

  /** Undoes Reserve, in reverse order; never fails: a throw goes to onError and the rest still run. */
  runUnreservePlugins(state: CycleState, pod: PodInfo, nodeName: string, onError: (err: unknown) => void): void {
    const start = this.recorder?.now();
    const sampled = this.sampled(state);
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      const plugin = this.reservePlugins[i]!;
      try {
        if (sampled) this.call('Unreserve', true, plugin, () => plugin.unreserve(state, pod, nodeName), () => null);
        else plugin.unreserve(state, pod, nodeName);
      } catch (err) {
        onError(err);
      }
    }
    if (start !== undefined) this.recorder!.observePoint('Unreserve', null, start);
  }

  /**
   * Runs Permit: the first rejection or failure wins; if any plugin asked to
   * wait (and none rejected), the pod waits for the longest timeout asked,
   * capped at upstream's 15 minutes.
   */
  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): PermitResult {
    const rec = this.recorder;
    if (rec === undefined) return this.runPermitUntimed(state, pod, nodeName);
    const start = rec.now();
    const result = this.runPermitUntimed(state, pod, nodeName);
    rec.observePoint('Permit', result.status, start);
    return result;
  }

  private runPermitUntimed(state: CycleState, pod: PodInfo, nodeName: string): PermitResult {
    const sampled = this.sampled(state);
    let wait = false;
    let waitMs = 0;
    for (const plugin of this.permitPlugins) {
      try {
        const result = sampled ? this.call('Permit', true, plugin, () => plugin.permit(state, pod, nodeName), (r) => r.status) : plugin.permit(state, pod, nodeName);
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

  /** Runs PreBind; a result without a promise when the profile has no PreBind plugin (the binding cycle awaits nothing then). */
  runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Result | Promise<Result> {
    const rec = this.recorder;
    if (this.preBindPlugins.length === 0) {
      rec?.observePoint('PreBind', null, rec.now());
      return null;
    }
    if (rec === undefined) return this.runPreBindUntimed(state, pod, nodeName);
    return this.timedPreBind(rec, state, pod, nodeName);
  }

  private async timedPreBind(rec: FrameworkRecorder, state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    const start = rec.now();
    const status = await this.runPreBindUntimed(state, pod, nodeName);
    rec.observePoint('PreBind', status, start);
    return status;
  }

  private async runPreBindUntimed(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    const sampled = this.sampled(state);
    for (const plugin of this.preBindPlugins) {
      try {
        const status = await (sampled ? this.callAsync('PreBind', true, plugin, () => plugin.preBind(state, pod, nodeName)) : plugin.preBind(state, pod, nodeName));
        if (status !== null && status.code !== Code.Success) return rejectionOrError('PreBind', status, plugin);
      } catch (err) {
        return pluginError('PreBind', plugin, err);
      }
    }
    return null;
  }

  /** Runs Bind until a plugin does not Skip; every plugin skipping is an Error. */
  runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    const rec = this.recorder;
    if (rec === undefined) return this.runBindUntimed(state, pod, nodeName);
    return this.timedBind(rec, state, pod, nodeName);
  }

  private async timedBind(rec: FrameworkRecorder, state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    const start = rec.now();
    const status = await this.runBindUntimed(state, pod, nodeName);
    rec.observePoint('Bind', status, start);
    return status;
  }

  private async runBindUntimed(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    const sampled = this.sampled(state);
    for (const plugin of this.bindPlugins) {
      try {
        const status = await (sampled ? this.callAsync('Bind', true, plugin, () => plugin.bind(state, pod, nodeName)) : plugin.bind(state, pod, nodeName));
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
    const start = this.recorder?.now();
    const sampled = this.sampled(state);
    for (const plugin of this.postBindPlugins) {
      try {
        if (sampled) this.call('PostBind', true, plugin, () => plugin.postBind(state, pod, nodeName), () => null);
        else plugin.postBind(state, pod, nodeName);
      } catch (err) {
        onError(err);
      }
    }
    if (start !== undefined) this.recorder!.observePoint('PostBind', null, start);
  }
}
