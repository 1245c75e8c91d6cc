// The lock leader election holds: one coordination.k8s.io/v1 Lease, read and
// written through the ClusterClient port as client-go's LeaseLock does. It
// keeps the Lease it read or wrote last, and every update sends that object
// back: its resourceVersion makes the update fail with 409 Conflict when
// someone else wrote the Lease in between (optimistic concurrency).
import type { ClusterClient, Lease, LeaseCallOptions, LeaseRef, LeaseSpec } from '../cluster/client.ts';

/** client-go's LeaderElectionRecord: what the Lease's spec says about the election. */
export interface LeaderElectionRecord {
  /** "" when nobody holds the lease (never taken, or released). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string | undefined;
  renewTime: string | undefined;
  leaseTransitions: number;
}

export type LeaseClient = Pick<ClusterClient, 'getLease' | 'createLease' | 'updateLease'>;

export function recordOf(spec: LeaseSpec): LeaderElectionRecord {
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime,
    renewTime: spec.renewTime,
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

export function specOf(record: LeaderElectionRecord): LeaseSpec {
  const spec: LeaseSpec = {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
  };
  if (record.acquireTime !== undefined) spec.acquireTime = record.acquireTime;
  if (record.renewTime !== undefined) spec.renewTime = record.renewTime;
  return spec;
}

/** metav1.MicroTime: RFC 3339 with six fractional digits, UTC. */
export function microTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

export class LeaseNotReadError extends Error {
  override name = 'LeaseNotReadError';
}

export class LeaseLock {
  readonly ref: LeaseRef;
  readonly #client: LeaseClient;
  #lease: Lease | undefined;

  constructor(client: LeaseClient, ref: LeaseRef) {
    this.#client = client;
    this.ref = { namespace: ref.namespace, name: ref.name };
  }

  describe(): string {
    return `${this.ref.namespace}/${this.ref.name}`;
  }

  /** The record and its raw form (to tell whether it changed since last read). Rejects with ApiError, 404 when there is no Lease. */
  async get(options?: LeaseCallOptions): Promise<{ record: LeaderElectionRecord; raw: string }> {
    const lease = await this.#client.getLease(this.ref, options);
    this.#lease = lease;
    const record = recordOf(lease.spec ?? {});
    return { record, raw: JSON.stringify(record) };
  }

  async create(record: LeaderElectionRecord, options?: LeaseCallOptions): Promise<void> {
    this.#lease = await this.#client.createLease({ metadata: { ...this.ref }, spec: specOf(record) }, options);
  }

  /** Writes the record onto the Lease last read or written; 409 Conflict when it has changed since. */
  async update(record: LeaderElectionRecord, options?: LeaseCallOptions): Promise<void> {
    if (!this.#lease) throw new LeaseNotReadError('lease not initialized: get or create it first');
    this.#lease = await this.#client.updateLease({ ...this.#lease, spec: specOf(record) }, options);
  }
}
