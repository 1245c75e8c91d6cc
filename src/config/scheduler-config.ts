// The scheduler configuration file (--config): in the spirit of upstream's
// KubeSchedulerConfiguration. A fixed pipeline: read → decode strictly
// (unknown fields are errors) → default → validate → resolve into the
// per-extension-point plugin lists the runtime runs. Every error names its
// field path, e.g. `profiles[0].plugins.score.enabled[1].weight: must be in
// the range [1, 100]`, and file errors carry `file:line:col`.
//
//   apiVersion: berth.dev/v1alpha1          (kubescheduler.config.k8s.io/v1 is accepted too)
//   kind: BerthSchedulerConfiguration       (or KubeSchedulerConfiguration)
//   podInitialBackoffSeconds: 1
//   podMaxBackoffSeconds: 10
//   percentageOfNodesToScore: 0             # 0: upstream's adaptive default
//   parallelism:                            # Filter and Score over worker threads (docs/parallel.md)
//     workers: 16                           # default: the cores available; 0: all on the scheduling thread
//     minNodesPerTask: 1600                 # fewest nodes per part; less than two parts' worth runs inline
//   batching:                               # pods with equal signatures reuse scored nodes (src/scheduler/batch.ts)
//     enabled: true
//     maxAgeMs: 500                         # a batch older than this gives way to a full cycle
//   profiles:
//   - schedulerName: berth
//     percentageOfNodesToScore: 50
//     plugins:
//       multiPoint: { enabled: [{name, weight}], disabled: [{name: "*"}] }
//       score:      { enabled: [{name: NodeResourcesFit, weight: 2}], disabled: [{name: ImageLocality}] }
//     pluginConfig:
//     - name: NodeResourcesFit
//       args: { scoringStrategy: { type: MostAllocated } }
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { LineCounter, parseDocument } from 'yaml';
import { emptyLister } from '../framework/cluster-lister.ts';
import type { Handle } from '../framework/interfaces.ts';
import { silentLogger } from '../logging/logger.ts';
import {
  EXTENSION_POINTS,
  implementsPoint,
  type ExtensionPoint,
  type Registry,
  type ResolvedProfile,
} from '../framework/runtime.ts';

export const API_VERSIONS = ['berth.dev/v1alpha1', 'kubescheduler.config.k8s.io/v1'];
export const KINDS = ['BerthSchedulerConfiguration', 'KubeSchedulerConfiguration'];

export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export interface ProfileConfig {
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  plugins?: Partial<Record<ExtensionPoint | 'multiPoint', PluginSet>>;
  pluginConfig?: { name: string; args?: unknown }[];
}

export interface ParallelismConfig {
  workers?: number;
  minNodesPerTask?: number;
}

export interface SchedulerConfig {
  apiVersion?: string;
  kind?: string;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  percentageOfNodesToScore?: number;
  parallelism?: ParallelismConfig;
  batching?: { enabled?: boolean; maxAgeMs?: number };
  profiles?: ProfileConfig[];
}

/** Opportunistic batching (src/scheduler/batch.ts). */
export interface ResolvedBatching {
  enabled: boolean;
  maxAgeMs: number;
}

/** How Filter and Score use worker threads (src/parallel). */
export interface ResolvedParallelism {
  /** Worker threads; 0 runs everything on the scheduling thread. */
  workers: number;
  /** The fewest nodes one part of a cycle's Filter or Score carries; work for fewer than two parts runs inline. */
  minNodesPerTask: number;
}

export interface ResolvedConfig {
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  parallelism: ResolvedParallelism;
  batching: ResolvedBatching;
  profiles: ResolvedProfile[];
}

/**
 * Nodes per part below which a hand-off to a worker costs more than it saves:
 * measured with perf/parallel-crossover.ts (docs/parallel.md has the numbers).
 */
export const DEFAULT_MIN_NODES_PER_TASK = 1600;
/** More threads than this is a typo, not a machine. */
export const MAX_WORKERS = 256;

/** The default profile: plugin names per extension point, and score weights. */
export interface DefaultPlugins {
  points: Record<ExtensionPoint, string[]>;
  weights: Record<string, number>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly errors: string[];
  constructor(errors: string[], source?: string) {
    super(`${source ? `${source}: ` : ''}invalid scheduler configuration:\n  ${errors.join('\n  ')}`);
    this.errors = errors;
  }
}

