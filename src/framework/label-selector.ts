// Label selectors (metav1.LabelSelector) over objects' labels, as
// apimachinery reads them (metav1.LabelSelectorAsSelector,
// labels.NewRequirement, Selector.Matches). Labels of pods and namespaces are
// not in the node table's interner, so these compare strings; they run in
// PreFilter/PreScore and preemption's AddPod/RemovePod, not per node.
//
//   null selector      → matches nothing    (labels.Nothing())
//   {} (no terms)      → matches everything (labels.Everything())
//   matchLabels k: v   → k In [v]
//   In / NotIn         → NotIn also holds when the label is absent
//   Exists / DoesNotExist
// Requirements are ANDed. Only string values are labels: a key whose value is
// anything else (an Object.prototype member, say) is absent.
//
// A selector that cannot be parsed yields upstream's error text, field path
// relative to the requirement (`values[0][service]: Invalid value:
// "{{.bad}}": …`, lists as Go's %#v); the caller decides what a bad selector
// means. Options.jsonValues prints bad values as JSON and value paths without
// the [key] suffix instead, as PodTopologySpread always has.
import type { LabelSelector } from '../api/types.ts';
import { show } from './field-errors.ts';
import { labelValueErrors, qualifiedNameErrors } from './label-syntax.ts';

export const LabelOp = { In: 0, NotIn: 1, Exists: 2, DoesNotExist: 3 } as const;

export interface LabelRequirement {
  key: string;
  op: number;
  values: string[];
}

/** null matches nothing; an empty list matches everything. Plain data. */
export type Selector = LabelRequirement[] | null;

export type Labels = Readonly<Record<string, string>>;

export const EVERYTHING: Selector = Object.freeze([]) as unknown as LabelRequirement[];

// --- parsing ---------------------------------------------------------------------

/** A bad value as field.Error prints it: strings quoted, string lists as Go's %#v. */
function goValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]string(nil)';
    return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** How bad values and their paths print. */
interface Dialect {
  value(v: unknown): string;
  valuePath(index: number, key: string): string;
}

const UPSTREAM: Dialect = { value: goValue, valuePath: (i, key) => `values[${i}][${key}]` };
const JSON_VALUES: Dialect = { value: show, valuePath: (i) => `values[${i}]` };

/** utilerrors.NewAggregate(...).Error(). */
export function aggregate(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const OPERATORS: Readonly<Record<string, number>> = { In: LabelOp.In, NotIn: LabelOp.NotIn, Exists: LabelOp.Exists, DoesNotExist: LabelOp.DoesNotExist };

/** labels.NewRequirement: the requirement, or its errors ("path: reason"). */
function newRequirement(key: string, op: number, values: readonly unknown[], equals: boolean, d: Dialect): LabelRequirement | string[] {
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${d.value(key)}: ${keyErrs.join('; ')}`);
  if (equals) {
    if (values.length !== 1) errs.push(`values: Invalid value: ${d.value(values)}: exact-match compatibility requires one single value`);
  } else if (op === LabelOp.In || op === LabelOp.NotIn) {
    if (values.length === 0) errs.push(`values: Invalid value: ${d.value(values)}: for 'in', 'notin' operators, values set can't be empty`);
  } else if (values.length !== 0) {
    errs.push(`values: Invalid value: ${d.value(values)}: values set must be empty for exists and does not exist`);
  }
  const strings: string[] = [];
  values.forEach((v, i) => {
    if (typeof v !== 'string') {
      errs.push(`${d.valuePath(i, key)}: Invalid value: ${d.value(v)}: must be a string`);
      return;
    }
    strings.push(v);
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(`${d.valuePath(i, key)}: Invalid value: ${d.value(v)}: ${valueErrs.join('; ')}`);
  });
  return errs.length > 0 ? errs : { key, op, values: strings };
}

export type ParseResult = { selector: Selector; error?: undefined } | { selector?: undefined; error: string };

