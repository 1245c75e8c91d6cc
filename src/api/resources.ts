// What a pod asks for and what a node offers, as the upstream scheduler reads
// them (kube-scheduler v1.36 with its default feature gates):
//
// - podRequests: k8s.io/component-helpers/resource PodRequests, as
//   framework.PodInfo.CalculateResource calls it: regular containers are
//   summed; a restartable init container (a sidecar) is added to the sum and
//   to every later init container's need; the pod needs the larger of that sum
//   and the largest init-phase need; pod-level requests (PodLevelResources)
//   replace the container sum for cpu, memory and hugepages; overhead is added.
//   The sums are exact (BigInt nanos) and rounded once, at the end, as
//   upstream adds Quantities before it takes MilliValue/Value.
// - nodeAllocatable: framework.NodeInfo.SetNode's NewResource(allocatable).
// - podHostPorts: schedutil.GetHostPorts, sanitized as HostPortInfo.Add does.
//
// Left out: status-based requests (in-place resize: containerStatuses[].
// resources/allocatedResources), which api/types.ts does not carry, and
// DRA node-allocatable claims.
import type { HostPort, PodResources } from '../framework/interfaces.ts';
import { milliValue, parseQuantity, QuantityError, value } from './quantity.ts';
import type { Quantity } from './quantity.ts';
import type { Container, Node, PodSpec } from './types.ts';

export const ResourceName = {
  cpu: 'cpu',
  memory: 'memory',
  ephemeralStorage: 'ephemeral-storage',
  pods: 'pods',
} as const;

/** What a container without a cpu / memory request counts as when scoring (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const DEFAULT_CPU_NANOS = BigInt(DEFAULT_MILLI_CPU_REQUEST) * 1_000_000n;
const DEFAULT_MEMORY_NANOS = BigInt(DEFAULT_MEMORY_REQUEST) * 1_000_000_000n;

const HUGEPAGES_PREFIX = 'hugepages-';
const ATTACHABLE_VOLUMES_PREFIX = 'attachable-volumes-';
const DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';
const REQUESTS_PREFIX = 'requests.';

// apimachinery validation.IsQualifiedName / IsDNS1123Subdomain
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) return false;
  } else {
    return false;
  }
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME_RE.test(name);
}

/** v1helper.IsNativeResource: unprefixed, or in the kubernetes.io/ namespace. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes(DEFAULT_NAMESPACE_PREFIX);
}

/** v1helper.IsExtendedResourceName: a qualified, non-native name such as example.com/gpu. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(REQUESTS_PREFIX + name);
}

/** schedutil.IsScalarResourceName: the resources counted by name besides cpu, memory, ephemeral-storage and pods. */
export function isScalarResourceName(name: string): boolean {
  return (
    isExtendedResourceName(name) ||
    name.startsWith(HUGEPAGES_PREFIX) ||
    name.includes(DEFAULT_NAMESPACE_PREFIX) ||
    name.startsWith(ATTACHABLE_VOLUMES_PREFIX)
  );
}

/** component-helpers IsSupportedPodLevelResource. */
function isSupportedPodLevelResource(name: string): boolean {
  return name === ResourceName.cpu || name === ResourceName.memory || name.startsWith(HUGEPAGES_PREFIX);
}