// --- strict decoding ---------------------------------------------------------

type Shape = 'string' | 'number' | 'integer' | 'boolean' | 'any' | { object: Record<string, Shape> } | { array: Shape };

const pluginRefShape: Shape = { object: { name: 'string', weight: 'integer' } };
const pluginSetShape: Shape = { object: { enabled: { array: pluginRefShape }, disabled: { array: pluginRefShape } } };
const profileShape: Shape = {
  object: {
    schedulerName: 'string',
    percentageOfNodesToScore: 'integer',
    plugins: {
      object: Object.fromEntries(['multiPoint', ...EXTENSION_POINTS].map((p) => [p, pluginSetShape])),
    },
    pluginConfig: { array: { object: { name: 'string', args: 'any' } } },
  },
};
const configShape: Shape = {
  object: {
    apiVersion: 'string',
    kind: 'string',
    podInitialBackoffSeconds: 'integer',
    podMaxBackoffSeconds: 'integer',
    percentageOfNodesToScore: 'integer',
    parallelism: { object: { workers: 'integer', minNodesPerTask: 'integer' } },
    batching: { object: { enabled: 'boolean', maxAgeMs: 'integer' } },
    profiles: { array: profileShape },
  },
};

/**
 * Checks `value` against `shape`, pushing errors with their field paths, and
 * returns it with null fields left out: in YAML `weight:` with no value is
 * null, which means "not set", as a field that is absent. A null list item
 * (`- ` alone) is a value of the wrong type.
 */
function decodeShape(value: unknown, shape: Shape, path: string, errors: string[]): unknown {
  const at = path || '<root>';
  if (shape === 'any') return value;
  if (shape === 'string') {
    if (typeof value !== 'string') errors.push(`${at}: must be a string`);
    return value;
  }
  if (shape === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${at}: must be true or false`);
    return value;
  }
  if (shape === 'number' || shape === 'integer') {
    if (typeof value !== 'number' || !Number.isFinite(value)) errors.push(`${at}: must be a number`);
    else if (shape === 'integer' && !Number.isInteger(value)) errors.push(`${at}: must be an integer`);
    return value;
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) {
      errors.push(`${at}: must be a list`);
      return value;
    }
    return value.map((item, i) => decodeShape(item, shape.array, `${path}[${i}]`, errors));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${at}: must be an object`);
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childShape = shape.object[key];
    const childPath = path ? `${path}.${key}` : key;
    if (!childShape) errors.push(`${childPath}: unknown field`);
    else if (child !== null && child !== undefined) out[key] = decodeShape(child, childShape, childPath, errors);
  }
  return out;
}

/** Decodes strictly; throws ConfigError with field paths. */
export function decodeConfig(raw: unknown, source?: string): SchedulerConfig {
  const errors: string[] = [];
  if (raw === null || raw === undefined) return {};
  const config = decodeShape(raw, configShape, '', errors) as SchedulerConfig;
  if (errors.length === 0) {
    if (config.apiVersion !== undefined && !API_VERSIONS.includes(config.apiVersion)) {
      errors.push(`apiVersion: must be one of ${API_VERSIONS.join(', ')}, got "${config.apiVersion}"`);
    }
    if (config.kind !== undefined && !KINDS.includes(config.kind)) {
      errors.push(`kind: must be one of ${KINDS.join(', ')}, got "${config.kind}"`);
    }
  }
  if (errors.length > 0) throw new ConfigError(errors, source);
  return config;
}

