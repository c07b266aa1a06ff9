import { join } from 'node:path';
import type { EvictionManager } from '@capstan/eviction';
import { podResources } from './cri-config.js';
import { containerRef, discardEvents, type EventRecorder, nodeRef, podRef } from './events.js';
import {
  type LifecycleCgroups,
  type LifecycleEvictionOptions,
  startEviction,
} from './eviction-wiring.js';
import { type ContainerLogRotator, startHousekeeping } from './housekeeping.js';
import type { ImageGcOptions } from './image-gc.js';
import type { LifecycleLogger } from './logger.js';
import { NodeConditionTracker } from './node-conditions.js';
import type { MachineInfo } from './node-machine.js';
import { describeNode } from './node-status.js';
import { followContainerEvents } from './pleg-evented.js';
import { GenericPleg } from './pleg-generic.js';
import { type AdmitCapacity, admit } from './pod-admission.js';
import { sweepPodLeftovers } from './pod-cleanup.js';
import type { PodRegistry } from './pod-registry.js';
import type { Node, Pod } from './pod-types.js';
import { PodWorkers } from './pod-workers.js';
import { Prober } from './probe-manager.js';
import { Backoff } from './restart-backoff.js';
import type { LifecycleRuntime } from './runtime-client.js';
import type { SyncDeps } from './sync-deps.js';
import { syncPod } from './sync-pod.js';

/** Where the lifecycle reports its measurements (the node agent feeds Prometheus). */
export interface LifecycleMetrics {
  /** A pod's containers first ran, `seconds` after the pod was created. */
  podStarted?(seconds: number): void;
  /** One PLEG relist took `seconds`. */
  relisted?(seconds: number): void;
  /** A pod sync failed (it is retried). */
  syncFailed?(): void;
}

/** Everything a {@link PodLifecycle} is built from. Every value is the caller's choice. */
export interface PodLifecycleOptions {
  /** A connected CRI client (`connectCriClient` from @capstan/cri-api). */
  cri: LifecycleRuntime;
  /** The runtime's name from Version (container IDs read `<runtimeName>://<id>`). */
  runtimeName: string;
  /** The desired pods; the lifecycle syncs each one that changes. */
  registry: PodRegistry;
  /** The node's name; also labels the CRI objects of this agent's pods. */
  nodeName: string;
  hostIP: string;
  /** The agent's state: `<rootDir>/pods/<uid>/volumes`, `<rootDir>/config.json` logins, nodefs. */
  rootDir: string;
  /** Pod log root (`<podLogsDir>/<ns>_<name>_<uid>`). */
  podLogsDir: string;
  /** Local configMaps and secrets (`<configDir>/configmaps/<ns>/<name>/<key>`, `secrets/`). */
  configDir?: string | undefined;
  /** The machine (`readMachineInfo`): capacity and the node object's nodeInfo. */
  machine: MachineInfo;
  /** Pods this node admits. */
  maxPods: number;
  /** Unsafe sysctls pods may set besides the safe ones: names or `prefix*` patterns. */
  allowedUnsafeSysctls?: readonly string[] | undefined;
  /** The runtime's version from Version (the node's containerRuntimeVersion). */
  runtimeVersion: string;
  /** What the node object reports as its kubelet version. */
  kubeletVersion: string;
  /** Pod cgroups; without them the runtime places pods and eviction does not run. */
  cgroups?: LifecycleCgroups | undefined;
  /** Eviction thresholds (used with `cgroups`). */
  eviction?: LifecycleEvictionOptions | undefined;
  relistPeriodMs: number;
  housekeepingPeriodMs: number;
  imageGc: ImageGcOptions;
  logRotation?: ContainerLogRotator | undefined;
  /** Runs after every housekeeping pass. */
  afterHousekeeping?: (() => void) | undefined;
  metrics?: LifecycleMetrics | undefined;
  /** Where Events go (an EventStore the API serves); dropped without one. */
  recorder?: EventRecorder | undefined;
  /** How often the node's conditions are evaluated (the kubelet's 10 s nodeStatusUpdateFrequency). */
  nodeStatusPeriodMs?: number | undefined;
  logger: LifecycleLogger;
}

/**
 * The kubelet's core, composed: pod workers running {@link syncPod}, the prober, the
 * generic and evented PLEG, housekeeping (log rotation, image GC), the eviction manager and
 * the node conditions it sets. Pod sources feed {@link PodLifecycle.registry}; the
 * lifecycle does the rest.
 */
