// The scheduler: informers feed the cache and the queue; one loop pops a pod,
// runs its scheduling cycle on an up-to-date snapshot, assumes it onto the
// chosen node and hands it to the binding cycle, which runs concurrently
// (bounded) with the next pods' scheduling cycles.
//
//   schedulingCycle (sync)   snapshot → schedulePod → assume → Reserve → Permit
//   bindingCycle (async)     PreBind → Bind → finishBinding → Scheduled Event → PostBind
//   any failure after assume → handleBindingFailure: Unreserve, forget, requeue
//   no node fits / plugin error → handleSchedulingFailure: Event, PodScheduled=False, requeue
import type { Node, Pod } from '../api/types.ts';
import { ClusterCache } from '../cache/cache.ts';
import { StringInterner } from '../cache/interner.ts';
import { ClusterObjects, SnapshotLister } from '../cache/lister.ts';
import { NodeTable } from '../cache/node-table.ts';
import { ApiError, type ClusterClient, type Informer, type KindTypes } from '../cluster/client.ts';
import type { CycleState } from '../framework/cycle-state.ts';
import type { ClusterEvent, Handle, PodInfo, QueuedPodInfo } from '../framework/interfaces.ts';
import { newPodInfo, updatedPodInfo } from '../framework/pod-info.ts';
import { Framework, type Registry } from '../framework/runtime.ts';
import { Code, Status } from '../framework/status.ts';
import type { ResolvedConfig } from '../config/scheduler-config.ts';
import { lazyChild, type Logger, type PodLog } from '../logging/logger.ts';
import type { SchedulerMetrics } from '../metrics/metrics.ts';
import { inlineParallelizer } from '../parallel/inline.ts';
import type { Parallelizer } from '../parallel/parallelizer.ts';
import { Batches, type BatchStats } from './batch.ts';
import { PoolParallelizer } from '../parallel/pool.ts';
import { inTreeRegistry } from '../plugins/registry.ts';
import { realClock, type Clock } from '../queue/clock.ts';
import { SchedulingQueue } from '../queue/scheduling-queue.ts';
import { Diagnosis, FitError, fitErrorMessage } from './fit-error.ts';
import { Algorithm, PluginError } from './schedule-pod.ts';

export interface SchedulerOptions {
  client: ClusterClient;
  config: ResolvedConfig;
  registry: Registry;
  logger: Logger;
  /** Binds in flight at once; the scheduling loop waits when all are busy. */
  bindConcurrency?: number;
  /** Seed of the tie-breaker among equally scored nodes. */
  seed?: number;
  clock?: Clock;
  /**
   * Worker threads for Filter and Score, over config.parallelism;
   * registryModules: modules whose `registryEntries` the workers load besides
   * the in-tree plugins; with them, the workers are taken to have every
   * plugin of `registry` (tests).
   */
  parallelism?: { workers?: number; minNodesPerTask?: number; registryModules?: readonly string[] };
  /** Prometheus metrics (upstream's names); absent: nothing is recorded. */
  metrics?: SchedulerMetrics;
}

/**
 * What /healthz reads: whether the scheduling loop is waiting for a pod
 * ('idle') or in a cycle ('busy'), since when (performance.now(), ms),
 * or not running ('stopped': not started, or stopped).
 */
export interface LoopHeartbeat {
  state: 'stopped' | 'idle' | 'busy';
  since: number;
}

/** Counters a caller (metrics, the demo, tests) can read. */
export interface SchedulerStats {
  scheduled: number;
  unschedulable: number;
  errors: number;
  bindFailures: number;
  /** Node updates whose allocatable could not be read (the node then offers nothing). */
  invalidNodes: number;
}

/** Upstream caps Event messages at 1 KiB. */
function truncate(message: string, max = 1024): string {
  return message.length <= max ? message : `${message.slice(0, max - 3)}...`;
}

function isTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

