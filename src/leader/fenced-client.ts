// The ClusterClient a scheduler under leader election writes through. Every
// write first asks the elector whether this replica still leads within its
// renew deadline (LeaderElector.checkLeadership): a standby writes nothing,
// and a leader whose process was paused past its deadline (a long GC, a
// stopped container, a starved CPU) finds out before its next bind, not when
// its renew timer gets round to firing. Reads (informers) and the Lease
// calls pass straight through.
import {
  ApiError,
  type ClusterClient,
  type EventRecord,
  type Informer,
  type InformerHandler,
  type InformerOptions,
  type KindTypes,
  type Lease,
  type LeaseCallOptions,
  type LeaseRef,
  type PodConditionUpdate,
  type PodRef,
  type ResourceKind,
} from '../cluster/client.ts';

/** A write refused because this replica does not lead. */
export class NotLeaderError extends ApiError {
  override name = 'NotLeaderError';
  constructor(what: string) {
    super(0, 'NotLeader', `${what}: this replica does not hold the leader lease`);
  }
}

export class FencedClusterClient implements ClusterClient {
  readonly #client: ClusterClient;
  readonly #leads: () => boolean;

  /** leads: asked before each write; false refuses it (NotLeaderError; events are dropped). */
  constructor(client: ClusterClient, leads: () => boolean) {
    this.#client = client;
    this.#leads = leads;
  }

  informer<K extends ResourceKind>(kind: K, handler: InformerHandler<KindTypes[K]>, options?: InformerOptions): Informer {
    return this.#client.informer(kind, handler, options);
  }

  bind(pod: PodRef, nodeName: string): Promise<void> {
    return this.#leads() ? this.#client.bind(pod, nodeName) : Promise.reject(new NotLeaderError('bind'));
  }

  updatePodStatus(pod: PodRef, condition: PodConditionUpdate, nominatedNodeName?: string): Promise<void> {
    return this.#leads() ? this.#client.updatePodStatus(pod, condition, nominatedNodeName) : Promise.reject(new NotLeaderError('update pod status'));
  }

  recordEvent(event: EventRecord): void {
    if (this.#leads()) this.#client.recordEvent(event);
  }

  annotatePod(pod: PodRef, annotations: Record<string, string | null>): Promise<void> {
    return this.#leads() ? this.#client.annotatePod(pod, annotations) : Promise.reject(new NotLeaderError('annotate pod'));
  }

  evictPod(pod: PodRef): Promise<void> {
    return this.#leads() ? this.#client.evictPod(pod) : Promise.reject(new NotLeaderError('evict pod'));
  }

  deletePod(pod: PodRef): Promise<void> {
    return this.#leads() ? this.#client.deletePod(pod) : Promise.reject(new NotLeaderError('delete pod'));
  }

  getLease(ref: LeaseRef, options?: LeaseCallOptions): Promise<Lease> {
    return this.#client.getLease(ref, options);
  }

  createLease(lease: Lease, options?: LeaseCallOptions): Promise<Lease> {
    return this.#client.createLease(lease, options);
  }

  updateLease(lease: Lease, options?: LeaseCallOptions): Promise<Lease> {
    return this.#client.updateLease(lease, options);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