export class PodLifecycle {
  readonly registry: PodRegistry;
  private readonly workers: PodWorkers;
  private readonly prober: Prober;
  private readonly pleg: GenericPleg;
  private events: AbortController | undefined;
  private stopHousekeeping: (() => void) | undefined;
  private eviction: EvictionManager | undefined;
  private readonly startedPods = new Set<string>();
  /** Node conditions from the eviction manager (MemoryPressure, DiskPressure, PIDPressure). */
  private readonly pressure = new Map<string, { status: boolean; message: string }>();
  private readonly recorder: EventRecorder;
  private readonly conditions: NodeConditionTracker;
  private nodeTimer: NodeJS.Timeout | undefined;

  /** What pods may use (admission, resourceFieldRef without a limit): the machine's CPUs and memory, maxPods. */
  readonly allocatable: AdmitCapacity;

  constructor(private readonly o: PodLifecycleOptions) {
    this.registry = o.registry;
    this.allocatable = {
      cpuMillis: o.machine.cpuCores * 1000,
      memoryBytes: o.machine.memoryBytes,
      pods: o.maxPods,
    };
    this.recorder = o.recorder ?? discardEvents;
    this.conditions = new NodeConditionTracker(o.nodeName, this.recorder);
    const restartRequests = new Map<string, string>();
    const podCgroups = new Map<string, Promise<string>>();
    this.prober = new Prober(
      o.cri.runtime,
      (uid) => this.workers.kick(uid),
      (uid, name, kind) => {
        restartRequests.set(`${uid}/${name}`, `${kind} probe failed`);
        this.workers.kick(uid);
      },
      (uid, name, kind, output) => {
        const pod = this.registry.get(uid)?.pod;
        if (!pod) return;
        const Kind = kind[0]!.toUpperCase() + kind.slice(1);
        this.recorder.event(
          containerRef(pod, name),
          'Warning',
          'Unhealthy',
          `${Kind} probe failed: ${output}`,
        );
      },
    );
    const hierarchy = o.cgroups?.hierarchy;
    const deps: SyncDeps = {
      cri: o.cri,
      registry: o.registry,
      prober: this.prober,
      backoff: new Backoff(),
      logger: o.logger,
      recorder: this.recorder,
      volumes: {
        podsDir: join(o.rootDir, 'pods'),
        ...(o.configDir ? { configDir: o.configDir } : {}),
        // The node's allocatable (as reported on the node object): resourceFieldRef's value
        // for a limit a container does not set.
        allocatable: this.allocatable,
      },
      pullCredentials: {
        ...(o.configDir ? { configDir: o.configDir } : {}),
        nodeConfigFile: join(o.rootDir, 'config.json'),
      },
      pullErrors: new Map(),
      logRoot: o.podLogsDir,
      agentId: o.nodeName,
      runtimeName: o.runtimeName,
      hostIP: o.hostIP,
      cgroupParent: (pod) => {
        if (!hierarchy) return Promise.resolve('');
        // Created (or found and updated) once per pod, not on every sync: a pod's resources
        // never change under one UID (an edited static pod is a new pod).
        const uid = pod.metadata.uid!;
        let path = podCgroups.get(uid);
        if (!path) {
          path = hierarchy.createPod(podResources(pod)).then((c) => c.path);
          podCgroups.set(uid, path);
          path.catch(() => podCgroups.delete(uid));
        }
        return path;
      },
      releaseCgroup: async (pod) => {
        podCgroups.delete(pod.metadata.uid!);
        if (hierarchy && (await hierarchy.findPod(pod.metadata.uid!)))
          await hierarchy.deletePod(pod.metadata.uid!, { timeoutMs: 5000 });
      },
      requeue: (uid, ms) => this.workers.after(uid, ms),
      restartRequests,
      onContainerRunning: (pod) => {
        const uid = pod.metadata.uid!;
        if (this.startedPods.has(uid)) return;
        this.startedPods.add(uid);
        const seen = Date.parse(pod.metadata.creationTimestamp ?? '') || Date.now();
        o.metrics?.podStarted?.((Date.now() - seen) / 1000);
      },
      onPodGone: (uid) => this.startedPods.delete(uid),
    };
    this.workers = new PodWorkers(
      (uid) => syncPod(deps, uid),
      (uid, err) => {
        o.metrics?.syncFailed?.();
        o.logger.warn(
          { uid, err: err instanceof Error ? err.message : err },
          'pod sync failed; retrying',
        );
      },
    );
    this.registry.onChange((e) => this.workers.kick(e.pod.metadata.uid!));
    this.pleg = new GenericPleg({
      runtime: o.cri.runtime,
      agentId: o.nodeName,
      kick: (uid) => this.workers.kick(uid),
      known: (uid) => this.registry.get(uid) !== undefined,
      logger: o.logger,
      ...(o.metrics?.relisted ? { onRelist: (s: number) => o.metrics?.relisted?.(s) } : {}),
    });
  }

