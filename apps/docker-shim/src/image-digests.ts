import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryOf } from './image-refs.js';

/**
 * Repo digests Docker cannot hold: an image pulled through a mirror is tagged with the
 * asked-for name, but Docker only records digests of the name it pulled by (a mirror's).
 * Kept by image ID in `<stateDir>/images/repo-digests.json`, or in memory without one.
 */
export class RecordedDigests {
  readonly #memory: Record<string, string[]> = {};
  readonly #file: string | undefined;
  constructor(stateDir: string | undefined) {
    this.#file = stateDir ? join(stateDir, 'images', 'repo-digests.json') : undefined;
  }

  /** Every image ID's recorded digests. */
  all(): Record<string, string[]> {
    const file = this.#file;
    if (!file) return this.#memory;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return parsed !== null && typeof parsed === 'object'
        ? (parsed as Record<string, string[]>)
        : {};
    } catch {
      return {};
    }
  }

  #save(all: Record<string, string[]>): void {
    const file = this.#file;
    if (!file) return;
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(all)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  /** Records `digest` for image `id`: one digest per repository, the latest pull's. */
  record(id: string, digest: string): void {
    const all = this.all();
    const list = all[id] ?? [];
    const repo = repositoryOf(digest);
    all[id] = [...list.filter((d) => repositoryOf(d) !== repo), digest];
    this.#save(all);
  }

  /** Forgets image `id` (it was removed). */
  forget(id: string): void {
    const all = this.all();
    if (all[id] === undefined) return;
    delete all[id];
    this.#save(all);
  }
}
