// A pod's topology spread constraints as the plugin reads them (upstream's
// common.go: filterTopologySpreadConstraints, buildDefaultConstraints):
//   - the pod's own constraints of one whenUnsatisfiable action, or, when the
//     pod declares none, the profile's default constraints;
//   - labelSelector parsed; matchLabelKeys: the pod's values of those keys
//     ANDed into the selector (MatchLabelKeysInPodTopologySpread, on);
//   - minDomains defaults to 1; nodeAffinityPolicy to Honor; nodeTaintsPolicy
//     to Ignore (NodeInclusionPolicyInPodTopologySpread, on).
//
// Default constraints take their selector from the pod's controller. Upstream
// reads the selectors of the Services, ReplicationControllers, ReplicaSets
// and StatefulSets that select the pod (helper.DefaultSelector); Berth has no
// informers for those, so a pod whose controller owner reference is a
// ReplicationController, ReplicaSet or StatefulSet gets "pods with the same
// controller" (the pods that controller's selector adopts), and any other pod
// gets no default constraints (README: Differences from upstream).
import type { Pod, TopologySpreadConstraint } from '../../api/types.ts';
import { HONOR, IGNORE } from './args.ts';
import { controllerSelector, labelSelectorAsSelector, mergeMatchLabels, type PodSelector } from './labels.ts';

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: PodSelector;
  minDomains: number;
  /** "Honor" or "Ignore" (anything else behaves as Ignore, as upstream). */
  nodeAffinityPolicy: string;
  nodeTaintsPolicy: string;
}

/** The owner kinds whose selector upstream's DefaultSelector reads (besides Services). */
const CONTROLLER_KINDS: ReadonlySet<string> = new Set(['v1/ReplicationController', 'apps/v1/ReplicaSet', 'apps/v1/StatefulSet']);

/**
 * The selector of default constraints for this pod: pods with the same
 * ReplicationController, ReplicaSet or StatefulSet controller; undefined
 * (no default constraints) for any other pod.
 */
export function defaultSelector(pod: Pod): PodSelector | undefined {
  const refs = pod.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  const owner = refs.find((r) => r?.controller === true);
  if (owner === undefined || !owner.uid) return undefined;
  return CONTROLLER_KINDS.has(`${owner.apiVersion ?? ''}/${owner.kind ?? ''}`) ? controllerSelector(owner.uid) : undefined;
}

/** filterTopologySpreadConstraints: the constraints of one action, parsed. */
export function filterConstraints(
  constraints: readonly TopologySpreadConstraint[],
  podLabels: Readonly<Record<string, string>>,
  action: string,
): { constraints: Constraint[]; error?: undefined } | { constraints?: undefined; error: string } {
  const out: Constraint[] = [];
  for (const c of constraints) {
    if (c?.whenUnsatisfiable !== action) continue;
    const parsed = labelSelectorAsSelector(c.labelSelector);
    if (parsed.error !== undefined) return { error: parsed.error };
    let selector = parsed.selector;
    if (Array.isArray(c.matchLabelKeys) && c.matchLabelKeys.length > 0) {
      const matchLabels: Record<string, string> = {};
      let any = false;
      for (const key of c.matchLabelKeys) {
        if (typeof key === 'string' && Object.hasOwn(podLabels, key)) {
          matchLabels[key] = podLabels[key]!;
          any = true;
        }
      }
      if (any) selector = mergeMatchLabels(matchLabels, selector);
    }
    out.push({
      maxSkew: typeof c.maxSkew === 'number' ? c.maxSkew : 0,
      topologyKey: typeof c.topologyKey === 'string' ? c.topologyKey : '',
      selector,
      minDomains: typeof c.minDomains === 'number' ? c.minDomains : 1,
      nodeAffinityPolicy: typeof c.nodeAffinityPolicy === 'string' ? c.nodeAffinityPolicy : HONOR,
      nodeTaintsPolicy: typeof c.nodeTaintsPolicy === 'string' ? c.nodeTaintsPolicy : IGNORE,
    });
  }
  return { constraints: out };
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * getConstraints (PreFilter, action DoNotSchedule) and initPreScoreState's
 * choice (PreScore, ScheduleAnyway): the pod's own constraints when it has
 * any, else the defaults with the pod's default selector. The error text is
 * upstream's, without the caller's prefix.
 */
export function podConstraints(
  pod: Pod,
  defaults: readonly TopologySpreadConstraint[],
  action: string,
): { constraints: Constraint[]; error?: undefined } | { constraints?: undefined; error: string } {
  const labels = pod.metadata?.labels ?? NO_LABELS;
  const own = pod.spec?.topologySpreadConstraints;
  const hard = action !== 'ScheduleAnyway';
  if (Array.isArray(own) && own.length > 0) {
    const r = filterConstraints(own, labels, action);
    return r.error === undefined ? r : { error: `obtaining pod's ${hard ? 'hard' : 'soft'} topology spread constraints: ${r.error}` };
  }
  if (defaults.length === 0) return { constraints: [] };
  // Most pods have no controller, hence no default constraints: no parse for them.
  const selector = defaultSelector(pod);
  if (selector === undefined) return { constraints: [] };
  const r = filterConstraints(defaults, labels, action);
  if (r.error !== undefined) return { error: `setting default ${hard ? 'hard' : 'soft'} topology spread constraints: ${r.error}` };
  if (r.constraints.length === 0) return r;
  for (const c of r.constraints) c.selector = selector;
  return r;
}
