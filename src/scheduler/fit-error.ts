// Why a pod fits no node, in upstream's words (pkg/scheduler/framework
// FitError.Error): "0/N nodes are available: <count> <reason>, …." with the
// "<count> <reason>" strings sorted as strings, then the PostFilter message;
// with no node at all, upstream's ErrNoNodesAvailable text.
import type { Status } from '../framework/status.ts';

export class Diagnosis {
  /** reason → number of nodes that gave it */
  readonly reasons = new Map<string, number>();
  /** Plugins that rejected the pod somewhere: their events may wake it. */
  readonly unschedulablePlugins = new Set<string>();
  /** Nodes that rejected it, with the status each gave (for PostFilter/explain). */
  readonly nodeStatuses = new Map<string, Status>();
  /** Set when PreFilter rejected the pod outright. */
  preFilterMessage = '';
  postFilterMessage = '';

  recordNode(nodeName: string, status: Status): void {
    this.nodeStatuses.set(nodeName, status);
    for (const reason of status.reasons) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    if (status.plugin) this.unschedulablePlugins.add(status.plugin);
  }
}

export const NO_NODE_AVAILABLE = (n: number) => `0/${n} nodes are available`;
/** Upstream's ErrNoNodesAvailable: the snapshot has no node at all. */
export const NO_NODES_TO_SCHEDULE = 'no nodes available to schedule pods';

export class FitError extends Error {
  override name = 'FitError';
  readonly numAllNodes: number;
  readonly diagnosis: Diagnosis;

  constructor(numAllNodes: number, diagnosis: Diagnosis) {
    super(fitErrorMessage(numAllNodes, diagnosis));
    this.numAllNodes = numAllNodes;
    this.diagnosis = diagnosis;
  }
}

export function fitErrorMessage(numAllNodes: number, diagnosis: Diagnosis): string {
  if (numAllNodes === 0) return NO_NODES_TO_SCHEDULE;
  let message = `${NO_NODE_AVAILABLE(numAllNodes)}:`;
  if (diagnosis.preFilterMessage) {
    message += ` ${diagnosis.preFilterMessage}.`;
  } else {
    const histogram = [...diagnosis.reasons].map(([reason, count]) => `${count} ${reason}`);
    // Upstream sorts the "count reason" strings with sort.Strings (byte order).
    histogram.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (histogram.length > 0) message += ` ${histogram.join(', ')}.`;
  }
  if (diagnosis.postFilterMessage) message += ` ${diagnosis.postFilterMessage}`;
  return message;
}
