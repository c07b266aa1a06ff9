import type { SandboxRecord } from './backend.js';
import { removeContainerRecord } from './container-remove.js';
import type { Core } from './core.js';
import { matchId } from './ids.js';
import { sandboxName } from './records.js';
import { stopSandboxRecord, tearDownNetwork } from './sandbox-stop.js';

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
