import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { type CgroupManager, createCgroupManager, PodCgroupHierarchy } from '@capstan/cgroups';
import { openCheckpointStore } from '@capstan/checkpoint';
import {
  type CriClient,
  ContainerState as CriState,
  connectCriClient,
  isUnavailable,
} from '@capstan/cri-api';
import {
  createCgroupStatsProvider,
  EvictionManager,
  parseEvictionSettings,
} from '@capstan/eviction';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { mallocTrim } from './malloc-trim.js';
import { Backoff } from './pod/backoff.js';
import { readContainerLog } from './pod/pod-logs.js';
import { type LogOptions, PodApiError, type PodManager } from './pod/pod-manager.js';
import { LABEL_CONTAINER_NAME, LABEL_MANAGED, LABEL_POD_UID, nsOf } from './pod/pod-naming.js';
import { PodRegistry } from './pod/pod-registry.js';
import type { Node, Pod } from './pod/types.js';
import { invalidPodReason, StaticPodSource } from './sources/static-dir.js';
import { admit } from './sync/admission.js';
import { podResources } from './sync/cri-config.js';
import { collectImages, type ImageGcOptions } from './sync/image-gc.js';
import { type LogRotationOptions, rotateLogs } from './sync/log-rotation.js';
import { type SyncDeps, syncPod } from './sync/pod-sync.js';
import { PodWorkers } from './sync/pod-workers.js';
import { Prober } from './sync/prober.js';

/** Everything the agent is told at start (from the config file and flags). */
export interface AgentOptions {
  nodeName: string;
  runtimeEndpoint: string;
  imageEndpoint?: string;
  rootDir: string;
  podLogsDir: string;
  staticPodPath?: string;
  /** configMap/secret data for pods: <dir>/configmaps/<ns>/<name>/<key>, secrets likewise. */
  configDir?: string;
  maxPods: number;
  /** cgroup root of pods (`kubepods` on a real node); '' leaves cgroups to the runtime. */
  cgroupRoot: string;
  cgroupDriver: 'cgroupfs' | 'systemd';
  relistPeriodMs: number;
  hostIP: string;
  logger: Logger;
  /** Container log rotation (the kubelet's containerLogMaxSize / containerLogMaxFiles). */
  logRotation?: LogRotationOptions;
  /** Image GC thresholds (the kubelet's imageGCHigh/LowThresholdPercent). */
  imageGc?: ImageGcOptions;
  /** How often rotation and GC run. Default 10 s. */
  housekeepingPeriodMs?: number;
  /** Eviction thresholds in the kubelet's syntax; eviction runs when pod cgroups are on. */
  eviction?: {
    hard?: string;
    soft?: string;
    softGracePeriod?: string;
    minimumReclaim?: string;
    pressureTransitionPeriod?: string;
    maxPodGracePeriodSeconds?: number;
  };
  /** The cgroup whose memory is the node's ('/' on a real node); pod cgroups go under it. */
  nodeCgroup?: string;
}

