import type { Core } from './core.js';
import { containerName, sandboxName } from './records.js';
import { tearDownNetwork } from './sandbox-stop.js';

/** What recovery found and did; logged, and returned for tests and operators. */
export interface RecoveryReport {
  sandboxes: number;
  containers: number;
  /** Records whose runtime objects were gone: dropped (their network torn down). */
  droppedSandboxes: string[];
  droppedContainers: string[];
  /** Runtime objects no record knew: removed from the runtime. */
  removedOrphanSandboxes: string[];
  removedOrphanContainers: string[];
}

/**
 * Makes the loaded records and the runtime agree after a restart: names are reserved again,
 * records without runtime objects are dropped, runtime objects without records (a crash
 * between the runtime's create and the record's write) are removed, and every container's
 * live state is read.
 */
export async function recover(core: Core): Promise<RecoveryReport> {
  const { store, backend } = core;
  const inv = await backend.inventory();
  const haveSandboxes = new Set(inv.sandboxIds);
  const haveContainers = new Set(inv.containerIds);
  const report: RecoveryReport = {
    sandboxes: 0,
    containers: 0,
    droppedSandboxes: [],
    droppedContainers: [],
    removedOrphanSandboxes: [],
    removedOrphanContainers: [],
  };
  for (const c of [...store.containers.values()]) {
    const sandbox = store.sandboxes.get(c.sandboxId);
    if (!sandbox || !haveContainers.has(c.id)) {
      await backend.removeContainer(c).catch(() => {});
      await store.deleteContainer(c.id);
      report.droppedContainers.push(c.id);
      continue;
    }
    core.names.reserve(containerName(c.config, sandbox.config), c.id, 'container');
  }
  for (const s of [...store.sandboxes.values()]) {
    if (!haveSandboxes.has(s.id)) {
      await tearDownNetwork(core, s).catch(() => {});
      for (const c of store.containersOf(s.id)) {
        await backend.removeContainer(c).catch(() => {});
        await store.deleteContainer(c.id);
        report.droppedContainers.push(c.id);
      }
      await backend.removeSandbox(s).catch(() => {});
      await store.deleteSandbox(s.id);
      report.droppedSandboxes.push(s.id);
      continue;
    }
    core.names.reserve(sandboxName(s.config), s.id, 'sandbox');
  }
  for (const id of inv.containerIds) {
    if (store.containers.has(id)) continue;
    await backend.removeContainer(orphan(id)).catch(() => {});
    report.removedOrphanContainers.push(id);
  }
  for (const id of inv.sandboxIds) {
    if (store.sandboxes.has(id)) continue;
    await backend.removeSandbox(orphanSandbox(id)).catch(() => {});
    report.removedOrphanSandboxes.push(id);
  }
  const live = await backend.containerStates([...store.containers.values()]);
  for (const c of store.containers.values()) {
    const l = live.get(c.id);
    if (l && l.state !== c.state) {
      Object.assign(c, { ...l, state: l.state });
      await store.putContainer(c);
    }
  }
  report.sandboxes = store.sandboxes.size;
  report.containers = store.containers.size;
  core.logger.info({ ...report }, 'state recovered');
  return report;
}

// An orphan is known to the runtime only by ID: the backend removes by ID (via its labels).
const orphan = (id: string) =>
  ({ id, sandboxId: '', backend: {} }) as unknown as Parameters<
    Core['backend']['removeContainer']
  >[0];
const orphanSandbox = (id: string) =>
  ({ id, backend: {} }) as unknown as Parameters<Core['backend']['removeSandbox']>[0];
