// Which nodes a constraint counts (upstream's matchNodeInclusionPolicies):
//   nodeAffinityPolicy Honor  the node must match the incoming pod's
//                             spec.nodeSelector and required node affinity
//                             (nodeaffinity.GetRequiredNodeAffinity; terms
//                             that do not parse match nothing, errors ignored);
//   nodeTaintsPolicy Honor    the pod must tolerate the node's NoSchedule and
//                             NoExecute taints (the TaintTolerationComparison-
//                             Operators gate off: Lt/Gt tolerate nothing).
//
// Both are compiled once per cycle into interned ids of the snapshot, as
// plain data: matching a node is integer compares on its NodeView, so
// PreFilter/PreScore (every node) and AddPod/RemovePod (no interner at hand)
// share it. A key or value no node carries (lookup → -1) can match nothing.
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod, Toleration } from '../../api/types.ts';
import { TaintEffect, type NodeTableReader, type NodeView } from '../../framework/node-view.ts';
import { labelValueErrors, qualifiedNameErrors } from './labels.ts';

/** Requirement operators after compilation. */
export const Op = {
  /** The label is present and its value is one of `values`. */
  In: 0,
  /** The label is absent, or its value is not one of `values`. */
  NotIn: 1,
  Exists: 2,
  DoesNotExist: 3,
  /** matchFields metadata.name In / NotIn (values: name ids). */
  NameIn: 4,
  NameNotIn: 5,
  /** A field requirement that holds or fails whatever the node (another field reads as ""). */
  Always: 6,
  Never: 7,
} as const;

export interface CompiledRequirement {
  op: number;
  /** Interned label key (-1: no node has it). */
  key: number;
  /** Interned values; strings no node carries are dropped. */
  values: number[];
}

export interface CompiledNodeAffinity {
  /** spec.nodeSelector as [key, value, key, value, …] ids, ANDed. */
  selector: number[];
  /** Required terms, ORed; each term's requirements ANDed. null: the pod has no required node affinity. */
  terms: CompiledRequirement[][] | null;
  /** The nodeSelector names a key or value no node carries. */
  impossible: boolean;
}

/** Plain data; ANY matches every key (empty key) or every value (Exists). */
export interface CompiledToleration {
  key: number;
  value: number;
  /** TaintEffect code, or 0 for every effect. */
  effect: number;
}

export const ANY = -2;

const OPS: Readonly<Record<string, number>> = { In: Op.In, NotIn: Op.NotIn, Exists: Op.Exists, DoesNotExist: Op.DoesNotExist };
const INT64_TEXT = /^[+-]?\d+$/;

function stringList(values: unknown): string[] | undefined {
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) return undefined;
  return values;
}

/** labels.NewRequirement on a node selector requirement; undefined when it does not parse. */
function compileLabelRequirement(req: NodeSelectorRequirement, nodes: NodeTableReader): CompiledRequirement | undefined {
  const key = typeof req?.key === 'string' ? req.key : '';
  const values = stringList(req?.values);
  if (values === undefined || qualifiedNameErrors(key).length > 0) return undefined;
  if (values.some((v) => labelValueErrors(v).length > 0)) return undefined;
  const interner = nodes.interner;
  const keyId = interner.lookup(key);
  const operator = req.operator;
  if (operator === 'Gt' || operator === 'Lt') {
    if (values.length !== 1 || !INT64_TEXT.test(values[0]!)) return undefined;
    const bound = Number.parseInt(values[0]!, 10);
    // The node view holds ids: Gt/Lt become In over the integer values the nodes carry.
    const set = new Set<number>();
    if (keyId >= 0 && nodes.size > 0) {
      const view = nodes.view(0);
      for (let i = 0; i < nodes.size; i++) {
        const v = view.at(i).label(keyId);
        if (v < 0 || set.has(v)) continue;
        const n = interner.integer(v);
        if (operator === 'Gt' ? n > bound : n < bound) set.add(v);
      }
    }
    return { op: Op.In, key: keyId, values: [...set] };
  }
  const op = OPS[operator];
  if (op === undefined) return undefined;
  if ((op === Op.In || op === Op.NotIn) && values.length === 0) return undefined;
  if ((op === Op.Exists || op === Op.DoesNotExist) && values.length !== 0) return undefined;
  const ids = values.map((v) => interner.lookup(v)).filter((id) => id >= 0);
  return { op, key: keyId, values: ids };
}

/** fields.OneTermEqualSelector / OneTermNotEqualSelector over {metadata.name}. */
function compileFieldRequirement(req: NodeSelectorRequirement, nodes: NodeTableReader): CompiledRequirement | undefined {
  const values = stringList(req?.values);
  if (values === undefined || values.length !== 1) return undefined;
  const operator = req.operator;
  if (operator !== 'In' && operator !== 'NotIn') return undefined;
  const value = values[0]!;
  if (req.key !== 'metadata.name') {
    // fields.Set.Get of any other field is "".
    return { op: (value === '') === (operator === 'In') ? Op.Always : Op.Never, key: -1, values: [] };
  }
  const id = nodes.interner.lookup(value);
  return { op: operator === 'In' ? Op.NameIn : Op.NameNotIn, key: -1, values: id >= 0 ? [id] : [] };
}

