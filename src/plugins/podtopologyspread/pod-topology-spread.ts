// PodTopologySpread: spread matching pods evenly over topology domains
// (zones, hosts, …), as upstream's pkg/scheduler/framework/plugins/podtopologyspread
// (v1.36, NodeInclusionPolicy and MatchLabelKeys on, queueing hints off).
//
//   PreFilter  the pod's DoNotSchedule constraints (or the profile's default
//              ones); matching pods per domain of the eligible nodes, read
//              from the lister's pod index (which keeps them as pods come and
//              go), and upstream's two critical paths, as plain data in
//              CycleState; Skip without constraints.
//   Filter     per node: missing topology label → UnschedulableAndUnresolvable;
//              matchNum + selfMatch − globalMin > maxSkew → Unschedulable,
//              where globalMin is 0 while fewer than minDomains domains exist.
//              Integer work only; rejections are shared constants.
//   AddPod /   preemption's what-if: the count of the pod's domain ± 1,
//   RemovePod  on a copy of the state (CycleState.clone shares values).
//   PreScore   the ScheduleAnyway constraints: counts per domain over all
//              nodes (pod index), per-node counts for kubernetes.io/hostname,
//              weights ln(domains + 2); Skip without constraints.
//   Score      Σ count·weight + (maxSkew − 1), rounded; fewer is better.
//   Normalize  100·(max + min − s)/max; nodes lacking a key score 0.
import type { TopologySpreadConstraint } from '../../api/types.ts';
import { podIndexOf, type NodeFilter, type PodQuery } from '../../framework/cluster-lister.ts';
import type { CycleState } from '../../framework/cycle-state.ts';
import {
  MAX_NODE_SCORE,
  type ClusterEvent,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PodInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type SignPlugin,
} from '../../framework/interfaces.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { compileTolerations, hasUntoleratedTaint, type CompiledToleration } from '../../framework/tolerations.ts';
import {
  DO_NOT_SCHEDULE,
  DefaultingType,
  HONOR,
  LABEL_HOSTNAME,
  SCHEDULE_ANYWAY,
  defaultPodTopologySpreadArgs,
  parsePodTopologySpreadArgs,
  systemDefaultConstraints,
  validatePodTopologySpreadArgs,
  type PodTopologySpreadArgs,
} from './args.ts';
import { signJSON } from '../../framework/sign.ts';
import { defaultSelector, podConstraints, type Constraint } from './constraints.ts';
import { SelectorKind, selectorMatches, type PodSelector } from './labels.ts';
import { compileRequiredNodeAffinity, matchesNodeAffinity, type CompiledNodeAffinity } from './node-inclusion.ts';
import {
  criticalPathsOf,
  insertionPoint,
  search,
  toSortedArrays,
  updateCriticalPaths,
  type FilterConstraint,
  type PreFilterState,
  type PreScoreState,
  type ScoreConstraint,
} from './state.ts';

export const name = 'PodTopologySpread';

/** Upstream's reasons, word for word. */
export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch = `${ErrReasonConstraintsNotMatch} (missing required label)`;

export const preFilterStateKey = `PreFilter${name}`;
export const preScoreStateKey = `PreScore${name}`;

export const defaultArgs: PodTopologySpreadArgs = defaultPodTopologySpreadArgs;
export const validateArgs = validatePodTopologySpreadArgs;

const rejectConstraints = new Status(Code.Unschedulable, [ErrReasonConstraintsNotMatch], name);
const rejectMissingLabel = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonNodeLabelNotMatch], name);
const skip = new Status(Code.Skip, [], name);
const preFilterStateMissing = `reading "${preFilterStateKey}" from cycleState: not found`;

type Parsed = { constraints: Constraint[]; error?: undefined } | { constraints?: undefined; error: string };

const queries = new WeakMap<PodSelector, PodQuery>();

/**
 * countPodsMatchSelector as a pod index query: matching pods of the
 * namespace, terminating ones left out (kubernetes#87621); an empty or nil
 * selector counts none.
 */
