// Label selectors over pods' labels, as apimachinery reads them
// (metav1.LabelSelectorAsSelector, labels.NewRequirement, Selector.Matches).
// Pods' labels are not in the node table's interner, so these compare
// strings; they run in PreFilter/PreScore and preemption's AddPod only.
//
//   null selector      → matches nothing   (labels.Nothing())
//   {} (no terms)      → matches everything (labels.Everything())
//   matchLabels k: v   → k In [v]
//   In / NotIn         → NotIn also holds when the label is absent
//   Exists / DoesNotExist
// Requirements are ANDed. A selector that cannot be parsed yields upstream's
// error text (field path relative to the requirement, e.g.
// `values[0][service]: Invalid value: "{{.bad}}": …`); the caller decides
// what a bad selector means.
import type { LabelSelector } from '../../api/types.ts';

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

// --- apimachinery validation wording -------------------------------------------

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** validation.RegexError. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

/** validation.IsQualifiedName. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 bytes');
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) errs.push(`prefix part ${regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com')}`);
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 bytes');
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.IsValidLabelValue. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 bytes');
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** A bad value as field.Error prints it: strings quoted, string lists as Go's %#v. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]string(nil)';
    return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** utilerrors.NewAggregate(...).Error(). */
export function aggregate(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const OPERATORS: Readonly<Record<string, number>> = { In: LabelOp.In, NotIn: LabelOp.NotIn, Exists: LabelOp.Exists, DoesNotExist: LabelOp.DoesNotExist };

/** labels.NewRequirement: the requirement, or its errors ("path: reason"). */
function newRequirement(key: string, op: number, values: readonly unknown[], equals: boolean): LabelRequirement | string[] {
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${show(key)}: ${keyErrs.join('; ')}`);
  if (equals) {
    if (values.length !== 1) errs.push(`values: Invalid value: ${show(values)}: exact-match compatibility requires one single value`);
  } else if (op === LabelOp.In || op === LabelOp.NotIn) {
    if (values.length === 0) errs.push(`values: Invalid value: ${show(values)}: for 'in', 'notin' operators, values set can't be empty`);
  } else if (values.length !== 0) {
    errs.push(`values: Invalid value: ${show(values)}: values set must be empty for exists and does not exist`);
  }
  const strings: string[] = [];
  values.forEach((v, i) => {
    if (typeof v !== 'string') {
      errs.push(`values[${i}][${key}]: Invalid value: ${show(v)}: must be a string`);
      return;
    }
    strings.push(v);
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(`values[${i}][${key}]: Invalid value: ${show(v)}: ${valueErrs.join('; ')}`);
  });
  return errs.length > 0 ? errs : { key, op, values: strings };
}

export type ParseResult = { selector: Selector; error?: undefined } | { selector?: undefined; error: string };

/**
 * metav1.LabelSelectorAsSelector, plus requirements to add (the merged
 * matchLabelKeys/mismatchLabelKeys). The first bad requirement is the error,
 * as upstream returns on the first one.
 */
export function parseLabelSelector(raw: LabelSelector | null | undefined, extra: readonly LabelRequirement[] = []): ParseResult {
  if (raw === undefined || raw === null) return { selector: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { error: `Invalid value: ${JSON.stringify(raw)}: a label selector must be an object` };
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
    const r = newRequirement(k, LabelOp.In, [(matchLabels as Record<string, unknown>)[k]], true);
    if (Array.isArray(r)) return { error: aggregate(r) };
    out.push(r);
  }
  for (const expr of matchExpressions as unknown[]) {
    const e = (typeof expr === 'object' && expr !== null ? expr : {}) as { key?: unknown; operator?: unknown; values?: unknown };
    const op = typeof e.operator === 'string' && Object.hasOwn(OPERATORS, e.operator) ? OPERATORS[e.operator]! : -1;
    if (op < 0) return { error: `${JSON.stringify(e.operator ?? '')} is not a valid label selector operator` };
    const values = e.values === undefined || e.values === null ? [] : Array.isArray(e.values) ? (e.values as unknown[]) : [e.values];
    const r = newRequirement(typeof e.key === 'string' ? e.key : '', op, values, false);
    if (Array.isArray(r)) return { error: aggregate(r) };
    out.push(r);
  }
  for (const r of extra) {
    const checked = newRequirement(r.key, r.op, r.values, false);
    if (Array.isArray(checked)) return { error: aggregate(checked) };
    out.push(checked);
  }
  return { selector: out };
}

/** labels.Selector.Matches. */
export function selectorMatches(selector: Selector, labels: Labels): boolean {
  if (selector === null) return false;
  for (let i = 0; i < selector.length; i++) {
    const r = selector[i]!;
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case LabelOp.In:
        if (!has || !r.values.includes(labels[r.key]!)) return false;
        break;
      case LabelOp.NotIn:
        if (has && r.values.includes(labels[r.key]!)) return false;
        break;
      case LabelOp.Exists:
        if (!has) return false;
        break;
      case LabelOp.DoesNotExist:
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether the selector selects everything (upstream's Selector.Empty()). */
export function isEverything(selector: Selector): boolean {
  return selector !== null && selector.length === 0;
}