/** One term; null when it matches no node (empty, or a requirement that does not parse). */
function compileTerm(term: NodeSelectorTerm, nodes: NodeTableReader): CompiledRequirement[] | null {
  const exprs = Array.isArray(term?.matchExpressions) ? term.matchExpressions : [];
  const fields = Array.isArray(term?.matchFields) ? term.matchFields : [];
  if (exprs.length === 0 && fields.length === 0) return null;
  const out: CompiledRequirement[] = [];
  for (const r of exprs) {
    const c = compileLabelRequirement(r, nodes);
    if (c === undefined) return null;
    out.push(c);
  }
  for (const r of fields) {
    const c = compileFieldRequirement(r, nodes);
    if (c === undefined) return null;
    out.push(c);
  }
  return out;
}

/** nodeaffinity.GetRequiredNodeAffinity(pod), compiled. */
export function compileRequiredNodeAffinity(pod: Pod, nodes: NodeTableReader): CompiledNodeAffinity {
  const spec = pod.spec ?? {};
  const selector: number[] = [];
  let impossible = false;
  const nodeSelector = spec.nodeSelector;
  if (nodeSelector !== null && typeof nodeSelector === 'object') {
    for (const key of Object.keys(nodeSelector)) {
      const k = nodes.interner.lookup(key);
      const v = nodes.interner.lookup(String(nodeSelector[key]));
      if (k < 0 || v < 0) impossible = true;
      selector.push(k, v);
    }
  }
  let terms: CompiledRequirement[][] | null = null;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required !== undefined && required !== null) {
    terms = [];
    for (const t of Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : []) {
      const c = compileTerm(t, nodes);
      if (c !== null) terms.push(c);
    }
  }
  return { selector, terms, impossible };
}

function has(values: readonly number[], v: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] === v) return true;
  return false;
}

function requirementMatches(r: CompiledRequirement, node: NodeView): boolean {
  switch (r.op) {
    case Op.In: {
      const v = r.key < 0 ? -1 : node.label(r.key);
      return v >= 0 && has(r.values, v);
    }
    case Op.NotIn: {
      const v = r.key < 0 ? -1 : node.label(r.key);
      return v < 0 || !has(r.values, v);
    }
    case Op.Exists:
      return r.key >= 0 && node.label(r.key) >= 0;
    case Op.DoesNotExist:
      return r.key < 0 || node.label(r.key) < 0;
    case Op.NameIn:
      return has(r.values, node.nameId());
    case Op.NameNotIn:
      return !has(r.values, node.nameId());
    case Op.Always:
      return true;
    default:
      return false;
  }
}

/** RequiredNodeAffinity.Match, parse errors ignored. */
export function matchesNodeAffinity(a: CompiledNodeAffinity, node: NodeView): boolean {
  if (a.impossible) return false;
  const sel = a.selector;
  for (let i = 0; i < sel.length; i += 2) if (node.label(sel[i]!) !== sel[i + 1]) return false;
  const terms = a.terms;
  if (terms === null) return true;
  for (let t = 0; t < terms.length; t++) {
    const reqs = terms[t]!;
    let ok = true;
    for (let i = 0; i < reqs.length && ok; i++) ok = requirementMatches(reqs[i]!, node);
    if (ok) return true;
  }
  return false;
}

const EFFECTS: Readonly<Record<string, number>> = TaintEffect;

/** The pod's tolerations that can tolerate some NoSchedule/NoExecute taint of the snapshot, as ids. */
export function compileTolerations(tolerations: readonly Toleration[] | undefined, nodes: NodeTableReader): CompiledToleration[] {
  const out: CompiledToleration[] = [];
  if (!Array.isArray(tolerations)) return out;
  const interner = nodes.interner;
  for (const t of tolerations as readonly Toleration[]) {
    if (t === null || typeof t !== 'object') continue;
    const effectName = t.effect ?? '';
    const effect = effectName === '' ? 0 : (EFFECTS[effectName] ?? -1);
    if (effect < 0 || effect === TaintEffect.PreferNoSchedule) continue;
    const keyName = t.key ?? '';
    const key = keyName === '' ? ANY : interner.lookup(keyName);
    if (key === -1) continue;
    const operator = t.operator ?? '';
    let value: number;
    if (operator === '' || operator === 'Equal') {
      value = interner.lookup(t.value ?? '');
      if (value === -1) continue;
    } else if (operator === 'Exists') {
      value = ANY;
    } else {
      continue;
    }
    out.push({ key, value, effect });
  }
  return out;
}

/** v1helper.FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc: true when some such taint is not tolerated. */
export function hasUntoleratedTaint(tolerations: readonly CompiledToleration[], node: NodeView): boolean {
  const n = node.taintCount();
  for (let i = 0; i < n; i++) {
    const effect = node.taintEffectAt(i);
    if (effect !== TaintEffect.NoSchedule && effect !== TaintEffect.NoExecute) continue;
    const key = node.taintKeyAt(i);
    const value = node.taintValueAt(i);
    let tolerated = false;
    for (let j = 0; j < tolerations.length && !tolerated; j++) {
      const t = tolerations[j]!;
      tolerated = (t.effect === 0 || t.effect === effect) && (t.key === ANY || t.key === key) && (t.value === ANY || t.value === value);
    }
    if (!tolerated) return true;
  }
  return false;
}
