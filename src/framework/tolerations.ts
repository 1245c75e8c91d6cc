// Toleration matching, as upstream's v1.Toleration.ToleratesTaint
// (k8s.io/api/core/v1/toleration.go) with the TaintTolerationComparisonOperators
// gate off (alpha, off by default):
//   1. an empty effect matches every effect, else the effects must be equal;
//   2. an empty key matches every key, else the keys must be equal;
//   3. operator "" or Equal: the values must be equal (an absent value is "");
//      Exists: any value; anything else (Lt/Gt included) tolerates nothing.
//
// A toleration that is not an object tolerates nothing; a list that is not an
// array holds none.
//
// compileTolerations turns a pod's tolerations into interned ids once per
// cycle; a toleration naming a key, value or effect no node carries can
// tolerate nothing and is dropped. Matching compiled tolerations against a
// node's taints is integer compares (no allocation).
import type { Taint, Toleration } from '../api/types.ts';
import { TaintEffect, type Interner, type NodeView } from './node-view.ts';

/** Matches every key (empty key) or every value (Exists). */
export const ANY = -2;

/** Plain data (structured-cloneable) so a worker thread can run it. */
export interface CompiledToleration {
  /** Interned key, or ANY. */
  key: number;
  /** Interned value, or ANY (operator Exists). */
  value: number;
  /** TaintEffect code, or 0 for every effect. */
  effect: number;
}

const effects: Readonly<Record<string, number>> = TaintEffect;

/** Upstream's ToleratesTaint on API objects (strings). */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t === null || typeof t !== 'object') return false;
  const effect = t.effect ?? '';
  if (effect !== '' && effect !== taint.effect) return false;
  const key = t.key ?? '';
  if (key !== '' && key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Upstream's TolerationsTolerateTaint (no allocation). */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!Array.isArray(tolerations)) return false;
  const list = tolerations as readonly Toleration[];
  for (let i = 0; i < list.length; i++) if (toleratesTaint(list[i]!, taint)) return true;
  return false;
}

/**
 * The tolerations that can tolerate some taint of this snapshot, as ids.
 * `forEffect` keeps only tolerations that can match taints of that effect.
 */
export function compileTolerations(
  tolerations: readonly Toleration[] | undefined,
  interner: Interner,
  forEffect = 0,
): CompiledToleration[] {
  const out: CompiledToleration[] = [];
  if (!Array.isArray(tolerations)) return out;
  for (const t of tolerations as readonly Toleration[]) {
    if (t === null || typeof t !== 'object') continue;
    const effectName = t.effect ?? '';
    const effect = effectName === '' ? 0 : (effects[effectName] ?? -1);
    if (effect < 0 || (forEffect !== 0 && effect !== 0 && effect !== forEffect)) continue;
    const keyName = t.key ?? '';
    const key = keyName === '' ? ANY : interner.lookup(keyName);
    if (key === -1) continue;
    let value: number;
    const operator = t.operator ?? '';
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

/** Whether any compiled toleration tolerates the taint (key, value ids and effect code). */
export function tolerated(tolerations: readonly CompiledToleration[], key: number, value: number, effect: number): boolean {
  for (let i = 0; i < tolerations.length; i++) {
    const t = tolerations[i]!;
    if ((t.effect === 0 || t.effect === effect) && (t.key === ANY || t.key === key) && (t.value === ANY || t.value === value)) {
      return true;
    }
  }
  return false;
}

/**
 * v1helper.FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc:
 * whether some NoSchedule or NoExecute taint of the node is not tolerated.
 */
export function hasUntoleratedTaint(tolerations: readonly CompiledToleration[], node: NodeView): boolean {
  const n = node.taintCount();
  for (let i = 0; i < n; i++) {
    const effect = node.taintEffectAt(i);
    if (effect !== TaintEffect.NoSchedule && effect !== TaintEffect.NoExecute) continue;
    if (!tolerated(tolerations, node.taintKeyAt(i), node.taintValueAt(i), effect)) return true;
  }
  return false;
}