/** Every kind of change between two versions of a node: each may wake different pods. */
function nodeEvents(oldNode: Node, newNode: Node): ClusterEvent[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const events: ClusterEvent[] = [];
  if (!same(oldNode.status?.allocatable, newNode.status?.allocatable)) events.push({ resource: 'Node', action: 'UpdateNodeAllocatable' });
  if (!same(oldNode.metadata?.labels, newNode.metadata?.labels)) events.push({ resource: 'Node', action: 'UpdateNodeLabel' });
  if (!same(oldNode.spec?.taints, newNode.spec?.taints) || oldNode.spec?.unschedulable !== newNode.spec?.unschedulable) {
    events.push({ resource: 'Node', action: 'UpdateNodeTaint' });
  }
  if (!same(oldNode.status?.images, newNode.status?.images)) events.push({ resource: 'Node', action: 'Update' });
  return events;
}

export class Scheduler {
  readonly cache: ClusterCache;
  /** Namespaces and storage objects from their informers. */
  readonly objects = new ClusterObjects();
  readonly lister: SnapshotLister;
  readonly table = new NodeTable(new StringInterner());
  readonly queue: SchedulingQueue;
  readonly frameworks = new Map<string, Framework>();
  readonly stats: SchedulerStats = { scheduled: 0, unschedulable: 0, errors: 0, bindFailures: 0, invalidNodes: 0 };
  private readonly client: ClusterClient;
  private readonly logger: Logger;
  private readonly algorithm: Algorithm;
  /** How Filter and Score run: inline, or over a worker pool (closed by stop()). */
  readonly parallelizer: Parallelizer;
  private readonly bindConcurrency: number;
  private readonly informers: Informer[] = [];
  /** The pods the informer knows (their PodInfos), by UID: to tell whether a failing pod still exists, and to reuse an update's old PodInfo. */
  private readonly knownPods = new Map<string, PodInfo>();
  private inflightBinds = 0;
  private readonly bindSlotWaiters: (() => void)[] = [];
  private readonly bindsDone = new Set<Promise<void>>();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private readonly metrics: SchedulerMetrics | undefined;
  private beat: LoopHeartbeat = { state: 'stopped', since: 0 };

  constructor(options: SchedulerOptions) {
    this.client = options.client;
    this.logger = options.logger;
    const parallelism = { ...options.config.parallelism, ...options.parallelism };
    this.parallelizer =
      parallelism.workers > 0
        ? new PoolParallelizer({
            workers: parallelism.workers,
            minNodesPerTask: parallelism.minNodesPerTask,
            profiles: options.config.profiles,
            registry: options.registry,
            workerRegistry: parallelism.registryModules ? options.registry : inTreeRegistry,
            registryModules: parallelism.registryModules ?? [],
            logger: options.logger,
          })
        : inlineParallelizer;
    const clock = options.clock ?? realClock;
    const batching = options.config.batching;
    const batches = batching.enabled
      ? new Batches({
          maxAgeMs: batching.maxAgeMs,
          now: () => clock.now(),
          affinityVersion: () => this.cache.affinityVersion,
          ...(options.metrics ? { recorder: options.metrics.batchRecorder() } : {}),
        })
      : undefined;
    this.algorithm = new Algorithm(options.seed ?? (Math.random() * 2 ** 32) >>> 0, this.parallelizer, batches);
    this.bindConcurrency = options.bindConcurrency ?? 64;
    this.cache = new ClusterCache({
      onInvalidNode: (nodeName, reason) => {
        this.stats.invalidNodes++;
        this.logger.warn({ node: nodeName, reason }, 'node cannot be read; it offers nothing until fixed');
        this.client.recordEvent({
          regarding: { kind: 'Node', name: nodeName, apiVersion: 'v1' },
          type: 'Warning',
          reason: 'InvalidNodeResources',
          action: 'Scheduling',
          note: truncate(`Berth cannot read this node: ${reason}`),
        });
      },
    });
    this.metrics = options.metrics;
    this.lister = new SnapshotLister(this.cache, this.table, this.objects);
    for (const profile of options.config.profiles) {
      const pluginLoggers = new Map<string, Logger>();
      const handle: Handle = {
        schedulerName: profile.schedulerName,
        binder: { bind: (pod, nodeName) => this.client.bind({ namespace: pod.namespace, name: pod.name, uid: pod.uid }, nodeName) },
        now: () => clock.now(),
        lister: this.lister,
        loggerFor: (plugin) => pluginLoggers.get(plugin) ?? pluginLoggers.set(plugin, this.logger.child({ plugin })).get(plugin)!,
      };
      this.frameworks.set(profile.schedulerName, new Framework(profile, options.registry, handle, options.metrics?.frameworkRecorder(profile.schedulerName)));
    }
    const first = this.frameworks.values().next().value!;
    const enqueueEvents = new Map<string, ClusterEvent[]>();
    for (const fw of this.frameworks.values()) for (const [name, events] of fw.enqueueEvents) enqueueEvents.set(name, events);
    this.queue = new SchedulingQueue({
      less: (a, b) => first.queueSortPlugin.less(a, b),
      preEnqueue: (pod) => this.frameworkFor(pod.pod)?.runPreEnqueuePlugins(pod) ?? null,
      pluginEvents: enqueueEvents,
      clock,
      podInitialBackoffMs: options.config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: options.config.podMaxBackoffSeconds * 1000,
      ...(options.metrics ? { onIncoming: options.metrics.onIncoming } : {}),
    });
    options.metrics?.attach(this.queue, clock);
  }

