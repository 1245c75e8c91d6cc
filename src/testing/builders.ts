// Object builders for tests, in the spirit of upstream's
// st.MakePod().Name("p").Req(...).Obj(): each call returns the builder, obj()
// returns a fresh object. Plus buildSnapshot(), which runs Node and Pod
// objects through the real cache into a real node table, so plugin tests read
// the same memory layout the scheduler does.
import type {
  Affinity,
  Container,
  ContainerImage,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  StorageClass,
  NodeSelectorRequirement,
  Pod,
  PodAffinityTerm,
  ResourceList,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from '../api/types.ts';
import { ClusterCache } from '../cache/cache.ts';
import { StringInterner } from '../cache/interner.ts';
import { ClusterObjects, SnapshotLister } from '../cache/lister.ts';
import { NodeCursor, NodeTable } from '../cache/node-table.ts';
import { emptyLister } from '../framework/cluster-lister.ts';
import type { Handle, PodInfo } from '../framework/interfaces.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { silentLogger, type Logger } from '../logging/logger.ts';

let uidCounter = 0;
function nextUid(): string {
  uidCounter++;
  return `00000000-0000-4000-8000-${uidCounter.toString(16).padStart(12, '0')}`;
}

export class NodeBuilder {
  private readonly node: Node;

  constructor(name: string) {
    this.node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: nextUid(), labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { allocatable: {}, capacity: {} },
    };
  }

  /** Sets capacity and allocatable, e.g. { cpu: '4', memory: '32Gi', pods: '110' }. */
  capacity(resources: ResourceList): this {
    this.node.status!.capacity = { ...resources };
    this.node.status!.allocatable = { ...resources };
    return this;
  }

  allocatable(resources: ResourceList): this {
    this.node.status!.allocatable = { ...resources };
    return this;
  }

  label(key: string, value: string): this {
    this.node.metadata!.labels![key] = value;
    return this;
  }

  labels(labels: Record<string, string>): this {
    Object.assign(this.node.metadata!.labels!, labels);
    return this;
  }

  taint(key: string, value: string, effect: string): this {
    (this.node.spec!.taints ??= []).push({ key, value, effect } satisfies Taint);
    return this;
  }

  unschedulable(value = true): this {
    this.node.spec!.unschedulable = value;
    return this;
  }

  image(names: string[], sizeBytes: number): this {
    (this.node.status!.images ??= []).push({ names, sizeBytes } satisfies ContainerImage);
    return this;
  }

  obj(): Node {
    return structuredClone(this.node);
  }
}

export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}

export class PodBuilder {
  private readonly pod: Pod;

