// Node selector terms (pods' node affinity, PersistentVolumes' node
// affinity, NodeAffinityArgs), as upstream reads them
// (k8s.io/component-helpers/scheduling/corev1/nodeaffinity, apimachinery's
// labels.NewRequirement and fields selectors), in three steps:
//
//   parse   (once per pod, PV or args): strings, validated the way upstream
//           validates them; a term with a parse error matches no node.
//   compile (once per cycle, in PreFilter/PreScore): strings → interned ids
//           of the snapshot, so Filter and Score compare integers only and
//           allocate nothing. A key or value no node carries (lookup → -1)
//           can match nothing, and terms that can never match are dropped.
//   match   (Filter/Score, per node; no allocation).
//
// Matching rules (upstream's):
//   In            label present and its value in the set
//   NotIn         label absent, or its value not in the set
//   Exists        label present
//   DoesNotExist  label absent
//   Gt / Lt       label present, its value an integer, greater / less than the bound
//   matchFields   only metadata.name (In / NotIn, exactly one value); any
//                 other field reads as "" (upstream's fields.Set.Get). With
//                 CompileContext.labelsOnly every field reads as "",
//                 metadata.name included: a PV's affinity is checked against
//                 a node built from the node's labels only
//                 (component-helpers/storage/volume CheckNodeAffinity), so
//                 `metadata.name In [node-a]` matches no node there.
// Requirements in a term are ANDed; terms are ORed; a term with neither
// matchExpressions nor matchFields matches nothing; `nodeSelectorTerms: []`
// matches nothing.
//
// Error texts keep Berth's rendering (framework/field-errors.ts: lists as
// JSON, value paths without upstream's [key] suffix).
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../api/types.ts';
import { invalid, notSupported } from './field-errors.ts';
import { labelValueErrors, qualifiedNameErrors } from './label-syntax.ts';
import type { NodeTableReader, NodeView } from './node-view.ts';

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
export const OBJECT_NAME_FIELD = 'metadata.name';

const INT64_TEXT = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64); undefined when it would fail. */
export function parseInt64(s: string): number | undefined {
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
export function parseTerm(term: NodeSelectorTerm, path: string): ParsedTerm {
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
    if (isEmptyTerm(term)) return;
    parsed.push(parseTerm(term, `${path}[${i}]`));
  });
  return parsed;
}

export interface ParsedPreferredTerm extends ParsedTerm {
  weight: number;
}

