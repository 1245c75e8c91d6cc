// Which nodes a constraint counts (upstream's matchNodeInclusionPolicies):
//   nodeAffinityPolicy Honor  the node must match the incoming pod's
//                             spec.nodeSelector and required node affinity
//                             (nodeaffinity.GetRequiredNodeAffinity; terms
//                             that do not parse match nothing, errors ignored);
//   nodeTaintsPolicy Honor    the pod must tolerate the node's NoSchedule and
//                             NoExecute taints (framework/tolerations.ts:
//                             compileTolerations, hasUntoleratedTaint).
//
// Compiled once per cycle into interned ids of the snapshot
// (framework/node-selector.ts), as plain data: matching a node is integer
// compares on its NodeView, so PreFilter/PreScore (every node) and
// AddPod/RemovePod (no interner at hand) share it.
import type { Pod } from '../../api/types.ts';
import {
  compileNodeSelector,
  compileTerms,
  matchesAnyTerm,
  matchesTerm,
  parseNodeSelectorTerms,
  type CompileContext,
  type CompiledTerm,
} from '../../framework/node-selector.ts';
import type { NodeTableReader, NodeView } from '../../framework/node-view.ts';

export interface CompiledNodeAffinity {
  /** spec.nodeSelector, ANDed; null when it names a key or value no node carries. */
  selector: CompiledTerm | null;
  /** Required terms, ORed, those that cannot match dropped. null: the pod has no required node affinity. */
  terms: CompiledTerm[] | null;
}

const TERMS_PATH = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';

/** nodeaffinity.GetRequiredNodeAffinity(pod), compiled. */
export function compileRequiredNodeAffinity(pod: Pod, nodes: NodeTableReader): CompiledNodeAffinity {
  const spec = pod.spec ?? {};
  const ctx: CompileContext = { nodes };
  const nodeSelector = spec.nodeSelector;
  const selector = nodeSelector !== null && typeof nodeSelector === 'object' ? compileNodeSelector(nodeSelector, ctx) : [];
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required === undefined || required === null ? null : compileTerms(parseNodeSelectorTerms(required.nodeSelectorTerms, TERMS_PATH), ctx);
  return { selector, terms };
}

/** RequiredNodeAffinity.Match, parse errors ignored. */
export function matchesNodeAffinity(a: CompiledNodeAffinity, node: NodeView): boolean {
  if (a.selector === null || !matchesTerm(a.selector, node)) return false;
  return a.terms === null || matchesAnyTerm(a.terms, node);
}
