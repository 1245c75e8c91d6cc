// coordination.k8s.io/v1 Leases on the wire: paths and bodies, as client-go's
// LeaseLock sends them (Get, Create, Update with the object last read).
import type { Lease, LeaseRef } from '../client.ts';

export function leasesPath(namespace: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
}

export function leasePath(ref: LeaseRef): string {
  return `${leasesPath(ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

/** A new Lease: name, namespace and labels of the given one, and its spec. */
export function leaseCreateBody(lease: Lease): object {
  const metadata: Record<string, unknown> = { name: lease.metadata.name, namespace: lease.metadata.namespace };
  if (lease.metadata.labels) metadata.labels = lease.metadata.labels;
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: lease.spec };
}

/**
 * The whole object, as read, with the new spec: a PUT replaces what it is not
 * sent, and metadata.resourceVersion makes it conditional (409 when stale).
 */
export function leaseUpdateBody(lease: Lease): object {
  return { ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
}
