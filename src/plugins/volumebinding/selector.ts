// A PersistentVolume's spec.nodeAffinity.required, read the way upstream
// reads it (k8s.io/component-helpers/storage/volume CheckNodeAffinity →
// scheduling/corev1 MatchNodeSelectorTerms → nodeaffinity.LazyErrorNodeSelector),
// in three steps, as src/plugins/nodeaffinity/selector.ts does for pods
// (plugins may not import each other, so what is needed is copied here):
//
//   parse   (once per PV object): strings, validated the way upstream
//           validates them; a term with a parse error matches no node.
//   compile (once per cycle, in PreFilter): strings → interned ids of the
//           snapshot, so Filter compares integers only and allocates nothing.
//           A key or value no node carries (lookup → -1) can match nothing.
//   match   (Filter, per node).
//
// Matching rules (upstream's):
//   In            label present and its value in the set
//   NotIn         label absent, or its value not in the set
//   Exists        label present
//   DoesNotExist  label absent
//   Gt / Lt       label present, its value an integer, greater / less than the bound
//   matchFields   In / NotIn with exactly one value. CheckNodeAffinity builds a
//                 node from the node's *labels only*, so every field, metadata.name
//                 included, reads as "": `metadata.name In [node-a]` matches no
//                 node, `NotIn [node-a]` every node. The kubelet checks a PV's
//                 affinity the same way before it mounts the volume, so a node
//                 that matched by name would fail at mount time anyway.
// Requirements in a term are ANDed; terms are ORed; a term with neither
// matchExpressions nor matchFields matches nothing; `nodeSelectorTerms: []`
// matches nothing.
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../api/types.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';

// --- parsing (strings) ---------------------------------------------------------

export interface ParsedRequirement {
  /** matchExpressions (labels) or matchFields. */
  field: boolean;
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values: readonly string[];
  /** Gt/Lt: the parsed integer bound. */
  bound: number;
}

export interface ParsedTerm {
  requirements: ParsedRequirement[];
  /** Upstream's field errors, "path: reason"; a term with errors matches nothing. */
  errors: string[];
}

const LABEL_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
const FIELD_OPERATORS = ['In', 'NotIn'] as const;

/** Go's %q for strings, JSON for the rest (close to field.Error's rendering). */
function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

function invalid(path: string, value: unknown, detail: string): string {
  return `${path}: Invalid value: ${show(value)}: ${detail}`;
}

function notSupported(path: string, value: unknown, supported: readonly string[]): string {
  return `${path}: Unsupported value: ${show(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
}

function regexError(msg: string, format: string, ...examples: string[]): string {
  const e = examples.length > 0 ? `e.g. ${examples.map((x) => `'${x}'`).join(',  or ')}, ` : '';
  return `${msg} (${e}regex used for validation is '${format}')`;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`);

/** apimachinery validation.IsQualifiedName: [prefix/]name. */
function qualifiedNameErrors(value: string): string[] {
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

/** apimachinery validation.IsValidLabelValue. */
function labelValueErrors(value: string): string[] {
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

const INT64_TEXT = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64); undefined when it would fail. */
function parseInt64(s: string): number | undefined {
  if (!INT64_TEXT.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : Number(n);
}

/** A list from the wire: anything but an array reads as empty. */
function list<T>(v: readonly T[] | null | undefined): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [];
}

function stringList(values: unknown): string[] | undefined {
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) return undefined;
  return values;
}

