import { type CriClient, ContainerState as CriState } from '@capstan/cri-api';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  nsOf,
  type PodLifecycle,
} from '@capstan/pod-lifecycle';
import type { Logger } from 'pino';
import { readContainerLog } from './pod/pod-logs.js';
import { type LogOptions, PodApiError, type PodManager } from './pod/pod-manager.js';
import type { Node, Pod } from './pod/types.js';
import { invalidPodReason } from './sources/static-dir.js';

type Io = { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean };

/** The PodManager the pod API serves: the lifecycle's pods, in the API's terms and errors. */
export class AgentPods implements PodManager {
  constructor(
    private readonly lifecycle: PodLifecycle,
    private readonly cri: CriClient,
    private readonly nodeName: string,
    readonly node: () => Promise<Node>,
    /** Told about malformed CRI log lines that pods/log skips. */
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  private get registry() {
    return this.lifecycle.registry;
  }

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
    const rejected = this.lifecycle.admit(pod);
    if (rejected)
      throw new PodApiError(
        403,
        'Forbidden',
        `pod ${pod.metadata.name} rejected: ${rejected.reason}: ${rejected.message}`,
      );
    delete pod.metadata.uid;
    delete pod.status;
    pod.spec.nodeName = this.nodeName;
    const e = await this.registry.upsert(pod, 'api');
    return structuredClone(e.pod);
  }

  async delete(namespace: string, name: string, gracePeriodSeconds?: number): Promise<Pod> {
    const e = this.registry.byKey(namespace, name);
    if (!e) throw new PodApiError(404, 'NotFound', `pods "${name}" not found`);
    this.lifecycle.deletePod(
      e.pod.metadata.uid!,
      gracePeriodSeconds ?? e.pod.spec.terminationGracePeriodSeconds ?? 30,
    );
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
      ...(opts.sinceTime !== undefined ? { sinceTime: opts.sinceTime } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      timestamps: opts.timestamps ?? false,
      follow: opts.follow ?? false,
      done,
      ...(this.logger ? { logger: this.logger } : {}),
    });
  }

  async exec(
    namespace: string,
    name: string,
    container: string | undefined,
    cmd: string[],
    io: Io,
  ) {
    const c = await this.containerOf(namespace, name, container);
    return this.cri.runtime.exec({ containerId: c.id, cmd, ...io });
  }

  async attach(namespace: string, name: string, container: string | undefined, io: Io) {
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
}
