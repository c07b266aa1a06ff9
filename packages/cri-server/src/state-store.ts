import { join } from 'node:path';
import { type CheckpointStore, openCheckpointStore } from '@capstan/checkpoint';
import type { ContainerRecord, SandboxRecord } from './backend.js';
import type { Logger } from './logger.js';
import { containerFromJson, containerToJson, sandboxFromJson, sandboxToJson } from './records.js';

/**
 * In-memory sandbox and container records, written through to two checkpoint stores so a
 * restarted server finds every one of them again.
 */
export class StateStore {
  readonly sandboxes = new Map<string, SandboxRecord>();
  readonly containers = new Map<string, ContainerRecord>();

  private constructor(
    private readonly sandboxDisk: CheckpointStore<unknown>,
    private readonly containerDisk: CheckpointStore<unknown>,
  ) {}

  /** Opens (or creates) the state under `dir` and loads every readable record. */
  static async open(dir: string, logger: Logger): Promise<StateStore> {
    const store = new StateStore(
      await openCheckpointStore({ dir: join(dir, 'sandboxes') }),
      await openCheckpointStore({ dir: join(dir, 'containers') }),
    );
    for (const [disk, load] of [
      [
        store.sandboxDisk,
        (v: unknown) => store.sandboxes.set((v as SandboxRecord).id, sandboxFromJson(v)),
      ],
      [
        store.containerDisk,
        (v: unknown) => store.containers.set((v as ContainerRecord).id, containerFromJson(v)),
      ],
    ] as const) {
      const listing = await disk.list();
      for (const bad of listing.corrupt)
        logger.warn({ err: bad }, 'skipping a corrupt state checkpoint');
      for (const key of listing.keys) load(await disk.get(key));
    }
    return store;
  }

  async putSandbox(r: SandboxRecord): Promise<void> {
    this.sandboxes.set(r.id, r);
    await this.sandboxDisk.put(r.id, sandboxToJson(r));
  }

  async deleteSandbox(id: string): Promise<void> {
    this.sandboxes.delete(id);
    await this.sandboxDisk.remove(id);
  }

  async putContainer(r: ContainerRecord): Promise<void> {
    this.containers.set(r.id, r);
    await this.containerDisk.put(r.id, containerToJson(r));
  }

  async deleteContainer(id: string): Promise<void> {
    this.containers.delete(id);
    await this.containerDisk.remove(id);
  }

  containersOf(sandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }
}
