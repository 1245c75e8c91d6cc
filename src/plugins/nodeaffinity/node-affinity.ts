// NodeAffinity: a pod runs only on nodes matching its spec.nodeSelector and
// required node affinity, and prefers nodes matching its preferred terms
// (upstream pkg/scheduler/framework/plugins/nodeaffinity).
//
//   PreFilter  parse + compile the pod's nodeSelector, required terms and the
//              profile's added affinity into interned ids (CycleState, plain
//              data); restrict to named nodes when every term names some
//              through matchFields metadata.name; Skip when there is nothing.
//   Filter     integer compares per node; rejections are shared constants.
//   PreScore   compile preferred terms (the pod's and the added ones).
//   Score      sum of the weights of the matching terms; normalized to [0, 100].
import type { NodeSelectorTerm, PreferredSchedulingTerm } from '../../api/types.ts';
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
import {
  OBJECT_NAME_FIELD,
  compileNodeSelector,
  compileTerm,
  compileTerms,
  matchesAnyTerm,
  matchesTerm,
  parseNodeSelectorTerms,
  parsePreferredTerms,
  type CompileContext,
  type CompiledTerm,
  type ParsedPreferredTerm,
  type ParsedTerm,
} from '../../framework/node-selector.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';
import { defaultNormalizeScore } from '../../framework/normalize-score.ts';
import { Code, Status, type Result } from '../../framework/status.ts';
import { parseNodeAffinityArgs, type ParsedAddedAffinity } from './args.ts';
import { signJSON } from '../../framework/sign.ts';

export const name = 'NodeAffinity';

/** Upstream's reasons, word for word. */
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
export const ErrReasonConflict = 'pod affinity terms conflict';

const preFilterStateKey = `PreFilter${name}`;
const preScoreStateKey = `PreScore${name}`;

const rejectPod = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonPod], name);
const rejectEnforced = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonEnforced], name);
const skip = new Status(Code.Skip, [], name);

/** What Filter reads: plain data, so a worker thread can run it. */
export interface PreFilterState {
  /** The profile's added required terms (ORed); null when there are none. */
  added: CompiledTerm[] | null;
  /** spec.nodeSelector (ANDed); null when empty. */
  selector: CompiledTerm | null;
  /** Required terms (ORed); null when the pod has no required node affinity. */
  terms: CompiledTerm[] | null;
  /** The pod's own constraints can match no node in this snapshot. */
  impossible: boolean;
}

export interface PreScoreState {
  terms: { weight: number; term: CompiledTerm }[];
}

function requiredTerms(pod: PodInfo): NodeSelectorTerm[] | undefined {
  const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined || required === null) return undefined;
  return Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
}

function preferredTerms(pod: PodInfo): PreferredSchedulingTerm[] | undefined {
  const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(preferred) ? preferred : undefined;
}

/**
 * Upstream's PreFilterResult: when every required term names nodes through
 * matchFields metadata.name In, only those nodes (the union over terms of
 * each term's intersection) can match. undefined: no restriction.
 */
export function nodeNamesOf(terms: readonly NodeSelectorTerm[]): Set<string> | undefined {
  let union: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of Array.isArray(t.matchFields) ? t.matchFields : []) {
      if (r?.key !== OBJECT_NAME_FIELD || r.operator !== 'In') continue;
      const values = new Set(Array.isArray(r.values) ? r.values : []);
      termNames = termNames === undefined ? values : new Set([...termNames].filter((n) => values.has(n)));
    }
    // A term without a node-name field lets every node through: the terms are ORed.
    if (termNames === undefined) return undefined;
    union ??= new Set();
    for (const n of termNames) union.add(n);
  }
  return union;
}

export class NodeAffinityPlugin {
  readonly name = name;

  /** Batching: the pod's node selector and required and preferred node affinity (node labels only). */
  signPod(pod: PodInfo): string {
    return `${signJSON(pod.pod.spec?.nodeSelector)}/${signJSON(pod.pod.spec?.affinity?.nodeAffinity)}`;
  }
  private readonly added: ParsedAddedAffinity;
  /** A PodInfo is immutable: its terms are parsed once, however often it is retried. */
  private readonly parsedRequired = new WeakMap<PodInfo, ParsedTerm[]>();
  private readonly parsedPreferred = new WeakMap<PodInfo, ParsedPreferredTerm[]>();