/** NewPreferredSchedulingTerms: weight 0 and empty terms skipped; errors reported. */
export function parsePreferredTerms(
  terms: readonly { weight: number; preference: NodeSelectorTerm }[] | undefined,
  path: string,
): ParsedPreferredTerm[] {
  const parsed: ParsedPreferredTerm[] = [];
  list(terms).forEach((term, i) => {
    if (!term || term.weight === 0 || isEmptyTerm(term.preference)) return;
    const at = `${path}[${i}]`;
    const weight = term.weight;
    const p = parseTerm(term.preference, at);
    if (typeof weight !== 'number' || !Number.isInteger(weight)) p.errors.push(invalid(`${at}.weight`, weight, 'must be an integer'));
    parsed.push({ ...p, weight });
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
  /** node name id === values[0] */
  NameIs: 4,
  /** node name id !== values[0] */
  NameIsNot: 5,
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

export interface CompileContext {
  readonly nodes: NodeTableReader;
  /** The rows Gt/Lt bounds are resolved against (PreScore: the feasible nodes); all rows when absent. */
  readonly rows?: Int32Array;
  /** Match against the node's labels only: every field, metadata.name included, reads as "" (a PV's affinity). */
  readonly labelsOnly?: boolean;
}

function ids(ctx: CompileContext, values: readonly string[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    const id = ctx.nodes.interner.lookup(v);
    if (id >= 0 && !out.includes(id)) out.push(id);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Gt/Lt as an In over the label values the candidate nodes carry: the node
 * view holds interned ids only, so the integer comparison happens here, once
 * per distinct value, through the interner.
 */
function numericValueIds(ctx: CompileContext, key: number, gt: boolean, bound: number): number[] {
  const { nodes } = ctx;
  const rows = ctx.rows;
  const count = rows ? rows.length : nodes.size;
  if (count === 0) return [];
  const seen = new Set<number>();
  const accepted: number[] = [];
  const view = nodes.view(rows ? rows[0]! : 0);
  for (let i = 0; i < count; i++) {
    const v = view.at(rows ? rows[i]! : i).label(key);
    if (v < 0 || seen.has(v)) continue;
    seen.add(v);
    const n = nodes.interner.integer(v);
    if (gt ? n > bound : n < bound) accepted.push(v);
  }
  return accepted.sort((a, b) => a - b);
}

/** One requirement; `true` when it holds on every node, `false` when on none. */
function compileRequirement(r: ParsedRequirement, ctx: CompileContext): CompiledRequirement | boolean {
  if (r.field) {
    if (ctx.labelsOnly === true || r.key !== OBJECT_NAME_FIELD) {
      // fields.Set.Get of an absent field is "".
      const equal = r.values[0] === '';
      return r.operator === 'In' ? equal : !equal;
    }
    const id = ctx.nodes.interner.lookup(r.values[0]!);
    if (id < 0) return r.operator === 'NotIn';
    return { op: r.operator === 'In' ? ReqOp.NameIs : ReqOp.NameIsNot, key: -1, values: [id] };
  }
  const key = ctx.nodes.interner.lookup(r.key);
  switch (r.operator) {
    case 'In': {
      const values = key < 0 ? [] : ids(ctx, r.values);
      return values.length === 0 ? false : { op: ReqOp.In, key, values };
    }
    case 'NotIn': {
      const values = key < 0 ? [] : ids(ctx, r.values);
      return values.length === 0 ? true : { op: ReqOp.NotIn, key, values };
    }
    case 'Exists':
      return key < 0 ? false : { op: ReqOp.Exists, key, values: [] };
    case 'DoesNotExist':
      return key < 0 ? true : { op: ReqOp.DoesNotExist, key, values: [] };
    case 'Gt':
    case 'Lt': {
      if (key < 0) return false;
      const values = numericValueIds(ctx, key, r.operator === 'Gt', r.bound);
      return values.length === 0 ? false : { op: ReqOp.In, key, values };
    }
  }
}

/** A parsed term → its compiled requirements, or null when it can match no node. */
export function compileTerm(term: ParsedTerm, ctx: CompileContext): CompiledTerm | null {
  if (term.errors.length > 0) return null;
  const out: CompiledTerm = [];
  for (const r of term.requirements) {
    const c = compileRequirement(r, ctx);
    if (c === false) return null;
    if (c !== true) out.push(c);
  }
  return out;
}

/** ORed terms, without those that can match nothing ([] matches no node). */
export function compileTerms(terms: readonly ParsedTerm[], ctx: CompileContext): CompiledTerm[] {
  const out: CompiledTerm[] = [];
  for (const t of terms) {
    const c = compileTerm(t, ctx);
    if (c !== null) out.push(c);
  }
  return out;
}

/** spec.nodeSelector (labels.SelectorFromSet: each key equals its value); null when no node can match. */
export function compileNodeSelector(selector: Readonly<Record<string, string>>, ctx: CompileContext): CompiledTerm | null {
  const out: CompiledTerm = [];
  for (const k of Object.keys(selector)) {
    const key = ctx.nodes.interner.lookup(k);
    const value = ctx.nodes.interner.lookup(String(selector[k]));
    if (key < 0 || value < 0) return null;
    out.push({ op: ReqOp.In, key, values: [value] });
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

export function matchesTerm(term: CompiledTerm, node: NodeView): boolean {
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
      case ReqOp.NameIs:
        ok = node.nameId() === r.values[0];
        break;
      case ReqOp.NameIsNot:
        ok = node.nameId() !== r.values[0];
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
