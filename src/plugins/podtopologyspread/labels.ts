// Label selectors on pods, as apimachinery reads them
// (metav1.LabelSelectorAsSelector, labels.Requirement), in the forms the
// plugin needs, as plain data (a worker thread may receive them):
//
//   Nothing      a nil labelSelector: matches no pod.
//   Everything   an empty labelSelector ({}): matches every pod, but counts
//                no existing pod (upstream's countPodsMatchSelector returns 0
//                for an empty selector; the incoming pod still matches itself).
//   Labels       ANDed requirements (In, NotIn, Exists, DoesNotExist).
//   Controller   Berth's stand-in for the selector of the pod's controller
//                (README: default constraints): pods whose controller owner
//                reference has this UID.
//
// Also the key and value syntax checks (IsQualifiedName, IsValidLabelValue)
// that args validation and node-affinity parsing share.
import type { LabelSelector, Pod } from '../../api/types.ts';

export const SelectorKind = { Nothing: 0, Everything: 1, Labels: 2, Controller: 3 } as const;
export type SelectorKind = (typeof SelectorKind)[keyof typeof SelectorKind];

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed selector; plain data. */
export interface PodSelector {
  kind: SelectorKind;
  /** kind Labels: ANDed, at least one. */
  requirements: LabelRequirement[];
  /** kind Controller: the controller owner's UID. */
  controllerUid: string;
}

export const NOTHING: PodSelector = Object.freeze({ kind: SelectorKind.Nothing, requirements: [], controllerUid: '' });
export const EVERYTHING: PodSelector = Object.freeze({ kind: SelectorKind.Everything, requirements: [], controllerUid: '' });

function labelsSelector(requirements: LabelRequirement[]): PodSelector {
  return requirements.length === 0 ? EVERYTHING : { kind: SelectorKind.Labels, requirements, controllerUid: '' };
}

export function controllerSelector(uid: string): PodSelector {
  return { kind: SelectorKind.Controller, requirements: [], controllerUid: uid };
}

// --- syntax (apimachinery util/validation) -------------------------------------

function regexError(msg: string, format: string, ...examples: string[]): string {
  const e = examples.length > 0 ? `e.g. ${examples.map((x) => `'${x}'`).join(',  or ')}, ` : '';
  return `${msg} (${e}regex used for validation is '${format}')`;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`);

/** validation.IsQualifiedName: [prefix/]name; one message per problem. */
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
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN.test(prefix)) {
        errs.push(
          'prefix part ' +
            regexError(
              "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
              DNS1123_SUBDOMAIN_FMT,
              'example.com',
            ),
        );
      }
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!QUALIFIED_NAME.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.IsValidLabelValue. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** Go's %q for strings, JSON for the rest (close to field.Error's rendering). */
export function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

export function invalid(path: string, value: unknown, detail: string): string {
  return `${path}: Invalid value: ${show(value)}: ${detail}`;
}

// --- parsing ---------------------------------------------------------------------

/** labels.NewRequirement's checks; null when valid. */
function requirementError(key: string, operator: LabelOperator, values: readonly string[]): string | null {
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) return invalid('key', key, keyErrs.join('; '));
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    return invalid('values', values, "for 'in', 'notin' operators, values set can't be empty");
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length !== 0) {
    return invalid('values', values, 'values set must be empty for exists and does not exist');
  }
  for (let i = 0; i < values.length; i++) {
    const errs = labelValueErrors(values[i]!);
    if (errs.length > 0) return invalid(`values[${i}]`, values[i], errs.join('; '));
  }
  return null;
}

const OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * metav1.LabelSelectorAsSelector: nil → Nothing; no requirements →
 * Everything; otherwise the ANDed requirements. An invalid selector is an
 * error (upstream fails the cycle with it).
 */
export function labelSelectorAsSelector(ls: LabelSelector | null | undefined): { selector: PodSelector; error?: undefined } | { selector?: undefined; error: string } {
  if (ls === null || ls === undefined) return { selector: NOTHING };
  if (typeof ls !== 'object' || Array.isArray(ls)) return { error: `${show(ls)} is not a label selector` };
  const requirements: LabelRequirement[] = [];
  const matchLabels = ls.matchLabels ?? {};
  for (const key of Object.keys(matchLabels)) {
    const value = matchLabels[key];
    if (typeof value !== 'string') return { error: invalid(`matchLabels[${key}]`, value, 'must be a string') };
    const err = requirementError(key, 'In', [value]);
    if (err !== null) return { error: err };
    requirements.push({ key, operator: 'In', values: [value] });
  }
  const expressions = ls.matchExpressions ?? [];
  if (!Array.isArray(expressions)) return { error: invalid('matchExpressions', expressions, 'must be a list') };
  for (const expr of expressions) {
    const operator = expr?.operator;
    if (!OPERATORS.includes(operator)) return { error: `${show(operator)} is not a valid label selector operator` };
    const values = expr.values ?? [];
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) return { error: invalid('values', values, 'must be a list of strings') };
    const key = typeof expr.key === 'string' ? expr.key : '';
    const err = requirementError(key, operator as LabelOperator, values);
    if (err !== null) return { error: err };
    requirements.push({ key, operator: operator as LabelOperator, values: [...values] });
  }
  return { selector: labelsSelector(requirements) };
}

/**
 * mergeLabelSetWithSelector: the pod's values of matchLabelKeys, ANDed with
 * the selector. Nothing stays Nothing (it has no requirements to merge into).
 */
export function mergeMatchLabels(matchLabels: Readonly<Record<string, string>>, s: PodSelector): PodSelector {
  if (s.kind === SelectorKind.Nothing || s.kind === SelectorKind.Controller) return s;
  const merged: LabelRequirement[] = Object.keys(matchLabels).map((key) => ({ key, operator: 'In', values: [matchLabels[key]!] }));
  return labelsSelector([...merged, ...s.requirements]);
}

// --- matching -------------------------------------------------------------------

/** metav1.GetControllerOf: the first owner reference with controller: true. */
export function controllerUidOf(pod: Pod): string | undefined {
  const refs = pod.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs) if (r?.controller === true) return r.uid ?? '';
  return undefined;
}

// Label values are strings: anything else found under a key (an Object.prototype member) is "absent".
function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const v: unknown = labels[r.key];
  switch (r.operator) {
    case 'In':
      return typeof v === 'string' && (r.values.length === 1 ? r.values[0] === v : r.values.includes(v));
    case 'NotIn':
      return typeof v !== 'string' || !r.values.includes(v);
    case 'Exists':
      return typeof v === 'string';
    case 'DoesNotExist':
      return typeof v !== 'string';
  }
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** selector.Matches(labels.Set(pod.Labels)). */
export function selectorMatches(s: PodSelector, pod: Pod): boolean {
  switch (s.kind) {
    case SelectorKind.Nothing:
      return false;
    case SelectorKind.Everything:
      return true;
    case SelectorKind.Controller:
      return controllerUidOf(pod) === s.controllerUid;
    default: {
      const labels = pod.metadata?.labels ?? NO_LABELS;
      const reqs = s.requirements;
      for (let i = 0; i < reqs.length; i++) if (!requirementMatches(reqs[i]!, labels)) return false;
      return true;
    }
  }
}

/** selector.Empty(): only Everything. */
export function selectorEmpty(s: PodSelector): boolean {
  return s.kind === SelectorKind.Everything;
}
