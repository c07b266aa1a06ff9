// The node agent's composition root: builds the components from the options and wires
// them together. The kubelet's logic lives in @capstan/pod-lifecycle.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCgroupManager, PodCgroupHierarchy } from '@capstan/cgroups';
import { openCheckpointStore } from '@capstan/checkpoint';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import type { EvictionSettings } from '@capstan/eviction';
import {
  EventStore,
  type ImageGcOptions,
  type LifecycleCgroups,
  PodLifecycle,
  PodRegistry,
  readMachineInfo,
} from '@capstan/pod-lifecycle';
import type { Logger } from 'pino';
import { AgentMetrics } from './agent-metrics.js';
import { AgentPods } from './agent-pods.js';
import { mallocTrim } from './malloc-trim.js';
import { StaticPodSource } from './sources/static-dir.js';
import { type LogRotationOptions, rotateLogs } from './sync/log-rotation.js';

/** Everything the agent is told at start: the config resolved (defaults live in config/config.ts). */
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
  allowedUnsafeSysctls?: readonly string[];
  /** cgroup root of pods (`kubepods` on a real node); '' leaves cgroups to the runtime. */
  cgroupRoot: string;
  cgroupDriver: 'cgroupfs' | 'systemd';
  relistPeriodMs: number;
  hostIP: string;
  logger: Logger;
  /** Container log rotation (the kubelet's containerLogMaxSize / containerLogMaxFiles). */
  logRotation: LogRotationOptions;
  /** Image GC thresholds (the kubelet's imageGCHigh/LowThresholdPercent). */
  imageGc: ImageGcOptions;
  /** How often rotation and GC run. */
  housekeepingPeriodMs: number;
  /** Eviction thresholds in the kubelet's syntax; eviction runs when pod cgroups are on. */
  eviction: EvictionSettings;
  /** The cgroup whose memory is the node's ('/' on a real node); pod cgroups go under it. */
  nodeCgroup: string;
}

/** The node agent: pod sources and the lifecycle, and the PodManager the API serves. */
export class Agent {
  private constructor(
    readonly options: AgentOptions,
    readonly cri: CriClient,
    readonly lifecycle: PodLifecycle,
    readonly pods: AgentPods,
    readonly metrics: AgentMetrics,
    /** The node's Events, which the pod API serves. */
    readonly events: EventStore,
    private readonly staticSource: StaticPodSource | undefined,
  ) {}

  /** Connects to the runtime, restores checkpointed pods, and starts every loop. */
  static async start(o: AgentOptions): Promise<Agent> {
    mkdirSync(o.rootDir, { recursive: true });
    const store = await openCheckpointStore<unknown>({
      dir: join(o.rootDir, 'checkpoints', 'pods'),
    });
    const registry = new PodRegistry(store);
    const metrics = new AgentMetrics(() => registry);
    const cri = await connectCriClient(o.runtimeEndpoint, {
      deadlineMs: 120_000,
      timeoutMs: 30_000,
      onCallEnd: (method, ms, error) => metrics.runtimeCall(method, ms, error),
    });
    const v = await cri.runtime.version({ version: 'v1' });
    let cgroups: LifecycleCgroups | undefined;
    if (o.cgroupRoot) {
      const manager = createCgroupManager();
      const hierarchy = new PodCgroupHierarchy({
        manager,
        root: o.cgroupRoot,
        driver: o.cgroupDriver,
        // Pod cgroups go under the node's cgroup ('/' on a real node).
        ...(o.nodeCgroup && o.nodeCgroup !== '/' ? { parent: o.nodeCgroup } : {}),
      });
      await hierarchy.ensure();
      cgroups = { hierarchy, manager };
    }
    const restored = await registry.restore();
    o.logger.info(
      { runtime: `${v.runtimeName} ${v.runtimeVersion}`, restoredPods: restored },
      'node agent starting',
    );
    const events = new EventStore({ host: o.nodeName });
    const lifecycle = new PodLifecycle({
      cri,
      runtimeName: v.runtimeName,
      registry,
      nodeName: o.nodeName,
      hostIP: o.hostIP,
      rootDir: o.rootDir,
      podLogsDir: o.podLogsDir,
      configDir: o.configDir,
      machine: readMachineInfo(o.rootDir),
      maxPods: o.maxPods,
      allowedUnsafeSysctls: o.allowedUnsafeSysctls,
      runtimeVersion: v.runtimeVersion,
      kubeletVersion: 'v1.33.0-capstan',
      cgroups,
      eviction: { ...o.eviction, nodeCgroup: o.nodeCgroup },
      relistPeriodMs: o.relistPeriodMs,
      housekeepingPeriodMs: o.housekeepingPeriodMs,
      imageGc: o.imageGc,
      logRotation: { rotate: () => rotateLogs(cri, o.logRotation, o.logger) },
      afterHousekeeping: mallocTrim,
      metrics: metrics.lifecycle,
      recorder: events,
      logger: o.logger,
    });
    const staticSource = o.staticPodPath
      ? Agent.startStaticSource(o.staticPodPath, o, lifecycle)
      : undefined;
    const pods = new AgentPods(lifecycle, cri, o.nodeName, () => lifecycle.node(), o.logger);
    await lifecycle.start();
    return new Agent(o, cri, lifecycle, pods, metrics, events, staticSource);
  }

  /** Static pods: added ones are admitted (a rejected one stays, Failed with the reason). */
  private static startStaticSource(dir: string, o: AgentOptions, lifecycle: PodLifecycle) {
    mkdirSync(dir, { recursive: true });
    const registry = lifecycle.registry;
    const source = new StaticPodSource(dir, o.nodeName, o.logger, (added, removed) => {
      for (const p of removed)
        lifecycle.deletePod(p.metadata.uid!, p.spec.terminationGracePeriodSeconds ?? 30);
      for (const p of added) {
        const why = lifecycle.admit(p);
        void registry.upsert(p, 'file').then((e) => {
          if (why)
            registry.setStatus(e.pod.metadata.uid!, {
              phase: 'Failed',
              reason: why.reason,
              message: why.message,
            });
        });
      }
    });
    source.start();
    return source;
  }

  /** Healthy while relists succeed (the kubelet allows 3 minutes). */
  healthy(): { ok: boolean; reason?: string } {
    return this.lifecycle.healthy();
  }

  manifestErrors() {
    return this.staticSource?.errors ?? [];
  }

  async stop(): Promise<void> {
    this.staticSource?.stop();
    await this.lifecycle.stop();
    this.cri.close();
  }

  /** Waits until every pod worker is idle (tests). */
  idle(): Promise<void> {
    return this.lifecycle.idle();
  }
}
