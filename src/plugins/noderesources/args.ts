// Args of NodeResourcesFit and NodeResourcesBalancedAllocation, as upstream's
// (pkg/scheduler/apis/config types, v1 defaults, validation_pluginargs.go):
// defaulted as the v1 API defaults them (no resources: cpu and memory; a
// weight left out or 0: 1), then validated with upstream's field paths and
// wording, e.g.
//   scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]
// Berth adds type checks (a weight must be an integer, a name a non-empty
// string) and rejects unknown fields, since args come from hand-written files.
import { labelKeyErrors } from '../../framework/label-syntax.ts';

export const ScoringStrategyType = {
  LeastAllocated: 'LeastAllocated',
  MostAllocated: 'MostAllocated',
  RequestedToCapacityRatio: 'RequestedToCapacityRatio',
} as const;
export type ScoringStrategyType = (typeof ScoringStrategyType)[keyof typeof ScoringStrategyType];
const SUPPORTED_TYPES: readonly string[] = Object.values(ScoringStrategyType).sort();

export interface ResourceSpec {
  name: string;
  weight: number;
}

export interface UtilizationShapePoint {
  /** 0..100 */
  utilization: number;
  /** 0..MAX_CUSTOM_PRIORITY_SCORE */
  score: number;
}

export interface ScoringStrategy {
  type: ScoringStrategyType;
  resources: ResourceSpec[];
  /** Only with type RequestedToCapacityRatio. */
  requestedToCapacityRatio?: { shape: UtilizationShapePoint[] };
}

export interface NodeResourcesFitArgs {
  scoringStrategy: ScoringStrategy;
  /** Extended resources Filter does not check, by full name. */
  ignoredResources: string[];
  /** Extended resource groups (the part before "/") Filter does not check. */
  ignoredResourceGroups: string[];
}

export interface NodeResourcesBalancedAllocationArgs {
  resources: ResourceSpec[];
}

/** Upstream config.MaxCustomPriorityScore: a shape point's score is at most this. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;
const MAX_WEIGHT = 100;
const MAX_UTILIZATION = 100;

function defaultResources(): ResourceSpec[] {
  return [
    { name: 'cpu', weight: 1 },
    { name: 'memory', weight: 1 },
  ];
}

export const defaultFitArgs: NodeResourcesFitArgs = {
  scoringStrategy: { type: ScoringStrategyType.LeastAllocated, resources: defaultResources() },
  ignoredResources: [],
  ignoredResourceGroups: [],
};

export const defaultBalancedAllocationArgs: NodeResourcesBalancedAllocationArgs = { resources: defaultResources() };

// --- field.Error wording -------------------------------------------------

function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}
const invalid = (path: string, value: unknown, detail: string): string => `${path}: Invalid value: ${show(value)}: ${detail}`;
const required = (path: string, detail = ''): string => `${path}: Required value${detail ? `: ${detail}` : ''}`;
const forbidden = (path: string, detail: string): string => `${path}: Forbidden: ${detail}`;
const duplicate = (path: string, value: unknown): string => `${path}: Duplicate value: ${show(value)}`;
const notSupported = (path: string, value: unknown, supported: readonly string[]): string =>
  `${path}: Unsupported value: ${show(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`;
const unknownField = (path: string): string => `${path}: unknown field`;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], prefix: string, errors: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) errors.push(unknownField(`${prefix}${k}`));
}

// --- parsing ---------------------------------------------------------------

function parseStringList(value: unknown, path: string, errors: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push(invalid(path, value, 'must be a list of strings'));
    return [];
  }
  const out: string[] = [];
  value.forEach((v, i) => {
    if (typeof v !== 'string') errors.push(invalid(`${path}[${i}]`, v, 'must be a string'));
    else out.push(v);
  });
  return out;
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/**
 * A resources list, defaulted (none: cpu and memory; weight left out or 0: 1).
 * Weight ranges are checked by the caller, as they differ per plugin.
 */