  private frameworkFor(pod: Pod): Framework | undefined {
    return this.frameworks.get(pod.spec?.schedulerName ?? 'default-scheduler');
  }

  // --- informer handlers -------------------------------------------------

  /** The PodInfo of a pod object: the one made when the informer last delivered it (an update's old object), or a new one. */
  private infoOf(pod: Pod): PodInfo {
    const known = this.knownPods.get(pod.metadata?.uid ?? '');
    return known !== undefined && known.pod === pod ? known : newPodInfo(pod);
  }

  private onPodAdd(pod: Pod): void {
    const info = this.infoOf(pod);
    this.knownPods.set(info.uid, info);
    if (pod.spec?.nodeName) {
      this.cache.addPod(info);
      this.queue.assignedPodAdded(info);
    } else if (this.frameworkFor(pod) && !isTerminating(pod)) {
      this.queue.add(info);
    }
  }

  private onPodUpdate(oldPod: Pod, newPod: Pod): void {
    const oldInfo = this.infoOf(oldPod);
    // What newPodInfo parsed from the old object, kept where the update left it alone.
    const known = this.knownPods.get(newPod.metadata?.uid ?? '');
    const newInfo = known !== undefined && known.pod === newPod ? known : updatedPodInfo(oldInfo, newPod);
    this.knownPods.set(newInfo.uid, newInfo);
    if (newPod.spec?.nodeName) {
      if (!oldPod.spec?.nodeName) {
        // Bound (by us or by someone else): out of the queue, onto its node.
        this.queue.delete(oldInfo);
        this.cache.addPod(newInfo);
        this.queue.assignedPodAdded(newInfo);
      } else {
        this.cache.updatePod(oldInfo, newInfo);
        this.queue.assignedPodUpdated(oldInfo, newInfo);
      }
    } else if (this.frameworkFor(newPod)) {
      if (isTerminating(newPod)) this.queue.delete(newInfo);
      else this.queue.update(oldInfo, newInfo);
    }
  }

  private onPodDelete(pod: Pod): void {
    const info = this.infoOf(pod);
    this.knownPods.delete(info.uid);
    if (pod.spec?.nodeName || this.cache.nodeOf(info.uid) !== undefined) {
      this.cache.removePod(info);
      this.queue.assignedPodDeleted(info);
    } else {
      this.queue.delete(info);
    }
  }