/** labels.NewRequirement, with upstream's checks and messages. */
function parseLabelRequirement(req: NodeSelectorRequirement, path: string, errors: string[]): ParsedRequirement | undefined {
  const before = errors.length;
  const key = typeof req?.key === 'string' ? req.key : '';
  const operator = req?.operator;
  if (!(LABEL_OPERATORS as readonly unknown[]).includes(operator)) {
    errors.push(notSupported(`${path}.operator`, operator, LABEL_OPERATORS));
    return undefined;
  }
  const op = operator as ParsedRequirement['operator'];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) errors.push(invalid(`${path}.key`, key, keyErrs.join('; ')));
  const values = stringList(req.values);
  if (values === undefined) {
    errors.push(invalid(`${path}.values`, req.values, 'must be a list of strings'));
    return undefined;
  }
  let bound = Number.NaN;
  if (op === 'In' || op === 'NotIn') {
    if (values.length === 0) errors.push(invalid(`${path}.values`, values, "for 'in', 'notin' operators, values set can't be empty"));
  } else if (op === 'Exists' || op === 'DoesNotExist') {
    if (values.length !== 0) errors.push(invalid(`${path}.values`, values, 'values set must be empty for exists and does not exist'));
  } else {
    if (values.length !== 1) {
      errors.push(invalid(`${path}.values`, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
    }
    values.forEach((v, i) => {
      const n = parseInt64(v);
      if (n === undefined) errors.push(invalid(`${path}.values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      else if (i === 0) bound = n;
    });
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errors.push(invalid(`${path}.values[${i}]`, v, valueErrs.join('; ')));
  });
  if (errors.length > before) return undefined;
  return { field: false, key, operator: op, values, bound };
}

/** fields.OneTermEqualSelector / OneTermNotEqualSelector. */
function parseFieldRequirement(req: NodeSelectorRequirement, path: string, errors: string[]): ParsedRequirement | undefined {
  const operator = req?.operator;
  if (!(FIELD_OPERATORS as readonly unknown[]).includes(operator)) {
    errors.push(notSupported(`${path}.operator`, operator, FIELD_OPERATORS));
    return undefined;
  }
  const values = stringList(req.values);
  if (values === undefined || values.length !== 1) {
    errors.push(invalid(`${path}.values`, req.values ?? [], 'must have one element'));
    return undefined;
  }
  const key = typeof req.key === 'string' ? req.key : '';
  return { field: true, key, operator: operator as 'In' | 'NotIn', values, bound: Number.NaN };
}

/** Whether upstream treats the term as empty (it then matches nothing and is dropped). */
function isEmptyTerm(term: NodeSelectorTerm | undefined): boolean {
  return (term?.matchExpressions?.length ?? 0) === 0 && (term?.matchFields?.length ?? 0) === 0;
}

/** newNodeSelectorTerm: every requirement parsed; errors carry `path`. */
function parseTerm(term: NodeSelectorTerm, path: string): ParsedTerm {
  const requirements: ParsedRequirement[] = [];
  const errors: string[] = [];
  const exprs: unknown = term.matchExpressions;
  const fields: unknown = term.matchFields;
  if (exprs !== undefined && exprs !== null && !Array.isArray(exprs)) errors.push(invalid(`${path}.matchExpressions`, exprs, 'must be a list'));
  if (fields !== undefined && fields !== null && !Array.isArray(fields)) errors.push(invalid(`${path}.matchFields`, fields, 'must be a list'));
  if (Array.isArray(exprs)) {
    exprs.forEach((req: NodeSelectorRequirement, i) => {
      const parsed = parseLabelRequirement(req, `${path}.matchExpressions[${i}]`, errors);
      if (parsed) requirements.push(parsed);
    });
  }
  if (Array.isArray(fields)) {
    fields.forEach((req: NodeSelectorRequirement, i) => {
      const parsed = parseFieldRequirement(req, `${path}.matchFields[${i}]`, errors);
      if (parsed) requirements.push(parsed);
    });
  }
  return { requirements, errors };
}

/** NewLazyErrorNodeSelector: empty terms dropped; terms with errors kept (they match nothing). */
export function parseNodeSelectorTerms(terms: readonly NodeSelectorTerm[] | undefined, path: string): ParsedTerm[] {
  const parsed: ParsedTerm[] = [];
  list(terms).forEach((term, i) => {
    if (term === null || typeof term !== 'object' || isEmptyTerm(term)) return;
    parsed.push(parseTerm(term, `${path}[${i}]`));
  });
  return parsed;
}

// --- compiling (interned ids) -------------------------------------------------------

/** Operators of a compiled requirement. */
export const ReqOp = {
  /** label `key` present with a value in `values` */
  In: 0,
  /** label `key` absent or its value not in `values` */
  NotIn: 1,
  Exists: 2,
  DoesNotExist: 3,
} as const;

/** Plain data (structured-cloneable) so a worker thread can run it. */
export interface CompiledRequirement {
  op: number;
  key: number;
  /** Interned ids, ascending. */
  values: number[];
}

/** ANDed requirements; an empty list matches every node. */
export type CompiledTerm = CompiledRequirement[];

function ids(nodes: NodeTableReader, values: readonly string[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    const id = nodes.interner.lookup(v);
    if (id >= 0 && !out.includes(id)) out.push(id);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Gt/Lt as an In over the label values the nodes carry: the node view holds
 * interned ids only, so the integer comparison happens here, once per
 * distinct value, through the interner.
 */
function numericValueIds(nodes: NodeTableReader, key: number, gt: boolean, bound: number): number[] {
  if (nodes.size === 0) return [];
  const seen = new Set<number>();
  const accepted: number[] = [];
  const view = nodes.view(0);
  for (let i = 0; i < nodes.size; i++) {
    const v = view.at(i).label(key);
    if (v < 0 || seen.has(v)) continue;
    seen.add(v);
    const n = nodes.interner.integer(v);
    if (gt ? n > bound : n < bound) accepted.push(v);
  }
  return accepted.sort((a, b) => a - b);
}

/** One requirement; `true` when it holds on every node, `false` when on none. */
function compileRequirement(r: ParsedRequirement, nodes: NodeTableReader): CompiledRequirement | boolean {
  if (r.field) {
    // The node CheckNodeAffinity builds has labels only: every field reads as "".
    const equal = r.values[0] === '';
    return r.operator === 'In' ? equal : !equal;
  }
  const key = nodes.interner.lookup(r.key);
  switch (r.operator) {
    case 'In': {
      const values = key < 0 ? [] : ids(nodes, r.values);
      return values.length === 0 ? false : { op: ReqOp.In, key, values };
    }
    case 'NotIn': {
      const values = key < 0 ? [] : ids(nodes, r.values);
      return values.length === 0 ? true : { op: ReqOp.NotIn, key, values };
    }
    case 'Exists':
      return key < 0 ? false : { op: ReqOp.Exists, key, values: [] };
    case 'DoesNotExist':
      return key < 0 ? true : { op: ReqOp.DoesNotExist, key, values: [] };
    case 'Gt':
    case 'Lt': {
      if (key < 0) return false;
      const values = numericValueIds(nodes, key, r.operator === 'Gt', r.bound);
      return values.length === 0 ? false : { op: ReqOp.In, key, values };
    }
  }
}

/** A parsed term → its compiled requirements, or null when it can match no node. */
function compileTerm(term: ParsedTerm, nodes: NodeTableReader): CompiledTerm | null {
  if (term.errors.length > 0) return null;
  const out: CompiledTerm = [];
  for (const r of term.requirements) {
    const c = compileRequirement(r, nodes);
    if (c === false) return null;
    if (c !== true) out.push(c);
  }
  return out;
}

/** ORed terms, without those that can match nothing ([] matches no node). */
export function compileTerms(terms: readonly ParsedTerm[], nodes: NodeTableReader): CompiledTerm[] {
  const out: CompiledTerm[] = [];
  for (const t of terms) {
    const c = compileTerm(t, nodes);
    if (c !== null) out.push(c);
  }
  return out;
}

// --- matching (hot path: no allocation) -------------------------------------------

function contains(sorted: readonly number[], v: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = sorted[mid]!;
    if (x === v) return true;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function matchesTerm(term: CompiledTerm, node: NodeView): boolean {
  for (let i = 0; i < term.length; i++) {
    const r = term[i]!;
    let ok: boolean;
    switch (r.op) {
      case ReqOp.In: {
        const v = node.label(r.key);
        ok = v >= 0 && contains(r.values, v);
        break;
      }
      case ReqOp.NotIn: {
        const v = node.label(r.key);
        ok = v < 0 || !contains(r.values, v);
        break;
      }
      case ReqOp.Exists:
        ok = node.label(r.key) >= 0;
        break;
      case ReqOp.DoesNotExist:
        ok = node.label(r.key) < 0;
        break;
      default:
        ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

export function matchesAnyTerm(terms: readonly CompiledTerm[], node: NodeView): boolean {
  for (let i = 0; i < terms.length; i++) if (matchesTerm(terms[i]!, node)) return true;
  return false;
}