function countQuery(selector: PodSelector, namespace: string): PodQuery {
  let q = queries.get(selector);
  if (q === undefined || q.namespace !== namespace) {
    const counted = selector.kind === SelectorKind.Labels || selector.kind === SelectorKind.Controller;
    q = {
      namespace,
      selector: !counted ? null : selector.kind === SelectorKind.Labels ? selector.requirements : [],
      ...(selector.kind === SelectorKind.Controller ? { controllerUid: selector.controllerUid } : {}),
      skipTerminating: true,
    };
    queries.set(selector, q);
  }
  return q;
}

/** nodeLabelsMatchSpreadConstraints, on interned keys. */
function hasAllKeys(keyIds: readonly number[], node: NodeView): boolean {
  for (let i = 0; i < keyIds.length; i++) if (keyIds[i]! < 0 || node.label(keyIds[i]!) < 0) return false;
  return true;
}

/**
 * The nodes a constraint counts pods on: those with every topology key (when
 * `requireAll`), then matchNodeInclusionPolicies (affinity / tolerations
 * given when the policy is Honor).
 */
function countedNodes(
  keyIds: readonly number[],
  requireAll: boolean,
  affinity: CompiledNodeAffinity | null,
  tolerations: readonly CompiledToleration[] | null,
): NodeFilter {
  return {
    key: JSON.stringify([name, requireAll ? keyIds : null, affinity, tolerations]),
    includes: (node) =>
      (!requireAll || hasAllKeys(keyIds, node)) &&
      (affinity === null || matchesNodeAffinity(affinity, node)) &&
      (tolerations === null || !hasUntoleratedTaint(tolerations, node)),
  };
}

export class PodTopologySpreadPlugin {
  readonly name = name;
  private readonly handle: Handle;
  private readonly defaults: readonly TopologySpreadConstraint[];
  /** defaultingType System: PreScore then spreads nodes that lack the zone label too. */
  private readonly systemDefaulted: boolean;
  /** A PodInfo is immutable: its constraints are parsed once per action, however often it is retried. */
  private readonly parsed = new WeakMap<PodInfo, { hard?: Parsed; soft?: Parsed }>();

  constructor(args: PodTopologySpreadArgs, handle: Handle) {
    this.handle = handle;
    this.systemDefaulted = args.defaultingType === DefaultingType.System;
    this.defaults = this.systemDefaulted ? systemDefaultConstraints : args.defaultConstraints;
  }

  private constraints(pod: PodInfo, action: typeof DO_NOT_SCHEDULE | typeof SCHEDULE_ANYWAY): Parsed {
    let entry = this.parsed.get(pod);
    if (entry === undefined) {
      entry = {};
      this.parsed.set(pod, entry);
    }
    const slot = action === DO_NOT_SCHEDULE ? 'hard' : 'soft';
    return (entry[slot] ??= podConstraints(pod.pod, this.defaults, action));
  }