function parseResources(value: unknown, path: string, errors: string[]): { specs: ResourceSpec[]; typeOk: boolean[] } {
  if (value === undefined || value === null) return { specs: defaultResources(), typeOk: [true, true] };
  if (!Array.isArray(value)) {
    errors.push(invalid(path, value, 'must be a list'));
    return { specs: defaultResources(), typeOk: [true, true] };
  }
  if (value.length === 0) return { specs: defaultResources(), typeOk: [true, true] };
  const specs: ResourceSpec[] = [];
  const typeOk: boolean[] = [];
  value.forEach((r, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(r)) {
      errors.push(invalid(at, r, 'must be an object with name and weight'));
      return;
    }
    checkKeys(r, ['name', 'weight'], `${at}.`, errors);
    let ok = true;
    if (typeof r.name !== 'string' || r.name === '') {
      errors.push(r.name === undefined || r.name === '' ? required(`${at}.name`) : invalid(`${at}.name`, r.name, 'must be a string'));
      ok = false;
    }
    let weight = 1;
    if (r.weight !== undefined && r.weight !== null) {
      if (!isInteger(r.weight)) {
        errors.push(invalid(`${at}.weight`, r.weight, 'must be an integer'));
        ok = false;
      } else if (r.weight !== 0) {
        weight = r.weight;
      }
    }
    specs.push({ name: typeof r.name === 'string' ? r.name : '', weight });
    typeOk.push(ok);
  });
  return { specs, typeOk };
}

function parseShape(value: unknown, path: string, errors: string[]): UtilizationShapePoint[] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    errors.push(required(path, 'at least one point must be specified'));
    return [];
  }
  if (!Array.isArray(value)) {
    errors.push(invalid(path, value, 'must be a list'));
    return [];
  }
  const shape: UtilizationShapePoint[] = [];
  let typed = true;
  value.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(p)) {
      errors.push(invalid(at, p, 'must be an object with utilization and score'));
      typed = false;
      return;
    }
    checkKeys(p, ['utilization', 'score'], `${at}.`, errors);
    const utilization = p.utilization ?? 0;
    const score = p.score ?? 0;
    if (!isInteger(utilization)) {
      errors.push(invalid(`${at}.utilization`, utilization, 'must be an integer'));
      typed = false;
    }
    if (!isInteger(score)) {
      errors.push(invalid(`${at}.score`, score, 'must be an integer'));
      typed = false;
    }
    shape.push({ utilization: Number(utilization), score: Number(score) });
  });
  if (!typed) return shape;
  // validateFunctionShape: order first (one error), then each point's ranges.
  for (let i = 1; i < shape.length; i++) {
    if (shape[i - 1]!.utilization >= shape[i]!.utilization) {
      errors.push(invalid(`${path}[${i}].utilization`, shape[i]!.utilization, 'values must be sorted in increasing order'));
      break;
    }
  }
  shape.forEach((p, i) => {
    if (p.utilization < 0 || p.utilization > MAX_UTILIZATION) {
      errors.push(invalid(`${path}[${i}].utilization`, p.utilization, `not in valid range [0, ${MAX_UTILIZATION}]`));
    }
    if (p.score < 0 || p.score > MAX_CUSTOM_PRIORITY_SCORE) {
      errors.push(invalid(`${path}[${i}].score`, p.score, `not in valid range [0, ${MAX_CUSTOM_PRIORITY_SCORE}]`));
    }
  });
  return shape;
}

function parseScoringStrategy(value: unknown, path: string, errors: string[]): ScoringStrategy {
  // v1 defaulting: no strategy at all is LeastAllocated over cpu and memory.
  if (value === undefined || value === null) return structuredClone(defaultFitArgs.scoringStrategy);
  if (!isObject(value)) {
    errors.push(invalid(path, value, 'must be an object'));
    return structuredClone(defaultFitArgs.scoringStrategy);
  }
  checkKeys(value, ['type', 'resources', 'requestedToCapacityRatio'], `${path}.`, errors);
  const type = value.type ?? '';
  if (typeof type !== 'string' || !SUPPORTED_TYPES.includes(type)) errors.push(notSupported(`${path}.type`, type, SUPPORTED_TYPES));

  const resPath = `${path}.resources`;
  const { specs, typeOk } = parseResources(value.resources, resPath, errors);
  specs.forEach((r, i) => {
    if (typeOk[i] && (r.weight <= 0 || r.weight > MAX_WEIGHT)) {
      errors.push(invalid(`${resPath}[${i}].weight`, r.weight, `resource weight of ${r.name} not in valid range (0, ${MAX_WEIGHT}]`));
    }
  });

  const strategy: ScoringStrategy = { type: type as ScoringStrategyType, resources: specs };
  const rtcrPath = `${path}.requestedToCapacityRatio`;
  const rtcr = value.requestedToCapacityRatio;
  if (type === ScoringStrategyType.RequestedToCapacityRatio) {
    if (rtcr === undefined || rtcr === null) {
      errors.push(required(rtcrPath, 'must be specified when type is RequestedToCapacityRatio'));
    } else if (!isObject(rtcr)) {
      errors.push(invalid(rtcrPath, rtcr, 'must be an object'));
    } else {
      checkKeys(rtcr, ['shape'], `${rtcrPath}.`, errors);
      strategy.requestedToCapacityRatio = { shape: parseShape(rtcr.shape, `${rtcrPath}.shape`, errors) };
    }
  } else if (rtcr !== undefined && rtcr !== null) {
    errors.push(forbidden(rtcrPath, 'must be nil when type is not RequestedToCapacityRatio'));
  }
  return strategy;
}

