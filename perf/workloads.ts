// The benchmark workloads, named after upstream kube-scheduler's
// scheduler_perf (test/integration/scheduler_perf: templates/node-default.yaml
// and the pod templates of misc/ and affinity/performance-config.yaml), with
// the changes the issue asks for, listed per workload below.
//
// Nodes, every workload (upstream's node-default.yaml, plus the labels
// upstream's labelNodePrepareStrategy adds and a hostname as a kubelet sets):
// 4 cpu, 32Gi, 110 pods, Ready; kubernetes.io/hostname = the node's name,
// topology.kubernetes.io/zone = zone1, zone2, zone3 in turn.
//
// Pods, every workload (upstream's pod-default.yaml): one pause container,
// requests = limits = 100m cpu / 500Mi, containerPort 80. At most 40 fit on a
// node (cpu).
import type { Node, Pod, PodSpec } from '../src/api/types.ts';

export const ZONE_KEY = 'topology.kubernetes.io/zone';
export const HOSTNAME_KEY = 'kubernetes.io/hostname';
export const ZONES = ['zone1', 'zone2', 'zone3'] as const;
/** 4 cpu / 100m: the most pods of these workloads a node can take. */
export const PODS_PER_NODE_BY_CPU = 40;

export interface Placement {
  name: string;
  labels: Record<string, string>;
  node: string;
}

export interface Workload {
  name: string;
  /** One line: what the pods ask for. */
  summary: string;
  /** What differs from upstream's workload of the same name. */
  upstreamDifference: string;
  pod(index: number): { labels?: Record<string, string>; spec: Omit<PodSpec, 'schedulerName' | 'containers'> };
  /** The pods' controller (a ReplicaSet): topology spread's System default constraints then apply to them. */
  owner?: { kind: string; name: string; uid: string };
  /** Checks the final placement of the measured pods; returns what is wrong (empty: all good). */
  check(placements: Placement[], nodeZone: (node: string) => string | undefined): string[];
}

export function nodeName(index: number): string {
  return `node-${index}`;
}

export function zoneOf(index: number): string {
  return ZONES[index % ZONES.length]!;
}

/** upstream's node-default.yaml, with a hostname and a zone label. */
export function makeNode(index: number): Node {
  const resources = { cpu: '4', memory: '32Gi', pods: '110' };
  const name = nodeName(index);
  return {
    metadata: { name, labels: { [HOSTNAME_KEY]: name, [ZONE_KEY]: zoneOf(index) } },
    spec: {},
    status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True' }], phase: 'Running' },
  } as Node;
}

const container = () => ({
  name: 'pause',
  image: 'registry.k8s.io/pause:3.10.1',
  ports: [{ containerPort: 80 }],
  resources: { requests: { cpu: '100m', memory: '500Mi' }, limits: { cpu: '100m', memory: '500Mi' } },
});

export function makePod(workload: Workload, index: number, namespace: string, schedulerName: string, prefix = 'pod'): Pod {
  const { labels, spec } = workload.pod(index);
  const owner = workload.owner;
  return {
    metadata: {
      name: `${prefix}-${index}`,
      namespace,
      ...(labels ? { labels } : {}),
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', ...owner, controller: true }] } : {}),
    },
    spec: { ...spec, schedulerName, containers: [container()] },
  };
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Nodes holding more than 40 of the pods: oversubscribed by cpu (the measured pods are the only ones). */
function oversubscribed(placements: Placement[]): string[] {
  const over = [...countBy(placements, (p) => p.node)].filter(([, n]) => n > PODS_PER_NODE_BY_CPU);
  return over.length === 0 ? [] : [`${over.length} node(s) hold more than ${PODS_PER_NODE_BY_CPU} pods, e.g. ${over[0]![0]} with ${over[0]![1]}`];
}

const basic: Workload = {
  name: 'SchedulingBasic',
  summary: 'pod-default: 100m cpu / 500Mi',
  upstreamDifference: 'none (upstream creates initPods first: see --init-pods)',
  pod: () => ({ spec: {} }),
  check: oversubscribed,
};

/**
 * SchedulingBasic's pods as a Deployment's: one ReplicaSet owns them all, so
 * topology spread's System defaults (ScheduleAnyway over zone, maxSkew 3, and
 * hostname, maxSkew 5) score every pod. Not an upstream workload: it shows
 * what most real pods cost (upstream and Berth alike).
 */
const replicaSet: Workload = {
  name: 'SchedulingReplicaSet',
  summary: 'pod-default owned by one ReplicaSet (app=web): System default spreading, ScheduleAnyway',
  upstreamDifference: 'not in scheduler_perf',
  pod: () => ({ labels: { app: 'web' }, spec: {} }),
  owner: { kind: 'ReplicaSet', name: 'web-1', uid: 'perf-replicaset-web-1' },
  check: oversubscribed,
};

const nodeAffinity: Workload = {
  name: 'SchedulingNodeAffinity',
  summary: `required node affinity: ${ZONE_KEY} In [zone1, zone2] (nodes in 3 zones)`,
  upstreamDifference: 'upstream labels every node zone1, so every node fits; here one node in three is filtered out',
  pod: () => ({
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_KEY, operator: 'In', values: ['zone1', 'zone2'] }] }],
          },
        },
      },
    },
  }),
  check: (placements, nodeZone) => {
    const wrong = placements.filter((p) => nodeZone(p.node) === 'zone3');
    return [...oversubscribed(placements), ...(wrong.length ? [`${wrong.length} pod(s) in zone3, e.g. ${wrong[0]!.name}`] : [])];
  },
};