/** The node agent: pod sources, workers, PLEG, probes, and the PodManager the API serves. */
export class Agent implements PodManager {
  readonly registry: PodRegistry;
  readonly metrics = new Registry();
  cri!: CriClient;
  private workers!: PodWorkers;
  private prober!: Prober;
  private staticSource: StaticPodSource | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private relisting = false;
  private housekeepingTimer: NodeJS.Timeout | undefined;
  private events: AbortController | undefined;
  private lastSignatures = new Map<string, string>();
  private readonly uidOfContainer = new Map<string, string>();
  private lastRelist = 0;
  private runtimeName = 'cri';
  private runtimeVersion = '';
  private cgroups: PodCgroupHierarchy | undefined;
  private cgroupManager: CgroupManager | undefined;
  private eviction: EvictionManager | undefined;
  /** Node conditions from the eviction manager (MemoryPressure, DiskPressure, PIDPressure). */
  private readonly pressure = new Map<string, { status: boolean; message: string }>();
  private readonly startLatency = new Histogram({
    name: 'capstan_pod_start_duration_seconds',
    help: 'From the pod being seen to its containers first running',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.metrics],
  });
  private readonly relistLatency = new Histogram({
    name: 'capstan_pleg_relist_duration_seconds',
    help: 'Duration of one PLEG relist',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.metrics],
  });
  private readonly syncErrors = new Counter({
    name: 'capstan_pod_sync_errors_total',
    help: 'Pod syncs that failed (runtime errors)',
    registers: [this.metrics],
  });
  private readonly runtimeOps = new Histogram({
    name: 'capstan_runtime_operations_duration_seconds',
    help: 'Duration of CRI calls to the runtime, by operation (the kubelet names them alike)',
    labelNames: ['operation_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.metrics],
  });
  private readonly runtimeOpErrors = new Counter({
    name: 'capstan_runtime_operations_errors_total',
    help: 'CRI calls to the runtime that failed, by operation',
    labelNames: ['operation_type'] as const,
    registers: [this.metrics],
  });
  private readonly startedPods = new Set<string>();

  private constructor(
    readonly options: AgentOptions,
    private readonly checkpointDir: string,
  ) {
    this.registry = new PodRegistry();
    const registry = () => this.registry;
    new Gauge({
      name: 'capstan_pods',
      help: 'Pods the agent runs, by phase',
      labelNames: ['phase'] as const,
      registers: [this.metrics],
      collect() {
        this.reset();
        for (const e of registry().entries()) this.inc({ phase: e.pod.status?.phase ?? 'Pending' });
      },
    });
    new Gauge({
      name: 'capstan_running_pods',
      help: 'Pods with a running sandbox (phase Running)',
      registers: [this.metrics],
      collect() {
        this.set(
          registry()
            .entries()
            .filter((e) => e.pod.status?.phase === 'Running').length,
        );
      },
    });
    new Gauge({
      name: 'capstan_running_containers',
      help: "The pods' containers by state, as the kubelet counts them",
      labelNames: ['container_state'] as const,
      registers: [this.metrics],
      collect() {
        this.reset();
        for (const state of ['created', 'running', 'exited'])
          this.set({ container_state: state }, 0);
        for (const e of registry().entries()) {
          const st = e.pod.status;
          for (const cs of [
            ...(st?.initContainerStatuses ?? []),
            ...(st?.containerStatuses ?? []),
          ]) {
            const state = cs.state.running ? 'running' : cs.state.terminated ? 'exited' : 'created';
            this.inc({ container_state: state });
          }
        }
      },
    });
  }

  /** Connects to the runtime, restores checkpointed pods, and starts every loop. */
  static async start(options: AgentOptions): Promise<Agent> {
    mkdirSync(options.rootDir, { recursive: true });
    const checkpointDir = join(options.rootDir, 'checkpoints', 'pods');
    const agent = new Agent(options, checkpointDir);
    await agent.init();
    return agent;
  }

  private async init() {
    const o = this.options;
    const store = await openCheckpointStore<unknown>({ dir: this.checkpointDir });
    (this as { registry: PodRegistry }).registry = new PodRegistry(store);
    this.cri = await connectCriClient(o.runtimeEndpoint, {
      deadlineMs: 120_000,
      timeoutMs: 30_000,
      onCallEnd: (method, ms, error) => {
        const operation = operationType(method);
        this.runtimeOps.observe({ operation_type: operation }, ms / 1000);
        if (error) this.runtimeOpErrors.inc({ operation_type: operation });
      },
    });
    const v = await this.cri.runtime.version({ version: 'v1' });
    this.runtimeName = v.runtimeName;
    this.runtimeVersion = v.runtimeVersion;
    if (o.cgroupRoot) {
      const manager: CgroupManager = createCgroupManager();
      this.cgroups = new PodCgroupHierarchy({
        manager,
        root: o.cgroupRoot,
        driver: o.cgroupDriver,
        // Pod cgroups go under the node's cgroup ('/' on a real node).
        ...(o.nodeCgroup && o.nodeCgroup !== '/' ? { parent: o.nodeCgroup } : {}),
      });
      await this.cgroups.ensure();
      this.cgroupManager = manager;
    }
    const restored = await this.registry.restore();
    o.logger.info(
      { runtime: `${v.runtimeName} ${v.runtimeVersion}`, restoredPods: restored },
      'node agent starting',
    );

    const restartRequests = new Map<string, string>();
    const podCgroups = new Map<string, Promise<string>>();
    this.prober = new Prober(
      this.cri.runtime,
      (uid) => this.workers.kick(uid),
      (uid, name, kind) => {
        restartRequests.set(`${uid}/${name}`, `${kind} probe failed`);
        this.workers.kick(uid);
      },
    );
    const deps: SyncDeps = {
      cri: this.cri,
      registry: this.registry,
      prober: this.prober,
      backoff: new Backoff(),
      logger: o.logger,
      volumes: {
        podsDir: join(o.rootDir, 'pods'),
        ...(o.configDir ? { configDir: o.configDir } : {}),
        // The node's allocatable (as reported on the node object): resourceFieldRef's value
        // for a limit a container does not set.
        allocatable: this.capacity(),
      },
      pullCredentials: {
        ...(o.configDir ? { configDir: o.configDir } : {}),
        nodeConfigFile: join(o.rootDir, 'config.json'),
      },
      pullErrors: new Map(),
      logRoot: o.podLogsDir,
      agentId: o.nodeName,
      runtimeName: this.runtimeName,
      hostIP: o.hostIP,
      cgroupParent: (pod) => {
        if (!this.cgroups) return Promise.resolve('');
        // Created (or found and updated) once per pod, not on every sync: a pod's resources
        // never change under one UID (an edited static pod is a new pod).
        const uid = pod.metadata.uid!;
        let path = podCgroups.get(uid);
        if (!path) {
          path = this.cgroups.createPod(podResources(pod)).then((c) => c.path);
          podCgroups.set(uid, path);
          path.catch(() => podCgroups.delete(uid));
        }
        return path;
      },
      releaseCgroup: async (pod) => {
        podCgroups.delete(pod.metadata.uid!);
        if (this.cgroups && (await this.cgroups.findPod(pod.metadata.uid!)))
          await this.cgroups.deletePod(pod.metadata.uid!, { timeoutMs: 5000 });
      },
      requeue: (uid, ms) => this.workers.after(uid, ms),
      restartRequests,
      onContainerRunning: (pod) => {
        const uid = pod.metadata.uid!;
        if (this.startedPods.has(uid)) return;
        this.startedPods.add(uid);
        const seen = Date.parse(pod.metadata.creationTimestamp ?? '') || Date.now();
        this.startLatency.observe((Date.now() - seen) / 1000);
      },
    };
    this.workers = new PodWorkers(
      (uid) => syncPod(deps, uid),
      (uid, err) => {
        this.syncErrors.inc();
        o.logger.warn(
          { uid, err: err instanceof Error ? err.message : err },
          'pod sync failed; retrying',
        );
      },
    );
    this.registry.onChange((e) => this.workers.kick(e.pod.metadata.uid!));
    if (o.staticPodPath) {
      mkdirSync(o.staticPodPath, { recursive: true });
      this.staticSource = new StaticPodSource(
        o.staticPodPath,
        o.nodeName,
        o.logger,
        (added, removed) => {
          for (const p of removed)
            this.registry.markDeleting(
              p.metadata.uid!,
              p.spec.terminationGracePeriodSeconds ?? 30,
            ) && this.workers.kick(p.metadata.uid!);
          for (const p of added) {
            const why = admit(
              p,
              this.registry.entries().map((e) => e.pod),
              this.capacity(),
            );
            void this.registry.upsert(p, 'file').then((e) => {
              if (why)
                this.registry.setStatus(e.pod.metadata.uid!, {
                  phase: 'Failed',
                  reason: why.reason,
                  message: why.message,
                });
            });
          }
        },
      );
      this.staticSource.start();
    }
    if (this.cgroups && this.cgroupManager)
      await this.startEviction(this.cgroups, this.cgroupManager);
    // Pods restored from checkpoints: adopt what runs (the first sync finds it).
    for (const e of this.registry.entries()) this.workers.kick(e.pod.metadata.uid!);
    await this.relist();
    this.relistTimer = setInterval(() => void this.relist(), o.relistPeriodMs);
    this.followEvents();
    let housekeeping = false;
    this.housekeepingTimer = setInterval(async () => {
      if (housekeeping) return;
      housekeeping = true;
      try {
        await rotateLogs(
          this.cri,
          o.logRotation ?? { maxSize: 10 * 1024 * 1024, maxFiles: 5 },
          o.logger,
        );
        await collectImages(
          this.cri,
          o.imageGc ?? { highThresholdPercent: 85, lowThresholdPercent: 80 },
          o.logger,
        );
      } catch (err) {
        o.logger.warn({ err: (err as Error).message }, 'housekeeping failed');
      } finally {
        housekeeping = false;
        mallocTrim();
      }
    }, o.housekeepingPeriodMs ?? 10_000);
  }

  /**
   * Evented PLEG: container events from the runtime (GetContainerEvents) wake the pod's
   * worker at once; relisting stays as the fallback and safety net. Runtimes without the
   * RPC answer UNIMPLEMENTED and the agent relies on relisting alone.
   */
  private followEvents(): void {
    this.events = new AbortController();
    const signal = this.events.signal;
    void (async () => {
      while (!signal.aborted) {
        try {
          for await (const e of this.cri.runtime.getContainerEvents({}, { signal })) {
            const uid = e.containerId && this.uidOfContainer.get(e.containerId);
            if (uid) this.workers.kick(uid);
            else void this.relist();
          }
        } catch (err) {
          if (signal.aborted) return;
          if ((err as { code?: number }).code === 12 /* UNIMPLEMENTED */) {
            this.options.logger.info({}, 'runtime has no container events; PLEG relists only');
            return;
          }
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
  }

  /**
   * The eviction manager (@capstan/eviction): node memory from the node cgroup, pods from
   * the registry, kernel memory notifications so it acts before the OOM killer. An evicted
   * pod is killed and stays Failed with reason Evicted; reclaim tries image GC first.
   */
  private async startEviction(hierarchy: PodCgroupHierarchy, manager: CgroupManager) {
    const o = this.options;
    const e = o.eviction ?? {};
    const settings = parseEvictionSettings({
      hard:
        e.hard ??
        'memory.available<100Mi,nodefs.available<10%,imagefs.available<15%,nodefs.inodesFree<5%',
      ...(e.soft ? { soft: e.soft } : {}),
      ...(e.softGracePeriod ? { softGracePeriod: e.softGracePeriod } : {}),
      ...(e.minimumReclaim ? { minimumReclaim: e.minimumReclaim } : {}),
      ...(e.pressureTransitionPeriod
        ? { pressureTransitionPeriod: e.pressureTransitionPeriod }
        : {}),
      ...(e.maxPodGracePeriodSeconds !== undefined
        ? { maxPodGracePeriodSeconds: e.maxPodGracePeriodSeconds }
        : {}),
    });
    this.eviction = new EvictionManager({
      ...settings,
      statsProvider: createCgroupStatsProvider({
        manager,
        nodeCgroup: o.nodeCgroup ?? '/',
        podsCgroup: hierarchy.rootPath,
        hierarchy,
        nodefsPath: o.rootDir,
      }),
      podProvider: () =>
        this.registry
          .entries()
          .filter(
            (x) =>
              !x.deleting &&
              !x.evicted &&
              x.pod.status?.phase !== 'Succeeded' &&
              x.pod.status?.phase !== 'Failed',
          )
          .map((x) => ({
            ...podResources(x.pod),
            name: x.pod.metadata.name,
            namespace: nsOf(x.pod),
            priority: x.pod.spec.priority ?? 0,
            static: x.source === 'file',
            terminationGracePeriodSeconds: x.pod.spec.terminationGracePeriodSeconds ?? 30,
          })),
      evictPod: async (victim, decision) => {
        const entry = this.registry.get(victim.uid);
        if (!entry) return;
        o.logger.warn({ pod: victim.name, reason: decision.message }, 'evicting pod');
        entry.evicted = {
          message: decision.message,
          gracePeriodSeconds: decision.gracePeriodSeconds ?? 0,
        };
        this.workers.kick(victim.uid);
        // Resolve once its containers are gone, so the next observation sees the node without it.
        while (
          this.workers.isBusy(victim.uid) ||
          this.registry.get(victim.uid)?.pod.status?.reason !== 'Evicted'
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      reclaim: {
        deleteUnusedImages: async () => {
          await collectImages(
            this.cri,
            { highThresholdPercent: 0, lowThresholdPercent: 0 },
            o.logger,
          );
        },
      },
      logger: o.logger,
    });
    this.eviction.on('condition', (c: { type: string; status: boolean; message?: string }) => {
      this.pressure.set(c.type, { status: c.status, message: c.message ?? '' });
      o.logger.info({ condition: c.type, status: c.status }, 'node condition changed');
    });
    await this.eviction.start();
  }

  /** PLEG: one relist, kicking the workers of pods whose runtime state changed. */
  private async relist(): Promise<void> {
    // One relist at a time: a runtime slower than the period must not pile them up.
    if (this.relisting) return;
    this.relisting = true;
    const t0 = performance.now();
    try {
      const [{ items }, { containers }] = await Promise.all([
        this.cri.runtime.listPodSandbox({}, { deadlineMs: 10_000 }),
        this.cri.runtime.listContainers({}, { deadlineMs: 10_000 }),
      ]);
      const sig = new Map<string, string[]>();
      for (const s of items) {
        const uid = s.labels[LABEL_POD_UID];
        if (!uid || s.labels[LABEL_MANAGED] !== this.options.nodeName) continue;
        sig.set(uid, [...(sig.get(uid) ?? []), `s${s.id}:${s.state}`]);
      }
      for (const c of containers) {
        const uid = c.labels[LABEL_POD_UID];
        if (!uid || !sig.has(uid)) continue;
        this.uidOfContainer.set(c.id, uid);
        sig.get(uid)!.push(`c${c.id}:${c.state}`);
      }
      for (const [uid, parts] of sig) {
        const s = parts.sort().join(',');
        if (this.lastSignatures.get(uid) !== s) {
          this.lastSignatures.set(uid, s);
          this.workers.kick(uid);
        }
      }
      for (const uid of [...this.lastSignatures.keys()]) {
        if (!sig.has(uid)) {
          this.lastSignatures.delete(uid);
          if (this.registry.get(uid)) this.workers.kick(uid);
        }
      }
      this.lastRelist = Date.now();
    } catch (err) {
      this.options.logger.warn(
        { err: isUnavailable(err) ? (err as Error).message : err },
        'PLEG relist failed',
      );
    } finally {
      this.relisting = false;
      this.relistLatency.observe((performance.now() - t0) / 1000);
    }
  }

  /** Healthy while relists succeed (the kubelet allows 3 minutes). */
  healthy(): { ok: boolean; reason?: string } {
    const age = Date.now() - this.lastRelist;
    return age < 180_000
      ? { ok: true }
      : { ok: false, reason: `PLEG last relisted ${Math.round(age / 1000)}s ago` };
  }

  manifestErrors() {
    return this.staticSource?.errors ?? [];
  }

  async stop(): Promise<void> {
    clearInterval(this.relistTimer);
    clearInterval(this.housekeepingTimer);
    // The kernel notification wait can outlast a stop; do not let it hold the agent.
    await Promise.race([this.eviction?.stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.events?.abort();
    this.staticSource?.stop();
    this.workers.stop();
    this.prober.stopAll();
    await this.workers.idle();
    this.cri.close();
  }

  /** Waits until every pod worker is idle (tests). */
  idle(): Promise<void> {
    return this.workers.idle();
  }

  capacity() {
    return {
      cpuMillis: cpus().length * 1000,
      memoryBytes: BigInt(totalmem()),
      pods: this.options.maxPods,
    };
  }

  // ---- PodManager (what the pod API serves) ----

  list(namespace?: string): Pod[] {
    return this.registry
      .entries()
      .filter((e) => !namespace || nsOf(e.pod) === namespace)
      .map((e) => structuredClone(e.pod));
  }

  /** The pods as stored, not copied: for serializing only (callers must not mutate). */
  podsView(): readonly Pod[] {
    return this.registry.entries().map((e) => e.pod);
  }

  get(namespace: string, name: string): Pod | undefined {
    const e = this.registry.byKey(namespace, name);
    return e ? structuredClone(e.pod) : undefined;
  }

  async create(pod: Pod): Promise<Pod> {
    const why = invalidPodReason(pod);
    if (why) throw new PodApiError(422, 'Invalid', `Pod is invalid: ${why}`);
    const ns = pod.metadata.namespace ?? 'default';
    if (this.registry.byKey(ns, pod.metadata.name)) {
      throw new PodApiError(409, 'AlreadyExists', `pods "${pod.metadata.name}" already exists`);
    }
    const rejected = admit(
      pod,
      this.registry.entries().map((e) => e.pod),
      this.capacity(),
    );
    if (rejected)
      throw new PodApiError(
        403,
        'Forbidden',
        `pod ${pod.metadata.name} rejected: ${rejected.reason}: ${rejected.message}`,
      );
    delete pod.metadata.uid;
    delete pod.status;
    pod.spec.nodeName = this.options.nodeName;
    const e = await this.registry.upsert(pod, 'api');
    return structuredClone(e.pod);
  }

  async delete(namespace: string, name: string, gracePeriodSeconds?: number): Promise<Pod> {
    const e = this.registry.byKey(namespace, name);
    if (!e) throw new PodApiError(404, 'NotFound', `pods "${name}" not found`);
    this.registry.markDeleting(
      e.pod.metadata.uid!,
      gracePeriodSeconds ?? e.pod.spec.terminationGracePeriodSeconds ?? 30,
    );
    this.workers.kick(e.pod.metadata.uid!);
    return structuredClone(e.pod);
  }

  watch(onEvent: Parameters<PodManager['watch']>[0], resourceVersion?: string) {
    return this.registry.watch(onEvent, resourceVersion);
  }

  resourceVersion(): string {
    return this.registry.resourceVersion();
  }

  /** Labels and annotations are the mutable part of a pod (PATCH/PUT through the API). */
  async updateMetadata(
    namespace: string,
    name: string,
    meta: { labels?: Record<string, string>; annotations?: Record<string, string> },
  ): Promise<Pod> {
    const e = this.registry.byKey(namespace, name);
    if (!e) throw new PodApiError(404, 'NotFound', `pods "${name}" not found`);
    const pod = structuredClone(e.pod);
    if (meta.labels) pod.metadata.labels = meta.labels;
    if (meta.annotations) pod.metadata.annotations = meta.annotations;
    const updated = await this.registry.upsert(pod, e.source);
    return structuredClone(updated.pod);
  }

  private async containerOf(
    namespace: string,
    name: string,
    container: string | undefined,
    previous = false,
  ) {
    const e = this.registry.byKey(namespace, name);
    if (!e) throw new PodApiError(404, 'NotFound', `pods "${name}" not found`);
    const cname = container ?? e.pod.spec.containers[0]!.name;
    if (
      ![...e.pod.spec.containers, ...(e.pod.spec.initContainers ?? [])].some(
        (c) => c.name === cname,
      )
    ) {
      throw new PodApiError(400, 'BadRequest', `container ${cname} is not valid for pod ${name}`);
    }
    const { containers } = await this.cri.runtime.listContainers({
      filter: {
        labelSelector: { [LABEL_POD_UID]: e.pod.metadata.uid!, [LABEL_CONTAINER_NAME]: cname },
      },
    });
    containers.sort((a, b) => Number(b.createdAt - a.createdAt));
    const c = containers[previous ? 1 : 0];
    if (!c) {
      throw new PodApiError(
        400,
        'BadRequest',
        previous
          ? `previous terminated container "${cname}" in pod "${name}" not found`
          : `container "${cname}" in pod "${name}" is waiting to start`,
      );
    }
    return c;
  }

  async *logs(namespace: string, name: string, opts: LogOptions): AsyncIterable<string> {
    const c = await this.containerOf(namespace, name, opts.container, opts.previous);
    const status = (await this.cri.runtime.containerStatus({ containerId: c.id })).status;
    if (!status?.logPath) return;
    const done = async () => {
      const s = (
        await this.cri.runtime.containerStatus({ containerId: c.id }).catch(() => undefined)
      )?.status;
      return !s || s.state !== CriState.CONTAINER_RUNNING;
    };
    yield* readContainerLog(status.logPath, {
      ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
      ...(opts.sinceSeconds !== undefined ? { sinceSeconds: opts.sinceSeconds } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      timestamps: opts.timestamps ?? false,
      follow: opts.follow ?? false,
      done,
      logger: this.options.logger,
    });
  }

  async exec(
    namespace: string,
    name: string,
    container: string | undefined,
    cmd: string[],
    io: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  ) {
    const c = await this.containerOf(namespace, name, container);
    return this.cri.runtime.exec({ containerId: c.id, cmd, ...io });
  }

  async attach(
    namespace: string,
    name: string,
    container: string | undefined,
    io: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  ) {
    const c = await this.containerOf(namespace, name, container);
    return this.cri.runtime.attach({ containerId: c.id, ...io });
  }

  async portForward(namespace: string, name: string, ports: number[]) {
    const e = this.registry.byKey(namespace, name);
    if (!e) throw new PodApiError(404, 'NotFound', `pods "${name}" not found`);
    const { items } = await this.cri.runtime.listPodSandbox({
      filter: { labelSelector: { [LABEL_POD_UID]: e.pod.metadata.uid! }, state: { state: 0 } },
    });
    if (!items[0]) throw new PodApiError(400, 'BadRequest', `pod ${name} has no running sandbox`);
    return this.cri.runtime.portForward({ podSandboxId: items[0].id, port: ports });
  }

  async node(): Promise<Node> {
    const cap = this.capacity();
    const status = (await this.cri.runtime.status({}).catch(() => undefined))?.status;
    const runtimeReady = status?.conditions.find((c) => c.type === 'RuntimeReady')?.status ?? false;
    const networkReady = status?.conditions.find((c) => c.type === 'NetworkReady')?.status ?? false;
    const images = (await this.cri.image.listImages({}).catch(() => ({ images: [] }))).images;
    const now = new Date().toISOString();
    const memKi = `${cap.memoryBytes / 1024n}Ki`;
    const pressureCond = (type: string, okReason: string, badReason: string, what: string) => {
      const p = this.pressure.get(type);
      return p?.status
        ? cond(type, true, badReason, p.message || `node has ${what} pressure`)
        : cond(type, false, okReason, `capstan node agent has no ${what} pressure`);
    };
    const cond = (type: string, ok: boolean, reason: string, message: string) => ({
      type,
      status: (ok ? 'True' : 'False') as 'True' | 'False',
      lastHeartbeatTime: now,
      lastTransitionTime: now,
      reason,
      message,
    });
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.options.nodeName,
        labels: {
          'kubernetes.io/hostname': this.options.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
        },
        creationTimestamp: now,
      },
      spec: {},
      status: {
        capacity: { cpu: String(cpus().length), memory: memKi, pods: String(cap.pods) },
        allocatable: { cpu: String(cpus().length), memory: memKi, pods: String(cap.pods) },
        conditions: [
          pressureCond(
            'MemoryPressure',
            'KubeletHasSufficientMemory',
            'KubeletHasInsufficientMemory',
            'memory',
          ),
          pressureCond(
            'DiskPressure',
            'KubeletHasNoDiskPressure',
            'KubeletHasDiskPressure',
            'disk',
          ),
          pressureCond(
            'PIDPressure',
            'KubeletHasSufficientPID',
            'KubeletHasInsufficientPID',
            'PID',
          ),
          cond(
            'Ready',
            runtimeReady && networkReady && this.healthy().ok,
            runtimeReady && networkReady ? 'KubeletReady' : 'KubeletNotReady',
            runtimeReady && networkReady
              ? 'capstan node agent is posting ready status'
              : 'container runtime or network not ready',
          ),
        ],
        addresses: [
          { type: 'InternalIP', address: this.options.hostIP },
          { type: 'Hostname', address: this.options.nodeName },
        ],
        nodeInfo: {
          machineID: readText('/etc/machine-id'),
          systemUUID: readText('/sys/class/dmi/id/product_uuid'),
          bootID: readText('/proc/sys/kernel/random/boot_id'),
          kernelVersion: release(),
          osImage: /PRETTY_NAME="([^"]+)"/.exec(readText('/etc/os-release'))?.[1] ?? 'Linux',
          containerRuntimeVersion: `${this.runtimeName}://${this.runtimeVersion}`,
          kubeletVersion: 'v1.33.0-capstan',
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
        images: images.map((i) => ({
          names: [...i.repoDigests, ...i.repoTags],
          sizeBytes: Number(i.size),
        })),
      },
    };
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** `RunPodSandbox` -> `run_pod_sandbox`: the kubelet's operation_type label values. */
export function operationType(method: string): string {
  return method.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
