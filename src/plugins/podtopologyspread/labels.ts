// Label selectors on pods, in the forms the plugin needs, as plain data (a
// worker thread may receive them); parsing and matching are
// framework/label-selector.ts (metav1.LabelSelectorAsSelector,
// labels.Requirement):
//
//   Nothing      a nil labelSelector: matches no pod.
//   Everything   an empty labelSelector ({}): matches every pod, but counts
//                no existing pod (upstream's countPodsMatchSelector returns 0
//                for an empty selector; the incoming pod still matches itself).
//   Labels       ANDed requirements (In, NotIn, Exists, DoesNotExist).
//   Controller   Berth's stand-in for the selector of the pod's controller
//                (README: default constraints): pods whose controller owner
//                reference has this UID.
import type { LabelSelector, Pod } from '../../api/types.ts';
import { LabelOp, parseLabelSelector, selectorMatches as requirementsMatch, type LabelRequirement } from '../../framework/label-selector.ts';

export const SelectorKind = { Nothing: 0, Everything: 1, Labels: 2, Controller: 3 } as const;
export type SelectorKind = (typeof SelectorKind)[keyof typeof SelectorKind];

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

// --- parsing ---------------------------------------------------------------------

/**
 * metav1.LabelSelectorAsSelector: nil → Nothing; no requirements →
 * Everything; otherwise the ANDed requirements. An invalid selector is an
 * error (upstream fails the cycle with it), in this plugin's wording (bad
 * values as JSON, value paths without [key]).
 */
export function labelSelectorAsSelector(ls: LabelSelector | null | undefined): { selector: PodSelector; error?: undefined } | { selector?: undefined; error: string } {
  const parsed = parseLabelSelector(ls, [], { jsonValues: true });
  if (parsed.error !== undefined) return { error: parsed.error };
  return { selector: parsed.selector === null ? NOTHING : labelsSelector(parsed.selector) };
}

/**
 * mergeLabelSetWithSelector: the pod's values of matchLabelKeys, ANDed with
 * the selector. Nothing stays Nothing (it has no requirements to merge into).
 */
export function mergeMatchLabels(matchLabels: Readonly<Record<string, string>>, s: PodSelector): PodSelector {
  if (s.kind === SelectorKind.Nothing || s.kind === SelectorKind.Controller) return s;
  const merged: LabelRequirement[] = Object.keys(matchLabels).map((key) => ({ key, op: LabelOp.In, values: [matchLabels[key]!] }));
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
    default:
      return requirementsMatch(s.requirements, pod.metadata?.labels ?? NO_LABELS);
  }
}

/** selector.Empty(): only Everything. */
export function selectorEmpty(s: PodSelector): boolean {
  return s.kind === SelectorKind.Everything;
}
