// PodTopologySpreadArgs, as upstream's (pkg/scheduler/apis/config, v1
// defaults, validation_pluginargs.go ValidatePodTopologySpreadArgs): the
// cluster-level constraints for pods that declare none.
//
//   defaultingType: System (the default)  upstream's built-in constraints:
//                   hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway;
//                   defaultConstraints must then be empty.
//   defaultingType: List                  defaultConstraints as given (may be empty:
//                   no defaulting at all).
//
// Errors carry upstream's field paths and wording, e.g.
//   defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf)
// Berth adds type checks, rejects unknown fields (args come from hand-written
// files) and checks minDomains and the node inclusion policies, which
// upstream's args validation leaves alone.
import type { TopologySpreadConstraint } from '../../api/types.ts';
import { invalid, show } from '../../framework/field-errors.ts';
import { qualifiedNameErrors } from '../../framework/label-syntax.ts';

export const DefaultingType = { System: 'System', List: 'List' } as const;
export type DefaultingType = (typeof DefaultingType)[keyof typeof DefaultingType];

export const DO_NOT_SCHEDULE = 'DoNotSchedule';
export const SCHEDULE_ANYWAY = 'ScheduleAnyway';
export const HONOR = 'Honor';
export const IGNORE = 'Ignore';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

export interface PodTopologySpreadArgs {
  defaultingType: DefaultingType;
  /** Only with defaultingType List; no labelSelector (it is derived for each pod). */
  defaultConstraints: TopologySpreadConstraint[];
}

export const defaultPodTopologySpreadArgs: PodTopologySpreadArgs = { defaultingType: DefaultingType.System, defaultConstraints: [] };

/** Upstream's systemDefaultConstraints. */
export const systemDefaultConstraints: readonly TopologySpreadConstraint[] = Object.freeze([
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 3 },
  { topologyKey: LABEL_TOPOLOGY_ZONE, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 5 },
]);

const CONSTRAINT_FIELDS = [
  'maxSkew',
  'topologyKey',
  'whenUnsatisfiable',
  'labelSelector',
  'minDomains',
  'nodeAffinityPolicy',
  'nodeTaintsPolicy',
  'matchLabelKeys',
] as const;

const required = (path: string, detail: string): string => `${path}: Required value: ${detail}`;
const forbidden = (path: string, detail: string): string => `${path}: Forbidden: ${detail}`;
const duplicate = (path: string, value: string): string => `${path}: Duplicate value: ${show(value)}`;
const notSupported = (path: string, value: unknown, supported: readonly string[]): string =>
  `${path}: Unsupported value: ${show(value)}: supported values: ${supported.map((s) => show(s)).join(', ')}`;

