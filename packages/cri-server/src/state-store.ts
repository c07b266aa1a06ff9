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
  static async open(dir: string, logger: Logger, lockTimeoutMs?: number): Promise<StateStore> {
    const sandboxDisk = await openCheckpointStore({
      dir: join(dir, 'sandboxes'),
      exclusive: true,
      lockTimeoutMs,
    });
    const containerDisk = await openCheckpointStore({
      dir: join(dir, 'containers'),
      exclusive: true,
      lockTimeoutMs,
    }).catch(async (err: unknown) => {
      await sandboxDisk.close();
      throw err;
    });
    const store = new StateStore(
      // Exclusive: the server is its state's only writer (a second server on the same
      // directory fails to start instead of mixing records), and writes skip per-key locks.
      sandboxDisk,
      containerDisk,
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

  /** Waits for writes in progress and releases the state directory's locks. */
  async close(): Promise<void> {
    await this.sandboxDisk.close();
    await this.containerDisk.close();
  }

  containersOf(sandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }
}