  constructor(added: ParsedAddedAffinity) {
    this.added = added;
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: NodeTableReader): PreFilterResult {
    const terms = requiredTerms(pod);
    const nodeSelector = pod.pod.spec?.nodeSelector;
    const hasSelector = nodeSelector !== undefined && nodeSelector !== null && Object.keys(nodeSelector).length > 0;
    if (terms === undefined && !hasSelector && this.added.required === undefined) return { status: skip };

    const ctx: CompileContext = { nodes };
    const selector = hasSelector ? compileNodeSelector(nodeSelector, ctx) : [];
    let parsed = this.parsedRequired.get(pod);
    if (parsed === undefined && terms !== undefined) {
      parsed = parseNodeSelectorTerms(terms, 'nodeSelectorTerms');
      this.parsedRequired.set(pod, parsed);
    }
    const compiled = parsed === undefined ? null : compileTerms(parsed, ctx);
    const s: PreFilterState = {
      added: this.added.required === undefined ? null : compileTerms(this.added.required, ctx),
      selector: selector !== null && selector.length > 0 ? selector : null,
      terms: compiled,
      impossible: selector === null || (compiled !== null && compiled.length === 0),
    };
    state.write(preFilterStateKey, s);

    if (terms === undefined || terms.length === 0) return { status: null };
    const names = nodeNamesOf(terms);
    if (names === undefined) return { status: null };
    if (names.size === 0) return { status: Status.unresolvable(ErrReasonConflict) };
    return { status: null, nodeNames: names };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeView): Result {
    const s = state.read<PreFilterState>(preFilterStateKey);
    if (s === undefined) return Status.error(`reading "${preFilterStateKey}" from cycleState: not found`);
    if (s.added !== null && !matchesAnyTerm(s.added, node)) return rejectEnforced;
    if (s.impossible) return rejectPod;
    if (s.selector !== null && !matchesTerm(s.selector, node)) return rejectPod;
    if (s.terms !== null && !matchesAnyTerm(s.terms, node)) return rejectPod;
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeTableReader, feasible: Int32Array): Result {
    const podTerms = preferredTerms(pod);
    if (podTerms === undefined && this.added.preferred === undefined) return skip;
    let parsed = this.parsedPreferred.get(pod);
    if (parsed === undefined) {
      parsed = podTerms === undefined ? [] : parsePreferredTerms(podTerms, '');
      this.parsedPreferred.set(pod, parsed);
    }
    const errors = parsed.flatMap((t) => t.errors);
    // Upstream fails the cycle on a preferred term it cannot parse.
    if (errors.length > 0) return Status.error(errors.join(', '));

    const ctx: CompileContext = { nodes, rows: feasible };
    const terms: PreScoreState['terms'] = [];
    for (const t of [...(this.added.preferred ?? []), ...parsed]) {
      const term = compileTerm(t, ctx);
      if (term !== null) terms.push({ weight: t.weight, term });
    }
    // No term can match a node: every score would be 0.
    if (terms.length === 0) return skip;
    state.write(preScoreStateKey, { terms } satisfies PreScoreState);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeView): number {
    const s = state.read<PreScoreState>(preScoreStateKey);
    if (s === undefined) throw new Error(`reading "${preScoreStateKey}" from cycleState: not found`);
    let count = 0;
    const terms = s.terms;
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i]!;
      if (matchesTerm(t.term, node)) count += t.weight;
    }
    return count;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, _feasible: Int32Array, count: number): Result {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores, count);
    return null;
  }

  eventsToRegister(): ClusterEvent[] {
    // Queueing hints are off in Berth's queue: as upstream without them, node
    // taint updates are registered too (kubernetes/kubernetes#109437).
    return [
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}

/** Factory: args are validated here too, so a bad profile fails at startup. */
export const factory = ((args: unknown, _handle: Handle): NodeAffinityPlugin => {
  const { parsed, errors } = parseNodeAffinityArgs(args);
  if (errors.length > 0) throw new Error(`${name} args: ${errors.join('; ')}`);
  return new NodeAffinityPlugin(parsed);
}) satisfies (args: unknown, handle: Handle) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions & SignPlugin;