const SPREAD_SKEW = 5;
const topologySpreading: Workload = {
  name: 'TopologySpreading',
  summary: `color=blue; spread over ${ZONE_KEY} and ${HOSTNAME_KEY}, maxSkew ${SPREAD_SKEW}, DoNotSchedule`,
  upstreamDifference: 'upstream spreads over the zone only, and creates initPods of pod-default first',
  pod: () => ({
    labels: { color: 'blue' },
    spec: {
      topologySpreadConstraints: [ZONE_KEY, HOSTNAME_KEY].map((topologyKey) => ({
        maxSkew: SPREAD_SKEW,
        topologyKey,
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { color: 'blue' } },
      })),
    },
  }),
  check: (placements, nodeZone) => {
    const problems = oversubscribed(placements);
    const zones = countBy(placements, (p) => nodeZone(p.node) ?? '?');
    const zoneCounts = ZONES.map((z) => zones.get(z) ?? 0);
    const zoneSkew = Math.max(...zoneCounts) - Math.min(...zoneCounts);
    if (zoneSkew > SPREAD_SKEW) problems.push(`zone skew ${zoneSkew} > ${SPREAD_SKEW} (${zoneCounts.join('/')})`);
    // Nodes without a pod count as 0: no node may hold more than maxSkew while one is empty.
    const perNode = Math.max(0, ...countBy(placements, (p) => p.node).values());
    if (perNode > SPREAD_SKEW) problems.push(`a node holds ${perNode} pods (hostname maxSkew ${SPREAD_SKEW})`);
    return problems;
  },
};

const ANTI_AFFINITY_GROUPS = 10;
const podAntiAffinity: Workload = {
  name: 'SchedulingPodAntiAffinity',
  summary: `group=g0..g${ANTI_AFFINITY_GROUPS - 1} in turn; required anti-affinity to the same group on ${HOSTNAME_KEY}`,
  upstreamDifference: 'upstream has one label (color=green) across two namespaces, so at most one pod per node',
  pod: (index) => {
    const group = `g${index % ANTI_AFFINITY_GROUPS}`;
    return {
      labels: { group },
      spec: {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group } }, topologyKey: HOSTNAME_KEY }],
          },
        },
      },
    };
  },
  check: (placements) => {
    const clash = [...countBy(placements, (p) => `${p.node} ${p.labels.group}`)].filter(([, n]) => n > 1);
    return [...oversubscribed(placements), ...(clash.length ? [`${clash.length} node(s) hold two pods of one group, e.g. ${clash[0]![0]}`] : [])];
  },
};

const podAffinity: Workload = {
  name: 'SchedulingPodAffinity',
  summary: `color=blue; required affinity to color=blue on ${ZONE_KEY}`,
  upstreamDifference: 'upstream labels every node zone1 (one zone), uses two namespaces and creates initPods first',
  pod: () => ({
    labels: { color: 'blue' },
    spec: {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'blue' } }, topologyKey: ZONE_KEY }],
        },
      },
    },
  }),
  check: (placements, nodeZone) => {
    // The first pod may go anywhere (it matches its own term); every later one joins its zone.
    const zones = new Set(placements.map((p) => nodeZone(p.node)));
    return [...oversubscribed(placements), ...(zones.size > 1 ? [`pods in ${zones.size} zones, expected 1`] : [])];
  },
};

export const WORKLOADS: readonly Workload[] = [basic, nodeAffinity, topologySpreading, podAntiAffinity, podAffinity, replicaSet];

export function findWorkload(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name.toLowerCase() === name.toLowerCase());
}
