// VolumeBindingArgs, as upstream's (pkg/scheduler/apis/config types, v1
// defaults, validation_pluginargs.go ValidateVolumeBindingArgsWithOptions).
//
//   bindTimeoutSeconds  how long PreBind waits for the PV controller to finish
//                       binding/provisioning. Accepted and validated so that a
//                       profile written for kube-scheduler loads unchanged, but
//                       UNUSED: Berth does not bind or provision volumes yet
//                       (no Reserve/PreBind), so nothing waits.
//   shape               upstream's score curve for StorageCapacityScoring (an
//                       alpha gate in v1.36, off by default, so upstream rejects
//                       it too). Berth has no volume scoring: rejected.
//
// Berth adds a type check (an integer) and rejects unknown fields, since args
// come from hand-written files.

export interface VolumeBindingArgs {
  /** Unused until Berth binds volumes; upstream's default is 600. */
  bindTimeoutSeconds: number;
}

/** Upstream's v1 default. */
export const DEFAULT_BIND_TIMEOUT_SECONDS = 600;

export const defaultVolumeBindingArgs: VolumeBindingArgs = { bindTimeoutSeconds: DEFAULT_BIND_TIMEOUT_SECONDS };

function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}
const invalid = (path: string, value: unknown, detail: string): string => `${path}: Invalid value: ${show(value)}: ${detail}`;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Defaults and validates the args; `errors` holds "field: reason" messages relative to the args. */
export function parseVolumeBindingArgs(raw: unknown): { args: VolumeBindingArgs; errors: string[] } {
  const args: VolumeBindingArgs = { ...defaultVolumeBindingArgs };
  const errors: string[] = [];
  if (raw === undefined || raw === null) return { args, errors };
  if (!isObject(raw)) return { args, errors: [invalid('<args>', raw, 'must be an object')] };
  for (const k of Object.keys(raw)) {
    if (k === 'bindTimeoutSeconds') continue;
    if (k === 'shape') {
      errors.push(invalid('shape', raw.shape, 'unsupported: Berth does not score nodes by storage capacity (upstream StorageCapacityScoring)'));
    } else {
      errors.push(`${k}: unknown field`);
    }
  }
  const timeout = raw.bindTimeoutSeconds;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout)) {
      errors.push(invalid('bindTimeoutSeconds', timeout, 'must be an integer'));
    } else if (timeout < 0) {
      errors.push(invalid('bindTimeoutSeconds', timeout, 'invalid BindTimeoutSeconds, should not be a negative value'));
    } else {
      args.bindTimeoutSeconds = timeout;
    }
  }
  return { args, errors };
}

/** Registry validator: "field: reason" messages, empty when valid. */
export function validateVolumeBindingArgs(raw: unknown): string[] {
  return parseVolumeBindingArgs(raw).errors;
}

/** Thrown by the factory given args that do not validate (config resolution reports them first). */
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
