// NodeAffinityArgs, as upstream's (pkg/scheduler/apis/config): node
// affinity the scheduler adds to every pod of the profile. Validation parses
// the terms the way the plugin will, so a profile with a term that can never
// be read is rejected at startup with the field path, e.g.
//   addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key: Invalid value: ...
import type { NodeAffinity, NodeSelectorTerm } from '../../api/types.ts';
import { invalid } from '../../framework/field-errors.ts';
import { parseNodeSelectorTerms, parsePreferredTerms, type ParsedPreferredTerm, type ParsedTerm } from '../../framework/node-selector.ts';

export interface NodeAffinityArgs {
  /** Applied to all pods of the profile, in addition to (ANDed with) each pod's own node affinity. */
  addedAffinity?: NodeAffinity;
}

export const defaultNodeAffinityArgs: NodeAffinityArgs = {};

const REQUIRED = 'requiredDuringSchedulingIgnoredDuringExecution';
const PREFERRED = 'preferredDuringSchedulingIgnoredDuringExecution';

export interface ParsedAddedAffinity {
  /** undefined: no added required affinity. */
  required: ParsedTerm[] | undefined;
  /** undefined: no added preferred terms. */
  preferred: ParsedPreferredTerm[] | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the args; `errors` holds "field: reason" messages relative to the args. */
export function parseNodeAffinityArgs(args: unknown): { parsed: ParsedAddedAffinity; errors: string[] } {
  const errors: string[] = [];
  const parsed: ParsedAddedAffinity = { required: undefined, preferred: undefined };
  if (args === undefined || args === null) return { parsed, errors };
  if (!isObject(args)) return { parsed, errors: [invalid('<args>', args, 'must be an object')] };
  for (const k of Object.keys(args)) if (k !== 'addedAffinity') errors.push(`${k}: unknown field`);
  const added = args.addedAffinity;
  if (added === undefined || added === null) return { parsed, errors };
  if (!isObject(added)) return { parsed, errors: [...errors, invalid('addedAffinity', added, 'must be an object')] };
  for (const k of Object.keys(added)) if (k !== REQUIRED && k !== PREFERRED) errors.push(`addedAffinity.${k}: unknown field`);

  const required = added[REQUIRED];
  if (required !== undefined && required !== null) {
    const path = `addedAffinity.${REQUIRED}`;
    if (!isObject(required)) errors.push(invalid(path, required, 'must be an object'));
    else if (required.nodeSelectorTerms !== undefined && !Array.isArray(required.nodeSelectorTerms)) {
      errors.push(invalid(`${path}.nodeSelectorTerms`, required.nodeSelectorTerms, 'must be a list'));
    } else {
      // nodeaffinity.NewNodeSelector: every parse error is reported.
      parsed.required = parseNodeSelectorTerms(required.nodeSelectorTerms as NodeSelectorTerm[] | undefined, `${path}.nodeSelectorTerms`);
      for (const t of parsed.required) errors.push(...t.errors);
    }
  }
  const preferred = added[PREFERRED];
  if (preferred !== undefined && preferred !== null) {
    const path = `addedAffinity.${PREFERRED}`;
    if (!Array.isArray(preferred)) errors.push(invalid(path, preferred, 'must be a list'));
    else if (preferred.length > 0) {
      parsed.preferred = parsePreferredTerms(preferred as NonNullable<NodeAffinity['preferredDuringSchedulingIgnoredDuringExecution']>, path);
      for (const t of parsed.preferred) errors.push(...t.errors);
    }
  }
  return { parsed, errors };
}

/** Registry validator: "field: reason" messages, empty when valid. */
export function validateNodeAffinityArgs(args: unknown): string[] {
  return parseNodeAffinityArgs(args).errors;
}