  constructor(name: string, namespace: string) {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: nextUid(), labels: {} },
      spec: { schedulerName: 'berth', containers: [] },
      status: {},
    };
  }

  uid(uid: string): this {
    this.pod.metadata!.uid = uid;
    return this;
  }

  label(key: string, value: string): this {
    this.pod.metadata!.labels![key] = value;
    return this;
  }

  schedulerName(name: string): this {
    this.pod.spec!.schedulerName = name;
    return this;
  }

  /** Adds a container with these requests (and no limits). */
  req(requests: ResourceList, image = 'registry.k8s.io/pause:3.10'): this {
    const container: Container = { name: `c${this.pod.spec!.containers!.length}`, image, resources: { requests: { ...requests } } };
    this.pod.spec!.containers!.push(container);
    return this;
  }

  container(container: Container): this {
    this.pod.spec!.containers!.push(structuredClone(container));
    return this;
  }

  initReq(requests: ResourceList, restartPolicy?: 'Always'): this {
    const init = (this.pod.spec!.initContainers ??= []);
    init.push({
      name: `init${init.length}`,
      image: 'registry.k8s.io/pause:3.10',
      resources: { requests: { ...requests } },
      ...(restartPolicy ? { restartPolicy } : {}),
    });
    return this;
  }

  overhead(resources: ResourceList): this {
    this.pod.spec!.overhead = { ...resources };
    return this;
  }

  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    if (this.pod.spec!.containers!.length === 0) this.req({});
    const c = this.pod.spec!.containers![0]!;
    (c.ports ??= []).push({ containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) });
    return this;
  }

  node(nodeName: string): this {
    this.pod.spec!.nodeName = nodeName;
    return this;
  }

  priority(value: number): this {
    this.pod.spec!.priority = value;
    return this;
  }

  nodeSelector(selector: Record<string, string>): this {
    this.pod.spec!.nodeSelector = { ...selector };
    return this;
  }

  /** Adds a required node affinity term with one expression. */
  nodeAffinityRequired(key: string, operator: string, values: string[] = []): this {
    const na = ((this.pod.spec!.affinity ??= {} as Affinity).nodeAffinity ??= {});
    const terms = ((na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] }).nodeSelectorTerms ??= []);
    terms.push({ matchExpressions: [{ key, operator, values } satisfies NodeSelectorRequirement] });
    return this;
  }

  nodeAffinityPreferred(weight: number, key: string, operator: string, values: string[] = []): this {
    const na = ((this.pod.spec!.affinity ??= {} as Affinity).nodeAffinity ??= {});
    (na.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({
      weight,
      preference: { matchExpressions: [{ key, operator, values }] },
    });
    return this;
  }

  podAffinity(kind: 'affinity' | 'antiAffinity', term: PodAffinityTerm): this {
    const affinity = (this.pod.spec!.affinity ??= {} as Affinity);
    const target = kind === 'affinity' ? (affinity.podAffinity ??= {}) : (affinity.podAntiAffinity ??= {});
    (target.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(structuredClone(term));
    return this;
  }

  spreadConstraint(constraint: TopologySpreadConstraint): this {
    (this.pod.spec!.topologySpreadConstraints ??= []).push(structuredClone(constraint));
    return this;
  }

  toleration(toleration: Toleration): this {
    (this.pod.spec!.tolerations ??= []).push({ ...toleration });
    return this;
  }

  schedulingGates(...names: string[]): this {
    this.pod.spec!.schedulingGates = names.map((name) => ({ name }));
    return this;
  }

  obj(): Pod {
    return structuredClone(this.pod);
  }

  info(): PodInfo {
    return newPodInfo(this.obj());
  }
}

export function makePod(name: string, namespace = 'default'): PodBuilder {
  return new PodBuilder(name, namespace);
}

/** Namespaces and storage objects for buildSnapshot's lister. */
export interface SnapshotObjects {
  namespaces?: Namespace[];
  claims?: PersistentVolumeClaim[];
  volumes?: PersistentVolume[];
  storageClasses?: StorageClass[];
}

export interface TestSnapshot {
  cache: ClusterCache;
  table: NodeTable;
  /** The lister a plugin's Handle would carry for this snapshot. */
  lister: SnapshotLister;
  objects: ClusterObjects;
  /** A fresh cursor on the named node. */
  view(nodeName: string): NodeCursor;
}

/** Runs nodes and bound pods (spec.nodeName set) through the real cache into a node table. */
export function buildSnapshot(nodes: Node[], pods: Pod[] = [], extra: SnapshotObjects = {}): TestSnapshot {
  const cache = new ClusterCache();
  const table = new NodeTable(new StringInterner());
  for (const node of nodes) cache.addNode(node);
  for (const pod of pods) cache.addPod(newPodInfo(pod));
  cache.updateSnapshot(table);
  const objects = new ClusterObjects();
  for (const ns of extra.namespaces ?? []) objects.put(objects.namespaces, ns);
  for (const c of extra.claims ?? []) objects.put(objects.claims, c);
  for (const v of extra.volumes ?? []) objects.put(objects.volumes, v);
  for (const sc of extra.storageClasses ?? []) objects.put(objects.storageClasses, sc);
  return {
    cache,
    table,
    objects,
    lister: new SnapshotLister(cache, table, objects),
    view(nodeName: string): NodeCursor {
      const index = table.indexOf(nodeName);
      if (index < 0) throw new Error(`node ${nodeName} is not in the snapshot`);
      return new NodeCursor(table, index);
    },
  };
}

/**
 * A plugin Handle for tests: binds nothing, time stands still, an empty
 * lister, and plugin loggers that are children of `logger` (silent unless
 * given; pass one to read what a plugin logs), unless overridden.
 */
export function testHandle(overrides: Partial<Handle> = {}, logger: Logger = silentLogger()): Handle {
  const pluginLoggers = new Map<string, Logger>();
  return {
    schedulerName: 'berth',
    binder: { bind: () => Promise.resolve() },
    now: () => 0,
    lister: emptyLister,
    loggerFor: (plugin) => pluginLoggers.get(plugin) ?? pluginLoggers.set(plugin, logger.child({ plugin })).get(plugin)!,
    ...overrides,
  };
}
