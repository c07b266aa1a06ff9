import { NamespaceMode } from '@capstan/cri-api';
import type { SandboxRecord } from './backend.js';
import { stopContainerRecord } from './container-stop.js';
import type { Core } from './core.js';
import { matchId } from './ids.js';

/** The sandbox shares the node's network namespace (no pod network to attach). */
export const usesNodeNetwork = (r: SandboxRecord) =>
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

/** CRI: stopping an unknown or already stopped sandbox succeeds. */
export async function stopPodSandbox(core: Core, idOrPrefix: string): Promise<void> {
  const id = matchId(core.store.sandboxes.keys(), idOrPrefix, 'sandbox');
  if (!id) return;
  await core.locks.run(id, async () => {
    const record = core.store.sandboxes.get(id);
    if (record) await stopSandboxRecord(core, record);
  });
}

/** Stops a sandbox's containers, detaches its network, stops it; the caller holds its lock. */
export async function stopSandboxRecord(core: Core, record: SandboxRecord): Promise<void> {
  for (const c of core.store.containersOf(record.id)) {
    await core.locks.run(c.id, () => stopContainerRecord(core, c, 0));
  }
  await tearDownNetwork(core, record);
  await core.backend.stopSandbox(record);
  record.state = 'notready';
  await core.store.putSandbox(record);
}
