import {
  type DeepPartial,
  FailedPreconditionError,
  InvalidArgumentError,
  NamespaceMode,
  type PodSandbox,
  type PodSandboxFilter,
  PodSandboxState,
  type PodSandboxStatus,
  type RunPodSandboxRequest,
} from '@capstan/cri-api';
import type { SandboxRecord } from './backend.js';
import { removeContainerRecord, stopContainerRecord } from './container-ops.js';
import type { Core } from './core.js';
import { matchId, newId, requireId } from './ids.js';
import { nowNs, sandboxName } from './records.js';

const usesNodeNetwork = (r: SandboxRecord) =>
  r.config.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE;

/**
 * Detaches a pod-network sandbox. Called even when no attachment was recorded: a crash (or
 * a failure) between the network's setUp and the record's write leaves an attachment (an
 * IP, a veth) that only the network knows about; tearDown tolerates nothing being there.
 */
export async function tearDownNetwork(core: Core, record: SandboxRecord): Promise<void> {
  if (usesNodeNetwork(record) || !core.network) return;
  await core.network.tearDown(record, record.network?.netnsPath ?? record.backend.netnsPath ?? '');
}

export async function runPodSandbox(core: Core, req: RunPodSandboxRequest): Promise<string> {
  const config = req.config;
  const m = config?.metadata;
  if (!config || !m?.name || !m.namespace || !m.uid) {
    throw new InvalidArgumentError('RunPodSandbox: config.metadata needs name, namespace and uid');
  }
  const id = newId();
  const name = sandboxName(config);
  core.names.reserve(name, id, 'sandbox');
  const record: SandboxRecord = {
    id,
    config,
    runtimeHandler: req.runtimeHandler,
    createdAt: nowNs(),
    state: 'notready',
    backend: {},
  };
  return core.locks.run(id, async () => {
    try {
      // Nothing is written before the backend's work: a crash there leaves an object no
      // record knows, which recovery removes (inventory by the server's ID label). The record
      // is written before the pod network is attached, so a crash after that still finds
      // the sandbox whose attachment it must tear down; a node-network sandbox has nothing
      // to attach and is written once, ready.
      const made = await core.backend.runSandbox({
        id,
        config,
        runtimeHandler: req.runtimeHandler,
      });
      record.backend = made.backend;
      if (!usesNodeNetwork(record) && made.netnsPath) {
        await core.store.putSandbox(record);
        if (!core.network) {
          throw new FailedPreconditionError(
            'RunPodSandbox: no pod network is configured on this node',
          );
        }
        const net = await core.network.setUp(record, made.netnsPath);
        record.network = { ...net, netnsPath: made.netnsPath };
      }
      record.state = 'ready';
      await core.store.putSandbox(record);
      core.logger.info({ sandbox: id, name, ip: record.network?.ip }, 'sandbox ready');
      return id;
    } catch (err) {
      await destroySandbox(core, record).catch((cleanupErr) =>
        core.logger.warn({ err: cleanupErr, sandbox: id }, 'cleanup of a failed sandbox failed'),
      );
      throw err;
    }
  });
}

/** CRI: stopping an unknown or already stopped sandbox succeeds. */
export async function stopPodSandbox(core: Core, idOrPrefix: string): Promise<void> {
  const id = matchId(core.store.sandboxes.keys(), idOrPrefix, 'sandbox');
  if (!id) return;
  await core.locks.run(id, async () => {
    const record = core.store.sandboxes.get(id);
    if (record) await stopSandboxRecord(core, record);
  });
}

async function stopSandboxRecord(core: Core, record: SandboxRecord): Promise<void> {
  for (const c of core.store.containersOf(record.id)) {
    await core.locks.run(c.id, () => stopContainerRecord(core, c, 0));
  }
  await tearDownNetwork(core, record);
  await core.backend.stopSandbox(record);
  record.state = 'notready';
  await core.store.putSandbox(record);
}

/** CRI: removing an unknown sandbox succeeds; a running one is stopped first, containers too. */
export async function removePodSandbox(core: Core, idOrPrefix: string): Promise<void> {
  const id = matchId(core.store.sandboxes.keys(), idOrPrefix, 'sandbox');
  if (!id) return;
  await core.locks.run(id, async () => {
    const record = core.store.sandboxes.get(id);
    if (!record) return;
    if (record.state === 'ready') await stopSandboxRecord(core, record);
    await destroySandbox(core, record);
  });
}

/** Removes containers, network, backend objects, name and record; each step tolerates absence. */
export async function destroySandbox(core: Core, record: SandboxRecord): Promise<void> {
  for (const c of core.store.containersOf(record.id)) {
    await core.locks.run(c.id, () => removeContainerRecord(core, c));
  }
  await tearDownNetwork(core, record);
  await core.backend.removeSandbox(record);
  core.names.release(sandboxName(record.config), record.id);
  await core.store.deleteSandbox(record.id);
}

/** Marks a sandbox not ready when its infrastructure died behind the server's back. */
async function refresh(core: Core, record: SandboxRecord): Promise<void> {
  if (record.state === 'ready' && !(await core.backend.sandboxRunning(record))) {
    record.state = 'notready';
    await core.store.putSandbox(record);
  }
}

/**
 * The sandbox, refreshed; NOT_FOUND when unknown, FAILED_PRECONDITION when not ready (its
 * infrastructure was stopped or died), as containerd's PortForward answers.
 */
export async function requireReadySandbox(
  core: Core,
  idOrPrefix: string,
  what: string,
): Promise<SandboxRecord> {
  const record = core.store.sandboxes.get(
    requireId(core.store.sandboxes.keys(), idOrPrefix, 'pod sandbox'),
  )!;
  await refresh(core, record);
  if (record.state !== 'ready') {
    throw new FailedPreconditionError(`${what}: pod sandbox ${record.id} is not ready`);
  }
  return record;
}

export async function podSandboxStatus(
  core: Core,
  idOrPrefix: string,
): Promise<DeepPartial<PodSandboxStatus>> {
  const record = core.store.sandboxes.get(
    requireId(core.store.sandboxes.keys(), idOrPrefix, 'pod sandbox'),
  )!;
  await refresh(core, record);
  const ns = record.config.linux?.securityContext?.namespaceOptions;
  return {
    id: record.id,
    metadata: record.config.metadata,
    state: stateOf(record),
    createdAt: record.createdAt,
    network: record.network
      ? { ip: record.network.ip, additionalIps: record.network.additionalIps.map((ip) => ({ ip })) }
      : { ip: '' },
    linux: { namespaces: { options: ns ?? {} } },
    labels: record.config.labels,
    annotations: record.config.annotations,
    runtimeHandler: record.runtimeHandler,
  };
}

const stateOf = (r: SandboxRecord) =>
  r.state === 'ready' ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;

export async function listPodSandbox(
  core: Core,
  filter: PodSandboxFilter | undefined,
): Promise<DeepPartial<PodSandbox>[]> {
  const out: DeepPartial<PodSandbox>[] = [];
  for (const r of core.store.sandboxes.values()) {
    if (filter?.id && !r.id.startsWith(filter.id)) continue;
    await refresh(core, r);
    if (filter?.state && stateOf(r) !== filter.state.state) continue;
    if (filter && !labelsMatch(r.config.labels, filter.labelSelector)) continue;
    out.push({
      id: r.id,
      metadata: r.config.metadata,
      state: stateOf(r),
      createdAt: r.createdAt,
      labels: r.config.labels,
      annotations: r.config.annotations,
      runtimeHandler: r.runtimeHandler,
    });
  }
  return out;
}

export function labelsMatch(
  labels: Record<string, string>,
  selector: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