  // --- filtering ---------------------------------------------------------------

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    const parsed = this.constraints(pod, DO_NOT_SCHEDULE);
    if (parsed.error !== undefined) return { status: Status.error(`get constraints from pod: ${parsed.error}`) };
    if (parsed.constraints.length === 0) return { status: skip };
    state.write(preFilterStateKey, this.preFilterState(pod, parsed.constraints, nodes));
    return { status: null };
  }

  /** calPreFilterState: per constraint, the matching pods per domain of the nodes it counts (pod index). */
  private preFilterState(pod: PodInfo, constraints: readonly Constraint[], nodes: NodeTableReader): PreFilterState {
    const keyIds = constraints.map((c) => nodes.interner.lookup(c.topologyKey));
    const honorAffinity = constraints.map((c) => c.nodeAffinityPolicy === HONOR);
    const honorTaints = constraints.map((c) => c.nodeTaintsPolicy === HONOR);
    const affinity = compileRequiredNodeAffinity(pod.pod, nodes);
    const tolerations = compileTolerations(pod.pod.spec?.tolerations, nodes.interner);
    const domains = constraints.map(() => ({ keys: [] as number[], counts: [] as number[] }));

    if (nodes.size > 0 && keyIds.every((k) => k >= 0)) {
      const index = podIndexOf(this.handle.lister, nodes);
      for (let j = 0; j < constraints.length; j++) {
        // A node counts only if it has every constraint's topology key.
        const counted = countedNodes(keyIds, true, honorAffinity[j] ? affinity : null, honorTaints[j] ? tolerations : null);
        const d = index.select(countQuery(constraints[j]!.selector, pod.namespace)).domainCounts({ keyId: keyIds[j]!, nodes: counted });
        // Kept as they are: the index never changes arrays it handed out, nor does this plugin
        // (AddPod/RemovePod copy them).
        domains[j] = { keys: d.values as number[], counts: d.counts as number[] };
      }
    }

    const out: FilterConstraint[] = constraints.map((c, j) => {
      const { keys, counts } = domains[j]!;
      return {
        keyId: keyIds[j]!,
        maxSkew: c.maxSkew,
        minDomains: c.minDomains,
        selfMatch: selectorMatches(c.selector, pod.pod) ? 1 : 0,
        honorAffinity: honorAffinity[j]!,
        honorTaints: honorTaints[j]!,
        selector: c.selector,
        domains: keys,
        counts,
        // Values are distinct, so one pass gives what updateCriticalPaths over each would.
        paths: criticalPathsOf(keys, counts),
      };
    });
    return { namespace: pod.namespace, constraints: out, affinity, tolerations };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return Status.error(preFilterStateMissing);
    const cs = s.constraints;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const value = c.keyId < 0 ? -1 : node.label(c.keyId);
      if (value < 0) return rejectMissingLabel;
      // minMatchNum: with fewer eligible domains than minDomains the global minimum is 0.
      const minMatchNum = c.domains.length < c.minDomains ? 0 : c.paths[1]!;
      const at = search(c.domains, value);
      const matchNum = at < 0 ? 0 : c.counts[at]!;
      if (matchNum + c.selfMatch - minMatchNum > c.maxSkew) return rejectConstraints;
    }
    return null;
  }

  addPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeView): Result {
    return this.updateWithPod(state, pod, podToAdd, node, 1);
  }

  removePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeView): Result {
    return this.updateWithPod(state, pod, podToRemove, node, -1);
  }

  /** updateWithPod, copy-on-write: the state may be shared with the CycleState it was cloned from. */
  private updateWithPod(state: CycleState, preemptor: PodInfo, updated: PodInfo, node: NodeView, delta: number): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return Status.error(preFilterStateMissing);
    if (updated.namespace !== preemptor.namespace) return null;
    const cs = s.constraints;
    for (let i = 0; i < cs.length; i++) if (cs[i]!.keyId < 0 || node.label(cs[i]!.keyId) < 0) return null;
    let next: FilterConstraint[] | undefined;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (!selectorMatches(c.selector, updated.pod)) continue;
      if (c.honorAffinity && !matchesNodeAffinity(s.affinity, node)) continue;
      if (c.honorTaints && hasUntoleratedTaint(s.tolerations, node)) continue;
      const value = node.label(c.keyId);
      let domains = c.domains;
      const counts = c.counts.slice();
      let at = search(domains, value);
      if (at < 0) {
        at = insertionPoint(domains, value);
        domains = domains.slice();
        domains.splice(at, 0, value);
        counts.splice(at, 0, 0);
      }
      counts[at] = counts[at]! + delta;
      const paths = c.paths.slice();
      updateCriticalPaths(paths, value, counts[at]!);
      next ??= cs.slice();
      next[i] = { ...c, domains, counts, paths };
    }
    if (next !== undefined) state.write(preFilterStateKey, { ...s, constraints: next } satisfies PreFilterState);
    return null;
  }

  // --- scoring ---------------------------------------------------------------------

  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, feasible: Int32Array): Result {
    if (nodes.size === 0) return skip;
    const parsed = this.constraints(pod, SCHEDULE_ANYWAY);
    if (parsed.error !== undefined) return Status.error(`calculating preScoreState: ${parsed.error}`);
    const constraints = parsed.constraints;
    if (constraints.length === 0) return skip;
    // Only the pod's own constraints or List defaults need every topology key on a node: with
    // System defaults, nodes without a zone label still get hostname spreading.
    const own = pod.pod.spec?.topologySpreadConstraints;
    const requireAll = (Array.isArray(own) && own.length > 0) || !this.systemDefaulted;
    state.write(preScoreStateKey, this.preScoreState(pod, constraints, nodes, feasible, requireAll));
    return null;
  }

  private preScoreState(pod: PodInfo, constraints: readonly Constraint[], nodes: NodeTableReader, feasible: Int32Array, requireAll: boolean): PreScoreState {
    const n = constraints.length;
    const interner = nodes.interner;
    const keyIds = constraints.map((c) => interner.lookup(c.topologyKey));
    const perNode = constraints.map((c) => c.topologyKey === LABEL_HOSTNAME);
    // Upstream reads a missing label as "", the same domain as a label whose value is "".
    const emptyId = interner.lookup('');
    const missing = emptyId >= 0 ? emptyId : -2;
    const valueOf = (view: NodeView, keyId: number): number => {
      const v = keyId < 0 ? -1 : view.label(keyId);
      return v < 0 ? missing : v;
    };
    const view = nodes.view(0);

    // initPreScoreState: the domains of the feasible nodes; feasible nodes lacking a key are ignored.
    const domains = constraints.map(() => new Map<number, number>());
    const ignored: number[] = [];
    for (let f = 0; f < feasible.length; f++) {
      view.at(feasible[f]!);
      if (requireAll && !hasAllKeys(keyIds, view)) {
        ignored.push(view.index);
        continue;
      }
      for (let j = 0; j < n; j++) if (!perNode[j]) domains[j]!.set(valueOf(view, keyIds[j]!), 0);
    }
    ignored.sort((a, b) => a - b);
    const scored = feasible.length - ignored.length;

    // Upstream counts a node's own pods for kubernetes.io/hostname in Score, with no inclusion
    // policies; Score here reads no lister, so PreScore counts them for the feasible nodes,
    // in table order. (With requireAll, ignored nodes are left out here too.)
    let rows = feasible;
    for (let f = 1; f < rows.length; f++) {
      if (rows[f - 1]! > rows[f]!) {
        rows = feasible.slice().sort();
        break;
      }
    }
    const hostKeys = constraints.map((): number[] => []);
    const hostCounts = constraints.map((): number[] => []);

    // Other keys: the counts of the domains the feasible nodes are in, over all nodes.
    const index = podIndexOf(this.handle.lister, nodes);
    const affinity = compileRequiredNodeAffinity(pod.pod, nodes);
    const tolerations = compileTolerations(pod.pod.spec?.tolerations, nodes.interner);
    for (let j = 0; j < n; j++) {
      const c = constraints[j]!;
      const set = index.select(countQuery(c.selector, pod.namespace));
      if (perNode[j]) {
        for (let f = 0; f < rows.length; f++) {
          view.at(rows[f]!);
          if ((requireAll && !hasAllKeys(keyIds, view)) || view.label(keyIds[j]!) < 0) continue;
          hostKeys[j]!.push(view.index);
          hostCounts[j]!.push(set.countOn(view.index));
        }
        continue;
      }
      const counted = countedNodes(keyIds, requireAll, c.nodeAffinityPolicy === HONOR ? affinity : null, c.nodeTaintsPolicy === HONOR ? tolerations : null);
      const d = set.domainCounts({ keyId: keyIds[j]!, missingValue: missing, nodes: counted });
      const m = domains[j]!;
      for (const value of m.keys()) {
        const at = search(d.values, value);
        if (at >= 0) m.set(value, d.counts[at]!);
      }
    }

    const out: ScoreConstraint[] = constraints.map((c, j) => {
      const { keys, counts } = perNode[j] ? { keys: hostKeys[j]!, counts: hostCounts[j]! } : toSortedArrays(domains[j]!);
      return {
        keyId: keyIds[j]!,
        maxSkew: c.maxSkew,
        weight: Math.log((perNode[j] ? scored : domains[j]!.size) + 2),
        perNode: perNode[j]!,
        // Ascending: node indexes in visiting order, or sorted value ids.
        keys,
        counts,
      };
    });
    return { constraints: out, ignored };
  }

  score(state: CycleState, _pod: PodInfo, node: NodeView): number {
    const s = state.read<PreScoreState>(preScoreStateKey);
    if (s === undefined) throw new Error(`error reading "${preScoreStateKey}" from cycleState: not found`);
    if (s.ignored.length > 0 && search(s.ignored, node.index) >= 0) return 0;
    let score = 0;
    const cs = s.constraints;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const value = c.keyId < 0 ? -1 : node.label(c.keyId);
      if (value < 0) continue;
      const at = search(c.keys, c.perNode ? node.index : value);
      const count = at < 0 ? 0 : c.counts[at]!;
      // scoreForCount: maxSkew − 1 waters down the differences between domains.
      score += count * c.weight + (c.maxSkew - 1);
    }
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array, feasible: Int32Array, count: number): Result {
    const s = state.read<PreScoreState>(preScoreStateKey);
    if (s === undefined) return Status.error(`error reading "${preScoreStateKey}" from cycleState: not found`);
    const ignored = s.ignored;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let i = 0; i < count; i++) {
      if (ignored.length > 0 && search(ignored, feasible[i]!) >= 0) continue;
      const score = scores[i]!;
      if (score < min) min = score;
      if (score > max) max = score;
    }
    for (let i = 0; i < count; i++) {
      if (ignored.length > 0 && search(ignored, feasible[i]!) >= 0) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
    return null;
  }

  /**
   * Batching: pods that spread over nothing sign '' (most pods). Pods with
   * constraints sign what the constraints read: the constraints, namespace,
   * labels, node affinity, tolerations, and the controller (the System
   * defaults' selector). DoNotSchedule constraints filter globally
   * (filtersGlobally): the batch re-runs this Filter on its nodes before
   * each use, as domain counts move. ScheduleAnyway constraints (including
   * System defaults) score globally (scoresGlobally): the batch re-runs
   * PreScore, Score and NormalizeScore over its kept nodes for each pod.
   */
  signPod(pod: PodInfo): string | null {
    const own = pod.pod.spec?.topologySpreadConstraints;
    const hasOwn = Array.isArray(own) && own.length > 0;
    // Default constraints apply only to pods with a controller (constraints.ts): most pods skip the parse.
    const controller = hasOwn || this.defaults.length === 0 ? undefined : defaultSelector(pod.pod);
    if (!hasOwn && controller === undefined) return '';
    const hard = this.constraints(pod, DO_NOT_SCHEDULE);
    const soft = this.constraints(pod, SCHEDULE_ANYWAY);
    if (hard.constraints === undefined || soft.constraints === undefined) return null;
    if (hard.constraints.length === 0 && soft.constraints.length === 0) return '';
    const spec = pod.pod.spec;
    return [
      pod.namespace,
      signJSON(own),
      controller?.controllerUid ?? '',
      signJSON(pod.pod.metadata?.labels),
      signJSON(spec?.nodeSelector),
      signJSON(spec?.affinity?.nodeAffinity),
      signJSON(spec?.tolerations),
    ].join('|');
  }

  filtersGlobally(pod: PodInfo): boolean {
    return (this.constraints(pod, DO_NOT_SCHEDULE).constraints?.length ?? 0) > 0;
  }

  scoresGlobally(pod: PodInfo): boolean {
    return (this.constraints(pod, SCHEDULE_ANYWAY).constraints?.length ?? 0) > 0;
  }

  eventsToRegister(): ClusterEvent[] {
    // Upstream without queueing hints: any add, label update or delete of a
    // pod (Berth's queue emits these for assigned pods), and node add,
    // delete, label and taint updates (a topology key or an inclusion policy).
    return [
      { resource: 'Pod', action: 'Add' },
      { resource: 'Pod', action: 'UpdatePodLabel' },
      { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'Delete' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}

/** Factory: args are validated here too, so a bad profile fails at startup. */
export const factory = ((args: unknown, handle: Handle): PodTopologySpreadPlugin => {
  const parsed = parsePodTopologySpreadArgs(args);
  if (parsed.errors.length > 0) throw new Error(`${name} args: ${parsed.errors.join('; ')}`);
  return new PodTopologySpreadPlugin(parsed.args, handle);
}) satisfies (args: unknown, handle: Handle) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions & SignPlugin;