/** Defaults and validates NodeResourcesFitArgs; `errors` holds "field: reason" messages relative to the args. */
export function parseFitArgs(raw: unknown): { args: NodeResourcesFitArgs; errors: string[] } {
  const errors: string[] = [];
  if (raw === undefined || raw === null) return { args: structuredClone(defaultFitArgs), errors };
  if (!isObject(raw)) return { args: structuredClone(defaultFitArgs), errors: [invalid('<args>', raw, 'must be an object')] };
  checkKeys(raw, ['scoringStrategy', 'ignoredResources', 'ignoredResourceGroups'], '', errors);

  const ignoredResources = parseStringList(raw.ignoredResources, 'ignoredResources', errors);
  ignoredResources.forEach((r, i) => {
    for (const msg of labelKeyErrors(r)) errors.push(invalid(`ignoredResources[${i}]`, r, msg));
  });
  const ignoredResourceGroups = parseStringList(raw.ignoredResourceGroups, 'ignoredResourceGroups', errors);
  ignoredResourceGroups.forEach((g, i) => {
    const at = `ignoredResourceGroups[${i}]`;
    if (g.includes('/')) errors.push(invalid(at, g, "resource group name can't contain '/'"));
    for (const msg of labelKeyErrors(g)) errors.push(invalid(at, g, msg));
  });

  const scoringStrategy = parseScoringStrategy(raw.scoringStrategy, 'scoringStrategy', errors);
  return { args: { scoringStrategy, ignoredResources, ignoredResourceGroups }, errors };
}

export function validateFitArgs(raw: unknown): string[] {
  return parseFitArgs(raw).errors;
}

/** Defaults and validates NodeResourcesBalancedAllocationArgs. */
export function parseBalancedAllocationArgs(raw: unknown): { args: NodeResourcesBalancedAllocationArgs; errors: string[] } {
  const errors: string[] = [];
  if (raw === undefined || raw === null) return { args: structuredClone(defaultBalancedAllocationArgs), errors };
  if (!isObject(raw)) return { args: structuredClone(defaultBalancedAllocationArgs), errors: [invalid('<args>', raw, 'must be an object')] };
  checkKeys(raw, ['resources'], '', errors);
  const { specs, typeOk } = parseResources(raw.resources, 'resources', errors);
  const seen = new Set<string>();
  specs.forEach((r, i) => {
    if (!typeOk[i]) return;
    if (seen.has(r.name)) errors.push(duplicate(`resources[${i}].name`, r.name));
    else seen.add(r.name);
    if (r.weight !== 1) errors.push(invalid(`resources[${i}].weight`, r.weight, 'must be 1'));
  });
  return { args: { resources: specs }, errors };
}

export function validateBalancedAllocationArgs(raw: unknown): string[] {
  return parseBalancedAllocationArgs(raw).errors;
}

/** Thrown by a factory given args that do not validate (config resolution reports them first). */
export class InvalidArgsError extends Error {
  override readonly name = 'InvalidArgsError';
  readonly plugin: string;
  readonly problems: readonly string[];

  constructor(plugin: string, problems: readonly string[]) {
    super(`invalid args for plugin ${plugin}: ${problems.join('; ')}`);
    this.plugin = plugin;
    this.problems = problems;
  }
}