/** Reads a YAML file; syntax errors come back as `file:line:col: reason`. */
export function loadConfigFile(path: string): SchedulerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read: ${(err as Error).message}`], path);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        // The parser's own advice (use parseAllDocuments) is for programmers, not for this file's author.
        const reason = e.code === 'MULTIPLE_DOCS' ? 'the file must hold one YAML document, found more' : e.message.split('\n')[0];
        return `${path}:${pos.line}:${pos.col}: ${reason}`;
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // Aliases are resolved here, not while parsing: an unknown anchor, or too many aliases (a "billion laughs" file).
    throw new ConfigError([`cannot decode: ${(err as Error).message}`], path);
  }
  return decodeConfig(raw, path);
}

// --- defaults, validation, resolution ---------------------------------------------

/** A handle for probing which points a plugin implements; never used to schedule. */
const probeHandle: Handle = {
  schedulerName: 'probe',
  binder: { bind: () => Promise.reject(new Error('probe handle cannot bind')) },
  now: () => 0,
  lister: emptyLister,
  loggerFor: () => silentLogger(),
};

export function resolveConfig(
  config: SchedulerConfig,
  registry: Registry,
  defaults: DefaultPlugins,
  defaultSchedulerName = 'berth',
): ResolvedConfig {
  const errors: string[] = [];
  const podInitialBackoffSeconds = config.podInitialBackoffSeconds ?? 1;
  const podMaxBackoffSeconds = config.podMaxBackoffSeconds ?? 10;
  if (podInitialBackoffSeconds <= 0) errors.push('podInitialBackoffSeconds: must be greater than 0');
  if (podMaxBackoffSeconds < podInitialBackoffSeconds) {
    errors.push('podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds');
  }
  const globalPercentage = config.percentageOfNodesToScore ?? 0;
  if (globalPercentage < 0 || globalPercentage > 100) errors.push('percentageOfNodesToScore: must be in the range [0, 100]');
  const parallelism: ResolvedParallelism = {
    workers: config.parallelism?.workers ?? Math.min(availableParallelism(), MAX_WORKERS),
    minNodesPerTask: config.parallelism?.minNodesPerTask ?? DEFAULT_MIN_NODES_PER_TASK,
  };
  if (parallelism.workers < 0 || parallelism.workers > MAX_WORKERS) errors.push(`parallelism.workers: must be in the range [0, ${MAX_WORKERS}]`);
  if (parallelism.minNodesPerTask < 1) errors.push('parallelism.minNodesPerTask: must be greater than 0');
  const batching: ResolvedBatching = { enabled: config.batching?.enabled ?? true, maxAgeMs: config.batching?.maxAgeMs ?? 500 };
  if (batching.maxAgeMs < 0) errors.push('batching.maxAgeMs: must be greater than or equal to 0');

  const profiles = config.profiles && config.profiles.length > 0 ? config.profiles : [{}];
  const seenNames = new Set<string>();
  const pointsOf = new Map<string, ExtensionPoint[]>();
  const implemented = (name: string): ExtensionPoint[] => {
    let points = pointsOf.get(name);
    if (!points) {
      const entry = registry.get(name)!;
      const plugin = entry.factory(entry.defaultArgs, probeHandle);
      points = EXTENSION_POINTS.filter((p) => implementsPoint(plugin, p));
      pointsOf.set(name, points);
    }
    return points;
  };

  const resolved = profiles.map((profile, pi): ResolvedProfile => {
    const at = `profiles[${pi}]`;
    const schedulerName = profile.schedulerName ?? defaultSchedulerName;
    if (!schedulerName) errors.push(`${at}.schedulerName: must not be empty`);
    if (seenNames.has(schedulerName)) errors.push(`${at}.schedulerName: duplicate profile "${schedulerName}"`);
    seenNames.add(schedulerName);
    // A profile that leaves it out inherits the global value, whose error is reported once, above.
    const percentage = profile.percentageOfNodesToScore ?? globalPercentage;
    if (profile.percentageOfNodesToScore != null && (percentage < 0 || percentage > 100)) {
      errors.push(`${at}.percentageOfNodesToScore: must be in the range [0, 100]`);
    }

    const points = Object.fromEntries(EXTENSION_POINTS.map((p) => [p, [...defaults.points[p]]])) as Record<
      ExtensionPoint,
      string[]
    >;
    const weights: Record<string, number> = { ...defaults.weights };
    const known = (ref: PluginRef, path: string): boolean => {
      if (ref.name === '*') return true;
      if (!ref.name) {
        errors.push(`${path}.name: must not be empty`);
        return false;
      }
      if (!registry.has(ref.name)) {
        errors.push(`${path}.name: plugin "${ref.name}" is not registered`);
        return false;
      }
      return true;
    };
    const checkWeight = (ref: PluginRef, path: string) => {
      if (ref.weight !== undefined && (ref.weight < 1 || ref.weight > 100)) {
        errors.push(`${path}.weight: must be in the range [1, 100]`);
      }
    };

    const multi = profile.plugins?.multiPoint;
    (multi?.disabled ?? []).forEach((ref, i) => {
      if (!known(ref, `${at}.plugins.multiPoint.disabled[${i}]`)) return;
      for (const p of EXTENSION_POINTS) points[p] = ref.name === '*' ? [] : points[p].filter((n) => n !== ref.name);
    });
    (multi?.enabled ?? []).forEach((ref, i) => {
      const path = `${at}.plugins.multiPoint.enabled[${i}]`;
      if (ref.name === '*') errors.push(`${path}.name: "*" can only be disabled`);
      if (ref.name === '*' || !known(ref, path)) return;
      checkWeight(ref, path);
      for (const p of implemented(ref.name)) if (!points[p].includes(ref.name)) points[p].push(ref.name);
      if (ref.weight !== undefined) weights[ref.name] = ref.weight;
    });
    for (const point of EXTENSION_POINTS) {
      const set = profile.plugins?.[point];
      if (!set) continue;
      (set.disabled ?? []).forEach((ref, i) => {
        if (!known(ref, `${at}.plugins.${point}.disabled[${i}]`)) return;
        points[point] = ref.name === '*' ? [] : points[point].filter((n) => n !== ref.name);
      });
      (set.enabled ?? []).forEach((ref, i) => {
        const path = `${at}.plugins.${point}.enabled[${i}]`;
        if (ref.name === '*') errors.push(`${path}.name: "*" can only be disabled`);
        if (ref.name === '*' || !known(ref, path)) return;
        if (!implemented(ref.name).includes(point)) {
          errors.push(`${path}.name: plugin "${ref.name}" does not implement ${point}`);
          return;
        }
        if (point === 'score') checkWeight(ref, path);
        else if (ref.weight !== undefined) errors.push(`${path}.weight: only score plugins take a weight`);
        if (!points[point].includes(ref.name)) points[point].push(ref.name);
        if (ref.weight !== undefined) weights[ref.name] = ref.weight;
      });
    }
    if (points.queueSort.length !== 1) {
      errors.push(`${at}.plugins.queueSort: exactly one queueSort plugin must be enabled, got ${points.queueSort.length}`);
    }
    if (points.bind.length === 0) errors.push(`${at}.plugins.bind: at least one bind plugin must be enabled`);

    const args: Record<string, unknown> = {};
    const seenArgs = new Set<string>();
    (profile.pluginConfig ?? []).forEach((pc, i) => {
      const path = `${at}.pluginConfig[${i}]`;
      if (pc.name === '*') {
        errors.push(`${path}.name: args are given per plugin, not for "*"`);
        return;
      }
      if (!known({ name: pc.name }, path)) return;
      if (seenArgs.has(pc.name)) errors.push(`${path}.name: duplicate args for plugin "${pc.name}"`);
      seenArgs.add(pc.name);
      const entry = registry.get(pc.name)!;
      const merged = mergeArgs(entry.defaultArgs, pc.args);
      // Validators name fields relative to the args, and the args themselves "<args>".
      for (const problem of entry.validateArgs?.(merged) ?? []) {
        errors.push(problem.startsWith('<args>') ? `${path}.args${problem.slice('<args>'.length)}` : `${path}.args.${problem}`);
      }
      args[pc.name] = merged;
    });
    return { schedulerName, points, weights, args, percentageOfNodesToScore: percentage };
  });

  if (errors.length > 0) throw new ConfigError(errors);
  return { podInitialBackoffSeconds, podMaxBackoffSeconds, parallelism, batching, profiles: resolved };
}

/** Args given in the file over the plugin's defaults (objects merge, everything else replaces). */
function mergeArgs(defaults: unknown, given: unknown): unknown {
  if (given === undefined || given === null) return structuredClone(defaults);
  if (
    typeof defaults === 'object' &&
    defaults !== null &&
    !Array.isArray(defaults) &&
    typeof given === 'object' &&
    !Array.isArray(given)
  ) {
    const out: Record<string, unknown> = { ...(structuredClone(defaults) as Record<string, unknown>) };
    for (const [k, v] of Object.entries(given as Record<string, unknown>)) {
      out[k] = mergeArgs((defaults as Record<string, unknown>)[k], v);
    }
    return out;
  }
  return structuredClone(given);
}