  /**
   * Starts eviction (with pod cgroups), syncs every pod already in the registry (pods
   * restored from checkpoints: what runs is adopted), relists, and starts the PLEG and
   * housekeeping loops.
   */
  async start(): Promise<void> {
    const o = this.o;
    this.recorder.event(nodeRef(o.nodeName), 'Normal', 'Starting', 'Starting kubelet.');
    if (o.cgroups)
      this.recorder.event(
        nodeRef(o.nodeName),
        'Normal',
        'NodeAllocatableEnforced',
        'Updated Node Allocatable limit across pods',
      );
    if (o.cgroups && o.eviction) {
      this.eviction = await startEviction({
        settings: o.eviction,
        cgroups: o.cgroups,
        nodefsPath: o.rootDir,
        registry: this.registry,
        workers: this.workers,
        cri: o.cri,
        logger: o.logger,
        onCondition: (type, status, message) => this.pressure.set(type, { status, message }),
      });
    }
    for (const e of this.registry.entries()) this.workers.kick(e.pod.metadata.uid!);
    await this.pleg.start(o.relistPeriodMs);
    this.events = followContainerEvents({
      runtime: o.cri.runtime,
      uidOf: (id) => this.pleg.uidOf(id),
      kick: (uid) => this.workers.kick(uid),
      relist: () => void this.pleg.relist(),
      logger: o.logger,
    });
    this.stopHousekeeping = startHousekeeping({
      periodMs: o.housekeepingPeriodMs,
      cri: o.cri,
      imageGc: o.imageGc,
      logRotation: o.logRotation,
      podCleanup: () =>
        sweepPodLeftovers({
          known: (uid) => this.registry.get(uid) !== undefined,
          runtime: o.cri.runtime,
          agentId: o.nodeName,
          logRoot: o.podLogsDir,
          volumes: { podsDir: join(o.rootDir, 'pods') },
          hierarchy: o.cgroups?.hierarchy,
          logger: o.logger,
        }),
      afterEach: o.afterHousekeeping,
      logger: o.logger,
    });
    // The node status loop: conditions evaluated (and their transitions recorded) as the
    // kubelet's status updates do, whether or not anyone reads the node.
    const tickNode = () => void this.node().catch(() => {});
    tickNode();
    this.nodeTimer = setInterval(tickNode, o.nodeStatusPeriodMs ?? 10_000);
    this.nodeTimer.unref();
  }

  /** Stops every loop and waits for running syncs; the pods keep running. */
  async stop(): Promise<void> {
    this.pleg.stop();
    clearInterval(this.nodeTimer);
    this.stopHousekeeping?.();
    // The kernel notification wait can outlast a stop; do not let it hold the agent.
    await Promise.race([this.eviction?.stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.events?.abort();
    this.workers.stop();
    this.prober.stopAll();
    await this.workers.idle();
  }

  /** Waits until every pod worker is idle. */
  idle(): Promise<void> {
    return this.workers.idle();
  }

  /** Asks for a sync of the pod `uid`. */
  kick(uid: string): void {
    this.workers.kick(uid);
  }

  /** Healthy while relists succeed (the kubelet allows 3 minutes). */
  healthy(): { ok: boolean; reason?: string } {
    return this.pleg.healthy();
  }

  /** Why `pod` cannot run here next to the registry's pods (admission), or undefined. */
  admit(pod: Pod): { reason: string; message: string } | undefined {
    const why = admit(
      pod,
      this.registry.entries().map((e) => e.pod),
      this.allocatable,
      this.o.allowedUnsafeSysctls ?? [],
    );
    // The kubelet's rejectPod: a Warning event with the admission reason (SysctlForbidden,
    // OutOfcpu, OutOfmemory, OutOfpods, NodePorts).
    if (why) this.recorder.event(podRef(pod), 'Warning', why.reason, why.message);
    return why;
  }

  /** Starts graceful deletion of the pod `uid`; false when it is unknown. */
  deletePod(uid: string, gracePeriodSeconds: number): boolean {
    if (!this.registry.markDeleting(uid, gracePeriodSeconds)) return false;
    this.workers.kick(uid);
    return true;
  }

  /** The Node object: capacity from the machine, conditions, nodeInfo, images. */
  node(): Promise<Node> {
    return describeNode({
      cri: this.o.cri,
      nodeName: this.o.nodeName,
      hostIP: this.o.hostIP,
      machine: this.o.machine,
      maxPods: this.o.maxPods,
      runtime: { name: this.o.runtimeName, version: this.o.runtimeVersion },
      pressure: (type) => this.pressure.get(type),
      healthy: this.healthy().ok,
      healthReason: this.healthy().reason,
      track: (c) => this.conditions.update(c),
      kubeletVersion: this.o.kubeletVersion,
    });
  }
}