export interface ParseOptions {
  /** Print bad values as JSON and value paths as values[i] (PodTopologySpread's messages); upstream's otherwise. */
  jsonValues?: boolean;
}

/**
 * metav1.LabelSelectorAsSelector, plus requirements to add (the merged
 * matchLabelKeys/mismatchLabelKeys), validated like the selector's own. The
 * first bad requirement is the error, as upstream returns on the first one;
 * matchLabels are read in key order, so that error does not depend on the
 * order of the object's keys (Go's map order is random).
 */
export function parseLabelSelector(raw: LabelSelector | null | undefined, extra: readonly LabelRequirement[] = [], options: ParseOptions = {}): ParseResult {
  if (raw === undefined || raw === null) return { selector: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { error: `Invalid value: ${JSON.stringify(raw)}: a label selector must be an object` };
  const d = options.jsonValues === true ? JSON_VALUES : UPSTREAM;
  const matchLabels: unknown = raw.matchLabels ?? {};
  const matchExpressions: unknown = raw.matchExpressions ?? [];
  if (typeof matchLabels !== 'object' || matchLabels === null || Array.isArray(matchLabels)) {
    return { error: `matchLabels: Invalid value: ${JSON.stringify(matchLabels)}: must be a map of strings` };
  }
  if (!Array.isArray(matchExpressions)) return { error: `matchExpressions: Invalid value: ${JSON.stringify(matchExpressions)}: must be a list` };
  const labelKeys = Object.keys(matchLabels).sort();
  if (labelKeys.length + matchExpressions.length + extra.length === 0) return { selector: EVERYTHING };

  const out: LabelRequirement[] = [];
  for (const k of labelKeys) {
    const r = newRequirement(k, LabelOp.In, [(matchLabels as Record<string, unknown>)[k]], true, d);
    if (Array.isArray(r)) return { error: aggregate(r) };
    out.push(r);
  }
  for (const expr of matchExpressions as unknown[]) {
    const e = (typeof expr === 'object' && expr !== null ? expr : {}) as { key?: unknown; operator?: unknown; values?: unknown };
    const op = typeof e.operator === 'string' && Object.hasOwn(OPERATORS, e.operator) ? OPERATORS[e.operator]! : -1;
    if (op < 0) return { error: `${JSON.stringify(e.operator ?? '')} is not a valid label selector operator` };
    if (e.values !== undefined && e.values !== null && !Array.isArray(e.values)) {
      return { error: `values: Invalid value: ${d.value(e.values)}: must be a list of strings` };
    }
    const values = Array.isArray(e.values) ? (e.values as unknown[]) : [];
    const r = newRequirement(typeof e.key === 'string' ? e.key : '', op, values, false, d);
    if (Array.isArray(r)) return { error: aggregate(r) };
    out.push(r);
  }
  for (const r of extra) {
    const checked = newRequirement(r.key, r.op, r.values, false, d);
    if (Array.isArray(checked)) return { error: aggregate(checked) };
    out.push(checked);
  }
  return { selector: out };
}

// --- matching --------------------------------------------------------------------

/** Requirement.Matches. */
function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  const v: unknown = labels[r.key];
  switch (r.op) {
    case LabelOp.In:
      return typeof v === 'string' && (r.values.length === 1 ? r.values[0] === v : r.values.includes(v));
    case LabelOp.NotIn:
      return typeof v !== 'string' || !r.values.includes(v);
    case LabelOp.Exists:
      return typeof v === 'string';
    case LabelOp.DoesNotExist:
      return typeof v !== 'string';
    default:
      return false;
  }
}

/** labels.Selector.Matches. */
export function selectorMatches(selector: Selector, labels: Labels): boolean {
  if (selector === null) return false;
  for (let i = 0; i < selector.length; i++) if (!requirementMatches(selector[i]!, labels)) return false;
  return true;
}

/** Whether the selector selects everything (upstream's Selector.Empty()). */
export function isEverything(selector: Selector): boolean {
  return selector !== null && selector.length === 0;
}
