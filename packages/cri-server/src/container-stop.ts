import type { ContainerRecord } from './backend.js';
import { applyLive, refresh } from './container-state.js';
import type { Core } from './core.js';
import { matchId } from './ids.js';
import { nowNs } from './records.js';

export async function stopContainerRecord(
  core: Core,
  record: ContainerRecord,
  timeoutSec: number,
): Promise<void> {
  if (record.state !== 'running') {
    if (record.state === 'created') {
      // Never started: it can only exit.
      record.state = 'exited';
      record.finishedAt = nowNs();
      await core.store.putContainer(record);
    }
    return;
  }
  await core.backend.stopContainer(record, timeoutSec);
  const states = await core.backend.containerStates([record]);
  await applyLive(core, record, states.get(record.id) ?? { state: 'exited', finishedAt: nowNs() });
}

/** CRI: stopping an unknown or exited container succeeds. */
export async function stopContainer(
  core: Core,
  idOrPrefix: string,
  timeoutSec: number,
): Promise<void> {
  const id = matchId(core.store.containers.keys(), idOrPrefix, 'container');
  if (!id) return;
  await core.locks.run(id, async () => {
    const record = core.store.containers.get(id);
    if (!record) return;
    await refresh(core, [record]);
    await stopContainerRecord(core, record, timeoutSec);
  });
}
