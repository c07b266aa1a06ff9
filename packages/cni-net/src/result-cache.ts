import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir, writeFileAtomic } from './atomic-write.js';
import { CacheError } from './errors.js';
import type { CapabilityArgs } from './runtime-config.js';

/** Identifies an attachment: the CNI spec's (network name, container ID, interface) key. */
export interface AttachmentKey {
  network: string;
  containerId: string;
  ifName: string;
}

/** Everything an ADD used, kept so that DEL (or GC) after a restart sends the same. */
export interface CachedAttachment extends AttachmentKey {
  /** The netns path the ADD used. */
  netns: string;
  cniArgs: [string, string][];
  capabilityArgs: CapabilityArgs;
  /** The whole network configuration list, as JSON, exactly as ADD ran it. */
  config: string;
  /** The CNI version ADD ran the chain with. */
  cniVersion: string;
  /** The final result of the chain, as the last plugin printed it. */
  result: Record<string, unknown>;
  /** When the ADD finished (ms since the epoch); teardown deletes newest first. */
  addedAt: number;
}

// The on-disk shape is libcni's "cniCacheV1" (config as base64, like Go's []byte), plus
// two fields libcni ignores; a libcni runtime can read these files and the other way round.
interface CacheFile {
  kind: 'cniCacheV1';
  containerId: string;
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: [string, string][];
  capabilityArgs?: CapabilityArgs;
  result?: Record<string, unknown>;
  cniVersion?: string;
  addedAt?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The result cache: one file per attachment under `<dir>/results`, named
 * `<network>-<containerId>-<ifName>` as libcni names them, written atomically.
 */
export class ResultCache {
  readonly dir: string;

  /** `cacheDir` is the CNI cache root (libcni's default is /var/lib/cni). */
  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'results');
  }

  /** The file that holds an attachment. */
  fileOf(key: AttachmentKey): string {
    return join(this.dir, `${key.network}-${key.containerId}-${key.ifName}`);
  }

  /** Records an attachment (replacing any older record of the same key). */
  async write(entry: CachedAttachment): Promise<void> {
    const file: CacheFile = {
      kind: 'cniCacheV1',
      containerId: entry.containerId,
      config: Buffer.from(entry.config).toString('base64'),
      ifName: entry.ifName,
      networkName: entry.network,
      netns: entry.netns,
      cniArgs: entry.cniArgs,
      capabilityArgs: entry.capabilityArgs,
      result: entry.result,
      cniVersion: entry.cniVersion,
      addedAt: entry.addedAt,
    };
    await writeFileAtomic(this.fileOf(entry), JSON.stringify(file));
  }

  /** Reads an attachment; undefined when there is none, {@link CacheError} when it is unreadable. */
  async read(key: AttachmentKey): Promise<CachedAttachment | undefined> {
    const path = this.fileOf(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CacheError(path, (err as Error).message, { cause: err });
    }
    return decode(path, text);
  }

  /** Forgets an attachment; absent is fine. */
  async remove(key: AttachmentKey): Promise<void> {
    try {
      await unlink(this.fileOf(key));
      await syncDir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /**
   * Every readable attachment, optionally of one container, oldest first; unreadable
   * files are returned in `errors` and otherwise skipped.
   */
  async list(
    containerId?: string,
  ): Promise<{ attachments: CachedAttachment[]; errors: CacheError[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { attachments: [], errors: [] };
      throw err;
    }
    const attachments: CachedAttachment[] = [];
    const errors: CacheError[] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.')) {
        // A temp file of an interrupted write: removed once its writer is dead (a crash
        // mid-write must not leave garbage behind), skipped while it may still be renamed.
        await removeIfOrphanTemp(join(this.dir, name));
        continue;
      }
      if (containerId && !name.includes(`-${containerId}-`)) continue;
      const path = join(this.dir, name);
      try {
        const entry = decode(path, await readFile(path, 'utf8'));
        if (!containerId || entry.containerId === containerId) attachments.push(entry);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        errors.push(
          err instanceof CacheError ? err : new CacheError(path, String(err), { cause: err }),
        );
      }
    }
    attachments.sort((a, b) => a.addedAt - b.addedAt);
    return { attachments, errors };
  }
}

function decode(path: string, text: string): CachedAttachment {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CacheError(path, `invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(doc) || doc.kind !== 'cniCacheV1')
    throw new CacheError(path, 'not a cniCacheV1 record');
  const f = doc as unknown as CacheFile;
  if (
    typeof f.containerId !== 'string' ||
    typeof f.ifName !== 'string' ||
    typeof f.networkName !== 'string'
  ) {
    throw new CacheError(path, 'record lacks containerId, ifName or networkName');
  }
  if (typeof f.config !== 'string') throw new CacheError(path, 'record has no config');
  const config = Buffer.from(f.config, 'base64').toString('utf8');
  let cniVersion = f.cniVersion;
  if (typeof cniVersion !== 'string') {
    try {
      const v = (JSON.parse(config) as { cniVersion?: unknown }).cniVersion;
      cniVersion = typeof v === 'string' ? v : '';
    } catch {
      throw new CacheError(path, 'cached config is not JSON');
    }
  }
  return {
    network: f.networkName,
    containerId: f.containerId,
    ifName: f.ifName,
    netns: typeof f.netns === 'string' ? f.netns : '',
    cniArgs: Array.isArray(f.cniArgs) ? f.cniArgs : [],
    capabilityArgs: isObject(f.capabilityArgs) ? f.capabilityArgs : {},
    config,
    cniVersion,
    result: isObject(f.result) ? f.result : {},
    addedAt: typeof f.addedAt === 'number' ? f.addedAt : 0,
  };
}

/** Temp files are `.<name>.<writer pid>.<random>.tmp` (atomic-write.ts). */
async function removeIfOrphanTemp(path: string): Promise<void> {
  const m = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(path);
  if (!m) return;
  const pid = Number(m[1]);
  if (pid === process.pid) return;
  try {
    process.kill(pid, 0);
    return; // the writer lives
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') return;
  }
  await unlink(path).catch(() => {});
}