const PLAIN_KEY_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** "requests.cpu", "requests[nvidia.com/gpu]". */
function childPath(path: string, key: string): string {
  return PLAIN_KEY_RE.test(key) ? `${path}.${key}` : `${path}[${key}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** name → amount in nanos. */
type Amounts = Map<string, bigint>;

/**
 * Reads a ResourceList. A JSON null reads as zero (as Quantity.UnmarshalJSON
 * does); anything that is not an object is no list at all.
 * @throws QuantityError with `field` set to the entry's path
 */
function readList(list: unknown, path: string): Amounts {
  const out: Amounts = new Map();
  if (!isObject(list)) return out;
  for (const [name, raw] of Object.entries(list)) {
    // Absent, as on the wire (JSON has no undefined; an in-memory object may).
    if (raw === undefined) continue;
    if (raw === null) {
      out.set(name, 0n);
      continue;
    }
    let q: Quantity;
    try {
      q = parseQuantity(raw as string | number);
    } catch (err) {
      if (err instanceof QuantityError) throw err.at(childPath(path, name));
      throw err;
    }
    out.set(name, q.nanos);
  }
  return out;
}

function addInto(target: Amounts, add: Amounts): void {
  for (const [name, n] of add) target.set(name, (target.get(name) ?? 0n) + n);
}

function maxInto(target: Amounts, other: Amounts): void {
  for (const [name, n] of other) {
    const cur = target.get(name);
    if (cur === undefined || n > cur) target.set(name, n);
  }
}

/** Containers' lists parsed once; nonMissing adds the scoring defaults to the ones lacking them. */
interface ParsedContainer {
  requests: Amounts;
  sidecar: boolean;
}

function withDefaults(requests: Amounts, nonMissing: Amounts): Amounts {
  if (nonMissing.size === 0) return requests;
  const copy = new Map(requests);
  for (const [name, n] of nonMissing) if (!requests.has(name)) copy.set(name, n);
  return copy;
}

/** AggregateContainerRequests (sidecar KEP 753 formula). */
function aggregateContainers(containers: ParsedContainer[], inits: ParsedContainer[], nonMissing: Amounts): Amounts {
  const reqs: Amounts = new Map();
  for (const c of containers) addInto(reqs, withDefaults(c.requests, nonMissing));

  const sidecars: Amounts = new Map();
  const initMax: Amounts = new Map();
  for (const c of inits) {
    const own = withDefaults(c.requests, nonMissing);
    let need: Amounts;
    if (c.sidecar) {
      addInto(reqs, own);
      addInto(sidecars, own);
      need = sidecars;
    } else {
      need = new Map(own);
      addInto(need, sidecars);
    }
    maxInto(initMax, need);
  }
  maxInto(reqs, initMax);
  return reqs;
}

function parseContainers(list: Container[] | undefined, path: string, init: boolean): ParsedContainer[] {
  if (!Array.isArray(list)) return [];
  return list.map((c, i) => ({
    requests: readList(c?.resources?.requests, `${path}[${i}].resources.requests`),
    sidecar: init && c?.restartPolicy === 'Always',
  }));
}

function nanosOf(a: Amounts, name: string): bigint {
  return a.get(name) ?? 0n;
}

const toMilli = (nanos: bigint): number => milliValue({ nanos, format: 'DecimalSI' });
const toUnits = (nanos: bigint): number => value({ nanos, format: 'DecimalSI' });

/**
 * The pod's resource requests, as the scheduler counts them.
 * @throws QuantityError (with `field` set, e.g. "spec.containers[0].resources.requests.cpu") on a malformed quantity
 */
export function podRequests(spec: PodSpec): PodResources {
  const containers = parseContainers(spec.containers, 'spec.containers', false);
  const inits = parseContainers(spec.initContainers, 'spec.initContainers', true);
  const podLevel = readList(spec.resources?.requests, 'spec.resources.requests');
  const overhead = readList(spec.overhead, 'spec.overhead');

  let podLevelSet = false;
  for (const name of podLevel.keys()) if (isSupportedPodLevelResource(name)) podLevelSet = true;

  const finish = (nonMissing: Amounts): Amounts => {
    const reqs = aggregateContainers(containers, inits, nonMissing);
    if (podLevelSet) for (const [name, n] of podLevel) if (isSupportedPodLevelResource(name)) reqs.set(name, n);
    addInto(reqs, overhead);
    return reqs;
  };

  const reqs = finish(new Map());

  // getNonMissingContainerRequests: with pod-level requests, only the
  // resources that neither the pod nor its containers request get defaults.
  const nonMissing: Amounts = new Map();
  if (!podLevelSet || !reqs.has(ResourceName.cpu)) nonMissing.set(ResourceName.cpu, DEFAULT_CPU_NANOS);
  if (!podLevelSet || !reqs.has(ResourceName.memory)) nonMissing.set(ResourceName.memory, DEFAULT_MEMORY_NANOS);
  const nonZero = nonMissing.size > 0 ? finish(nonMissing) : reqs;

  const scalar: Record<string, number> = {};
  for (const [name, n] of reqs) if (isScalarResourceName(name)) scalar[name] = toUnits(n);
  return {
    milliCPU: toMilli(nanosOf(reqs, ResourceName.cpu)),
    memory: toUnits(nanosOf(reqs, ResourceName.memory)),
    ephemeralStorage: toUnits(nanosOf(reqs, ResourceName.ephemeralStorage)),
    scalar,
    nonZeroMilliCPU: toMilli(nanosOf(nonZero, ResourceName.cpu)),
    nonZeroMemory: toUnits(nanosOf(nonZero, ResourceName.memory)),
  };
}

export interface NodeAllocatable {
  milliCPU: number;
  /** bytes */
  memory: number;
  /** bytes */
  ephemeralStorage: number;
  pods: number;
  /** Extended, hugepages and other scalar resources by name, in their base unit. */
  scalar: Record<string, number>;
}

/**
 * What the node offers (status.allocatable); a node without it offers nothing.
 * @throws QuantityError (with `field` set, e.g. "status.allocatable.cpu") on a malformed quantity
 */
export function nodeAllocatable(node: Node): NodeAllocatable {
  const list = readList(node.status?.allocatable, 'status.allocatable');
  const scalar: Record<string, number> = {};
  for (const [name, n] of list) if (isScalarResourceName(name)) scalar[name] = toUnits(n);
  return {
    milliCPU: toMilli(nanosOf(list, ResourceName.cpu)),
    memory: toUnits(nanosOf(list, ResourceName.memory)),
    ephemeralStorage: toUnits(nanosOf(list, ResourceName.ephemeralStorage)),
    pods: toUnits(nanosOf(list, ResourceName.pods)),
    scalar,
  };
}

export const DEFAULT_BIND_ALL_HOST_IP = '0.0.0.0';
export const DEFAULT_PROTOCOL = 'TCP';

/** Most pods hold no host port: they share this. */
const NO_HOST_PORTS: readonly HostPort[] = Object.freeze([]);

/**
 * The host ports the pod would hold on its node: those of its regular
 * containers and of its restartable init containers (the ones that run for
 * the pod's whole life), with hostPort > 0; protocol defaults to TCP and
 * hostIP to 0.0.0.0. Sidecars first, then containers, as upstream lists them.
 */
export function podHostPorts(spec: PodSpec): readonly HostPort[] {
  let out: HostPort[] | undefined;
  const collect = (c: Container | undefined): void => {
    if (!Array.isArray(c?.ports)) return;
    for (const p of c.ports) {
      const port = p?.hostPort;
      if (typeof port !== 'number' || !(port > 0)) continue;
      (out ??= []).push({
        protocol: p.protocol ? p.protocol : DEFAULT_PROTOCOL,
        hostIP: p.hostIP ? p.hostIP : DEFAULT_BIND_ALL_HOST_IP,
        port,
      });
    }
  };
  if (Array.isArray(spec.initContainers)) for (const c of spec.initContainers) if (c?.restartPolicy === 'Always') collect(c);
  if (Array.isArray(spec.containers)) for (const c of spec.containers) collect(c);
  return out ?? NO_HOST_PORTS;
}