/** Go's %v of a string field; JSON for anything else. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateConstraint(c: Record<string, unknown>, p: string, errors: string[]): void {
  for (const k of Object.keys(c)) if (!(CONSTRAINT_FIELDS as readonly string[]).includes(k)) errors.push(`${p}.${k}: unknown field`);

  const maxSkew = c.maxSkew ?? 0;
  if (typeof maxSkew !== 'number' || !Number.isInteger(maxSkew)) errors.push(invalid(`${p}.maxSkew`, maxSkew, 'must be an integer'));
  else if (maxSkew <= 0) errors.push(invalid(`${p}.maxSkew`, maxSkew, 'not in valid range (0, inf)'));

  // validateTopologyKey: metav1validation.ValidateLabelName, one error per message.
  const key = c.topologyKey ?? '';
  if (typeof key !== 'string') errors.push(invalid(`${p}.topologyKey`, key, 'must be a string'));
  else if (key.length === 0) errors.push(required(`${p}.topologyKey`, 'can not be empty'));
  else for (const msg of qualifiedNameErrors(key)) errors.push(invalid(`${p}.topologyKey`, key, msg));

  const action = c.whenUnsatisfiable ?? '';
  if (action === '') errors.push(required(`${p}.whenUnsatisfiable`, 'can not be empty'));
  else if (action !== DO_NOT_SCHEDULE && action !== SCHEDULE_ANYWAY) {
    errors.push(notSupported(`${p}.whenUnsatisfiable`, action, [DO_NOT_SCHEDULE, SCHEDULE_ANYWAY]));
  }

  if (c.labelSelector !== undefined && c.labelSelector !== null) {
    errors.push(forbidden(`${p}.labelSelector`, 'constraint must not define a selector, as they deduced for each pod'));
  }

  // Berth: what the pod API would reject, rather than a constraint that silently does something else.
  const minDomains = c.minDomains;
  if (minDomains !== undefined && minDomains !== null) {
    if (typeof minDomains !== 'number' || !Number.isInteger(minDomains)) errors.push(invalid(`${p}.minDomains`, minDomains, 'must be an integer'));
    else if (minDomains <= 0) errors.push(invalid(`${p}.minDomains`, minDomains, 'must be greater than zero'));
  }
  for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
    const v = c[policy];
    if (v !== undefined && v !== null && v !== HONOR && v !== IGNORE) errors.push(notSupported(`${p}.${policy}`, v, [HONOR, IGNORE]));
  }
  const keys = c.matchLabelKeys;
  if (keys !== undefined && keys !== null && (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))) {
    errors.push(invalid(`${p}.matchLabelKeys`, keys, 'must be a list of strings'));
  }
}

/** Defaults (v1: an empty defaultingType is System) and validates; `errors` holds "field: reason" messages. */
export function parsePodTopologySpreadArgs(args: unknown): { args: PodTopologySpreadArgs; errors: string[] } {
  const errors: string[] = [];
  const out: PodTopologySpreadArgs = { defaultingType: DefaultingType.System, defaultConstraints: [] };
  if (args === undefined || args === null) return { args: out, errors };
  if (!isObject(args)) return { args: out, errors: [invalid('<args>', args, 'must be an object')] };
  for (const k of Object.keys(args)) if (k !== 'defaultingType' && k !== 'defaultConstraints') errors.push(`${k}: unknown field`);

  const constraints = args.defaultConstraints ?? [];
  if (!Array.isArray(constraints)) errors.push(invalid('defaultConstraints', constraints, 'must be a list'));

  // v1 defaulting: an empty defaultingType is System (so constraints need an explicit List).
  const type = args.defaultingType ?? '';
  if (type !== '' && type !== DefaultingType.System && type !== DefaultingType.List) {
    errors.push(notSupported('defaultingType', type, [DefaultingType.System, DefaultingType.List]));
  } else {
    out.defaultingType = type === '' ? DefaultingType.System : type;
    if (out.defaultingType === DefaultingType.System && Array.isArray(constraints) && constraints.length > 0) {
      errors.push(invalid('defaultingType', out.defaultingType, 'when .defaultConstraints are not empty'));
    }
  }

  if (Array.isArray(constraints)) {
    constraints.forEach((c: unknown, i) => {
      const p = `defaultConstraints[${i}]`;
      if (!isObject(c)) {
        errors.push(invalid(p, c, 'must be an object'));
        return;
      }
      validateConstraint(c, p, errors);
      // validateConstraintNotRepeat: the first earlier one with the same key and action.
      for (let j = 0; j < i; j++) {
        const other: unknown = constraints[j];
        if (isObject(other) && other.topologyKey === c.topologyKey && other.whenUnsatisfiable === c.whenUnsatisfiable) {
          errors.push(duplicate(p, `{${text(c.topologyKey)}, ${text(c.whenUnsatisfiable)}}`));
          break;
        }
      }
    });
    if (errors.length === 0) out.defaultConstraints = structuredClone(constraints as TopologySpreadConstraint[]);
  }
  return { args: out, errors };
}

/** Registry validator: "field: reason" messages, empty when valid. */
export function validatePodTopologySpreadArgs(args: unknown): string[] {
  return parsePodTopologySpreadArgs(args).errors;
}
