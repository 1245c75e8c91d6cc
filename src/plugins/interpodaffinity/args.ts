// InterPodAffinityArgs, as upstream's (pkg/scheduler/apis/config/types_pluginargs.go,
// v1 defaults, validation_pluginargs.go), e.g.
//   hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]
// Berth adds type checks and rejects unknown fields, since args come from
// hand-written files.

export interface InterPodAffinityArgs {
  /**
   * Score weight of an existing pod's REQUIRED affinity term that the
   * incoming pod satisfies (the symmetric preference). 0 turns it off.
   */
  hardPodAffinityWeight: number;
  /** When the incoming pod has no preferred (anti-)affinity, skip scoring instead of reading existing pods' terms. */
  ignorePreferredTermsOfExistingPods: boolean;
}

export const MIN_HARD_POD_AFFINITY_WEIGHT = 0;
export const MAX_HARD_POD_AFFINITY_WEIGHT = 100;

export const defaultInterPodAffinityArgs: InterPodAffinityArgs = Object.freeze({
  hardPodAffinityWeight: 1,
  ignorePreferredTermsOfExistingPods: false,
});

const FIELDS = ['hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods'];

function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** The args with defaults applied, and "field: reason" messages relative to the args. */
export function parseInterPodAffinityArgs(raw: unknown): { args: InterPodAffinityArgs; errors: string[] } {
  const args = { ...defaultInterPodAffinityArgs };
  const errors: string[] = [];
  if (raw === undefined || raw === null) return { args, errors };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { args, errors: [`<args>: Invalid value: ${show(raw)}: must be an object`] };
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!FIELDS.includes(k)) errors.push(`${k}: unknown field`);

  const w = obj.hardPodAffinityWeight;
  if (w !== undefined && w !== null) {
    if (typeof w !== 'number' || !Number.isInteger(w)) errors.push(`hardPodAffinityWeight: Invalid value: ${show(w)}: must be an integer`);
    else if (w < MIN_HARD_POD_AFFINITY_WEIGHT || w > MAX_HARD_POD_AFFINITY_WEIGHT) {
      errors.push(`hardPodAffinityWeight: Invalid value: ${w}: not in valid range [${MIN_HARD_POD_AFFINITY_WEIGHT}, ${MAX_HARD_POD_AFFINITY_WEIGHT}]`);
    } else args.hardPodAffinityWeight = w;
  }
  const ignore = obj.ignorePreferredTermsOfExistingPods;
  if (ignore !== undefined && ignore !== null) {
    if (typeof ignore !== 'boolean') errors.push(`ignorePreferredTermsOfExistingPods: Invalid value: ${show(ignore)}: must be a boolean`);
    else args.ignorePreferredTermsOfExistingPods = ignore;
  }
  return { args, errors };
}

/** Registry validator: "field: reason" messages, empty when valid. */
export function validateInterPodAffinityArgs(raw: unknown): string[] {
  return parseInterPodAffinityArgs(raw).errors;
}