  private onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
  }

  private onNodeUpdate(oldNode: Node, newNode: Node): void {
    this.cache.updateNode(oldNode, newNode);
    for (const event of nodeEvents(oldNode, newNode)) this.queue.moveAllToActiveOrBackoffQueue(event);
  }

  private onNodeDelete(node: Node): void {
    this.cache.removeNode(node);
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Delete' });
  }

  /** Guards an informer callback: a bad object is logged, never crashes the process. */
  private guard<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        this.logger.error({ err, handler: what }, 'informer handler failed');
      }
    };
  }

  // --- lifecycle ------------------------------------------------------------

  /** Starts the informers, waits for them to sync, then starts the scheduling loop. */
  async start(): Promise<void> {
    await this.startInformers();
    this.startScheduling();
  }

  /**
   * Starts the informers and waits for them to sync: the cache and the queue
   * fill, nothing is popped. A standby replica stays here (warm) until it
   * wins the leader lease.
   */
  async startInformers(): Promise<void> {
    const nodes = this.client.informer('nodes', {
      onAdd: this.guard('node add', (n: Node) => this.onNodeAdd(n)),
      onUpdate: this.guard('node update', (o: Node, n: Node) => this.onNodeUpdate(o, n)),
      onDelete: this.guard('node delete', (n: Node) => this.onNodeDelete(n)),
    });
    // Terminal pods hold no resources: the informer leaves them out, as upstream's does.
    const pods = this.client.informer(
      'pods',
      {
        onAdd: this.guard('pod add', (p: Pod) => this.onPodAdd(p)),
        onUpdate: this.guard('pod update', (o: Pod, p: Pod) => this.onPodUpdate(o, p)),
        onDelete: this.guard('pod delete', (p: Pod) => this.onPodDelete(p)),
      },
      { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' },
    );
    const objects = this.objects;
    // Namespaces and volume objects are read at PreFilter/PreScore: a change drops the batches (batch.ts).
    const follow = <K extends 'namespaces' | 'persistentvolumes' | 'persistentvolumeclaims' | 'storageclasses'>(
      kind: K,
      map: Map<string, KindTypes[K]>,
      resource: ClusterEvent['resource'],
    ): Informer =>
      this.client.informer(kind, {
        onAdd: this.guard(`${kind} add`, (o: KindTypes[K]) => {
          objects.put(map, o);
          this.algorithm.batches?.clear();
          this.queue.moveAllToActiveOrBackoffQueue({ resource, action: 'Add' });
        }),
        onUpdate: this.guard(`${kind} update`, (_old: KindTypes[K], o: KindTypes[K]) => {
          objects.put(map, o);
          this.algorithm.batches?.clear();
          this.queue.moveAllToActiveOrBackoffQueue({ resource, action: 'Update' });
        }),
        onDelete: this.guard(`${kind} delete`, (o: KindTypes[K]) => {
          objects.drop(map, o);
          this.algorithm.batches?.clear();
          this.queue.moveAllToActiveOrBackoffQueue({ resource, action: 'Delete' });
        }),
      });
    this.informers.push(
      nodes,
      pods,
      follow('namespaces', objects.namespaces, 'Namespace'),
      follow('persistentvolumes', objects.volumes, 'PersistentVolume'),
      follow('persistentvolumeclaims', objects.claims, 'PersistentVolumeClaim'),
      follow('storageclasses', objects.storageClasses, 'StorageClass'),
    );
    await Promise.all(this.informers.map((i) => i.start()));
    this.logger.info({ nodes: this.cache.nodeCount, pods: this.cache.podCount }, 'caches synced');
  }

  /** Starts the scheduling loop (once; after startInformers(), not after stop()). */
  startScheduling(): void {
    if (this.running || this.loopDone) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** What opportunistic batching did (batch.ts); undefined when it is off. */
  get batchStats(): BatchStats | undefined {
    return this.algorithm.batches?.stats;
  }

  /** The scheduling loop's last sign of life, for /healthz. */
  heartbeat(): LoopHeartbeat {
    return this.beat;
  }

  hasSynced(): boolean {
    return this.informers.length > 0 && this.informers.every((i) => i.hasSynced());
  }

  /** Stops taking pods, waits up to graceMs for binds in flight, stops the informers and the worker threads. */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    this.queue.close();
    // One deadline for both: the loop itself may be waiting for a bind slot held by a bind that hangs.
    const grace = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([this.loopDone, grace]);
    const binds = Promise.all([...this.bindsDone]);
    await Promise.race([binds, grace]);
    for (const informer of this.informers) informer.stop();
    await this.parallelizer.close();
  }

  private async loop(): Promise<void> {
    let lastYield = performance.now();
    while (this.running) {
      // With a backlog the loop runs on microtasks only; let timers (lease
      // renewals, flushes) and I/O in at least every 10 ms.
      if (performance.now() - lastYield > 10) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      this.beat = { state: 'idle', since: performance.now() };
      // With a backlog the next pod is taken without a promise. Without one, the
      // snapshot catches up with the cache first (the nodes synced at start, node
      // updates since the last cycle): the next pod's cycle then finds it done.
      let qpi = this.queue.tryPop();
      if (qpi === undefined) {
        try {
          this.cache.updateSnapshot(this.table);
        } catch (err) {
          // Never expected (the cache leaves out what it cannot read); the next cycle tries again and fails on its own.
          this.logger.error({ err }, 'updating the snapshot failed');
        }
        qpi = await this.queue.pop();
      }
      if (!qpi) break;
      this.beat = { state: 'busy', since: performance.now() };
      try {
        await this.scheduleOne(qpi);
      } catch (err) {
        // Never expected: scheduleOne handles its own failures. Keep going.
        this.logger.error({ err, pod: qpi.podInfo.key }, 'scheduling cycle failed unexpectedly');
        this.queue.done(qpi.podInfo.uid);
      }
    }
    this.beat = { state: 'stopped', since: performance.now() };
  }

  // --- scheduling cycle -----------------------------------------------------

  async scheduleOne(qpi: QueuedPodInfo): Promise<void> {
    const podInfo = qpi.podInfo;
    const pod = podInfo.pod;
    const fw = this.frameworkFor(pod);
    if (!fw || isTerminating(pod) || this.cache.isAssumed(podInfo.uid)) {
      this.queue.done(podInfo.uid);
      return;
    }
    const log = lazyChild(this.logger, { pod: podInfo.key });
    this.metrics?.attemptStarted(qpi, fw.schedulerName);
    const cycle = this.queue.schedulingCycle();

    let nodeName: string;
    let state: CycleState;
    try {
      // A failure here (never expected) is this pod's scheduler error: retried with backoff, not lost.
      this.cache.updateSnapshot(this.table);
      if (podInfo.invalid) throw new InvalidPodError(podInfo.invalid);
      // A promise only when Filter or Score went to the worker pool; meanwhile the
      // informers and binds go on, and the table stays as this cycle's snapshot.
      const scheduled = this.algorithm.schedule(fw, podInfo, this.table);
      const result = scheduled instanceof Promise ? await scheduled : scheduled;
      nodeName = result.nodeName;
      state = result.state;
      log.debug({ node: nodeName, evaluated: result.evaluatedNodes, feasible: result.feasibleNodes }, 'node selected');
    } catch (err) {
      this.handleSchedulingFailure(qpi, err, cycle, log);
      return;
    }

    // Assume: the pod counts on the node from now on, for every later cycle.
    try {
      this.cache.assumePod(podInfo, nodeName);
    } catch (err) {
      this.handleSchedulingFailure(qpi, err, cycle, log);
      return;
    }
    const reserve = fw.runReservePlugins(state, podInfo, nodeName);
    if (reserve !== null) {
      this.unreserveAndForget(fw, state, podInfo, nodeName, log);
      this.handleSchedulingFailure(qpi, new PluginError(reserve), cycle, log);
      return;
    }
    const permit = fw.runPermitPlugins(state, podInfo, nodeName);
    if (permit.status !== null) {
      // Waiting pods (gang scheduling) need an allow/reject API Berth does not
      // have yet: a Wait is refused rather than silently treated as allowed.
      const status =
        permit.status.code === Code.Wait
          ? new Status(Code.Error, [`permit plugin ${permit.status.plugin} asked the pod to wait; Berth does not support waiting pods yet`], permit.status.plugin)
          : permit.status;
      this.unreserveAndForget(fw, state, podInfo, nodeName, log);
      this.handleSchedulingFailure(qpi, new PluginError(status), cycle, log);
      return;
    }

    if (this.inflightBinds < this.bindConcurrency) this.inflightBinds++;
    else await this.acquireBindSlot();
    const done = this.bindingCycle(fw, state, qpi, nodeName, cycle, log).finally(() => {
      this.releaseBindSlot();
      this.bindsDone.delete(done);
    });
    this.bindsDone.add(done);
  }

  private async bindingCycle(
    fw: Framework,
    state: CycleState,
    qpi: QueuedPodInfo,
    nodeName: string,
    cycle: number,
    log: PodLog,
  ): Promise<void> {
    const podInfo = qpi.podInfo;
    try {
      const preBind = fw.runPreBindPlugins(state, podInfo, nodeName);
      let status = preBind instanceof Promise ? await preBind : preBind;
      if (status === null) status = await fw.runBindPlugins(state, podInfo, nodeName);
      if (status !== null) {
        this.handleBindingFailure(fw, state, qpi, nodeName, status.message(), cycle, log);
        return;
      }
      this.cache.finishBinding(podInfo.uid);
      this.stats.scheduled++;
      this.metrics?.attemptFinished(qpi, 'scheduled');
      this.client.recordEvent({
        regarding: { kind: 'Pod', namespace: podInfo.namespace, name: podInfo.name, uid: podInfo.uid, apiVersion: 'v1' },
        type: 'Normal',
        reason: 'Scheduled',
        action: 'Binding',
        note: `Successfully assigned ${podInfo.key} to ${nodeName}`,
      });
      log.debug({ node: nodeName }, 'pod bound');
      fw.runPostBindPlugins(state, podInfo, nodeName, (err) => log.error({ err }, 'postBind plugin failed'));
    } catch (err) {
      this.handleBindingFailure(fw, state, qpi, nodeName, (err as Error).message, cycle, log);
    } finally {
      this.queue.done(podInfo.uid);
    }
  }

  private unreserveAndForget(fw: Framework, state: CycleState, podInfo: PodInfo, nodeName: string, log: PodLog): void {
    fw.runUnreservePlugins(state, podInfo, nodeName, (err) => log.error({ err }, 'unreserve plugin failed'));
    this.cache.forgetPod(podInfo.uid);
  }

  private handleBindingFailure(
    fw: Framework,
    state: CycleState,
    qpi: QueuedPodInfo,
    nodeName: string,
    message: string,
    cycle: number,
    log: PodLog,
  ): void {
    this.stats.bindFailures++;
    this.unreserveAndForget(fw, state, qpi.podInfo, nodeName, log);
    // The pod's own state changed (deleted, or bound by someone else): the
    // informer will tell us; a requeue would only fail again.
    const current = this.knownPods.get(qpi.podInfo.uid)?.pod;
    if (!current || current.spec?.nodeName || isTerminating(current)) {
      this.metrics?.attemptFinished(qpi, 'error');
      log.info({ node: nodeName, reason: message }, 'bind abandoned: pod gone or already bound');
      return;
    }
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', action: 'Delete' });
    this.handleSchedulingFailure(qpi, new BindError(message), cycle, log);
  }

  private handleSchedulingFailure(qpi: QueuedPodInfo, err: unknown, cycle: number, log: PodLog): void {
    const podInfo = qpi.podInfo;
    let reason: string;
    let message: string;
    if (err instanceof FitError) {
      this.stats.unschedulable++;
      reason = 'Unschedulable';
      message = err.message;
      qpi.unschedulablePlugins = new Set(err.diagnosis.unschedulablePlugins);
      log.info({ reason: message }, 'pod is unschedulable');
    } else if (err instanceof InvalidPodError) {
      this.stats.unschedulable++;
      reason = 'Unschedulable';
      message = `pod cannot be scheduled: ${err.message}`;
      qpi.unschedulablePlugins = new Set();
      log.warn({ reason: err.message }, 'pod spec is invalid');
    } else if (err instanceof PluginError && (err.status.isRejection() || err.status.code === Code.Pending)) {
      // Reserve or Permit rejected the pod on the node it chose. As upstream (status.IsRejected()), that is
      // a FitError over the one node: unschedulable, waiting for an event its plugin cares about; not an error.
      const status = err.status;
      this.stats.unschedulable++;
      reason = 'Unschedulable';
      const diagnosis = new Diagnosis();
      for (const r of status.reasons) diagnosis.reasons.set(r, 1);
      message = fitErrorMessage(1, diagnosis);
      const plugins = new Set(status.plugin ? [status.plugin] : []);
      if (status.code === Code.Pending) qpi.pendingPlugins = plugins;
      else qpi.unschedulablePlugins = plugins;
      log.info({ reason: message, plugin: status.plugin }, 'pod is unschedulable');
    } else {
      this.stats.errors++;
      reason = 'SchedulerError';
      message = err instanceof Error ? err.message : String(err);
      log.error({ err }, 'error scheduling pod; retrying');
    }
    this.metrics?.attemptFinished(qpi, reason === 'Unschedulable' ? 'unschedulable' : 'error');

    const current = this.knownPods.get(podInfo.uid)?.pod;
    if (!current || current.spec?.nodeName) {
      // Deleted or bound meanwhile: nothing to requeue or report.
      this.queue.done(podInfo.uid);
      return;
    }
    if (reason === 'Unschedulable') this.queue.addUnschedulableIfNotPresent(qpi, cycle);
    else this.queue.requeueAfterError(qpi);
    this.queue.done(podInfo.uid);

    this.client.recordEvent({
      regarding: { kind: 'Pod', namespace: podInfo.namespace, name: podInfo.name, uid: podInfo.uid, apiVersion: 'v1' },
      type: 'Warning',
      reason: 'FailedScheduling',
      action: 'Scheduling',
      note: truncate(message),
    });
    const existing = current.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing?.status === 'False' && existing.reason === reason && existing.message === message) return;
    this.client
      .updatePodStatus({ namespace: podInfo.namespace, name: podInfo.name, uid: podInfo.uid }, {
        type: 'PodScheduled',
        status: 'False',
        reason,
        message,
        ...(existing?.status === 'False' && existing.lastTransitionTime ? { lastTransitionTime: existing.lastTransitionTime } : {}),
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && (e.isNotFound || e.isConflict)) return;
        log.warn({ err: e }, 'cannot update pod condition');
      });
  }

  // --- bind slots -----------------------------------------------------------

  private async acquireBindSlot(): Promise<void> {
    while (this.inflightBinds >= this.bindConcurrency) {
      await new Promise<void>((resolve) => this.bindSlotWaiters.push(resolve));
    }
    this.inflightBinds++;
  }

  private releaseBindSlot(): void {
    this.inflightBinds--;
    this.bindSlotWaiters.shift()?.();
  }

  /** Waits until no bind is in flight (tests, the demo). */
  async drainBinds(): Promise<void> {
    while (this.bindsDone.size > 0) await Promise.all([...this.bindsDone]);
  }

  /** "ns/name" of every pod the informer knows. */
  knownPodKeys(): string[] {
    return [...this.knownPods.values()].map((info) => info.key);
  }
}

/** A pod whose spec cannot be read (e.g. a malformed quantity). */
export class InvalidPodError extends Error {
  override name = 'InvalidPodError';
}

/** The bind failed for a reason other than the pod being gone. */
export class BindError extends Error {
  override name = 'BindError';
  constructor(message: string) {
    super(`binding rejected: ${message}`);
  }
}
