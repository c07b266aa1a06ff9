import { execFile } from 'node:child_process';
import { mkdir, open, readdir, readFile, realpath, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidRequestError, NetnsCommandError, NetnsExistsError } from './errors.js';

/** The default directory of named namespaces, the one `ip netns` uses. */
export const DEFAULT_NETNS_DIR = '/var/run/netns';

/** statfs f_type of nsfs, the file system a namespace bind mount shows. */
const NSFS_MAGIC = 0x6e736673;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A persistent, named network namespace: a bind mount of an nsfs file under the directory. */
export interface NetworkNamespace {
  readonly name: string;
  /** The bind-mounted file; what CNI_NETNS and `nsenter --net=` take. */
  readonly path: string;
  /** Unmounts and removes it; absent is fine. */
  delete(): Promise<void>;
}

/** Options for {@link NetnsManager}. */
export interface NetnsManagerOptions {
  /** Where the namespaces are bind-mounted. Default {@link DEFAULT_NETNS_DIR}. */
  dir?: string;
  /**
   * Make the directory a shared mount point first, as `ip netns add` does, so a namespace
   * created or deleted later is seen the same way from mount namespaces cloned earlier
   * (containers, `ip netns exec`). Default true.
   */
  sharedMount?: boolean;
  /** Limit for each `unshare` / `umount` / `mount` run. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Creates, finds, lists and deletes named network namespaces. Node cannot call
 * unshare(2)/setns(2) itself (they act on the calling thread, and the main thread runs
 * everything), so creating one runs util-linux `unshare --net=<file> true`, which makes
 * the namespace in a short-lived child and bind-mounts it onto the file; deleting one
 * runs `umount`. The layout is iproute2's: `ip netns list/exec/delete` work on the
 * default directory.
 */
export class NetnsManager {
  readonly dir: string;
  readonly #shared: boolean;
  readonly #timeoutMs: number;
  #prepared: Promise<void> | undefined;

  constructor(options: NetnsManagerOptions = {}) {
    this.dir = options.dir ?? DEFAULT_NETNS_DIR;
    this.#shared = options.sharedMount ?? true;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The path a namespace of this name has (or would have). */
  pathOf(name: string): string {
    if (!NAME.test(name) || name.length > 200) {
      throw new InvalidRequestError(
        `invalid network namespace name ${JSON.stringify(name)}: letters, digits, '_', '.', '-', at most 200`,
      );
    }
    return join(this.dir, name);
  }

  /** Creates a namespace; {@link NetnsExistsError} when the name is taken. */
  async create(name: string): Promise<NetworkNamespace> {
    const path = this.pathOf(name);
    await this.#prepare();
    try {
      const fh = await open(path, 'wx', 0o444);
      await fh.close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new NetnsExistsError(path);
      throw err;
    }
    try {
      await this.#exec('unshare', [`--net=${path}`, 'true']);
    } catch (err) {
      await unlink(path).catch(() => {});
      throw err;
    }
    return this.#handle(name, path);
  }

  /** The namespace of this name, or undefined when there is none. */
  async get(name: string): Promise<NetworkNamespace | undefined> {
    const path = this.pathOf(name);
    return (await isNetns(path)) ? this.#handle(name, path) : undefined;
  }

  /** Deletes a namespace: unmount (lazily, like `ip netns delete`) and remove. Absent is fine. */
  async delete(name: string): Promise<void> {
    const path = this.pathOf(name);
    // A racing `ip netns add` can stack two mounts; unmount until none is left.
    for (let i = 0; i < 4 && (await isNetns(path)); i++) {
      await this.#exec('umount', ['--lazy', path]);
    }
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Every namespace in the directory (files that are not namespace mounts are left out). */
  async list(): Promise<NetworkNamespace[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: NetworkNamespace[] = [];
    for (const name of names.sort()) {
      if (!NAME.test(name)) continue;
      const path = join(this.dir, name);
      if (await isNetns(path)) out.push(this.#handle(name, path));
    }
    return out;
  }

  #handle(name: string, path: string): NetworkNamespace {
    return { name, path, delete: () => this.delete(name) };
  }

  #prepare(): Promise<void> {
    this.#prepared ??= this.#makeDir().catch((err: unknown) => {
      this.#prepared = undefined;
      throw err;
    });
    return this.#prepared;
  }

  // iproute2's netns_add: the directory is bind-mounted onto itself and made shared.
  async #makeDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    if (!this.#shared) return;
    const real = await realpath(this.dir);
    const mount = (await mountPoints()).get(real);
    if (mount === undefined) {
      await this.#exec('mount', ['--bind', real, real]);
      await this.#exec('mount', ['--make-shared', real]);
    } else if (!mount) {
      await this.#exec('mount', ['--make-shared', real]);
    }
  }

  #exec(file: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(
        file,
        args,
        { timeout: this.#timeoutMs, killSignal: 'SIGKILL' },
        (err, _out, stderr) => {
          if (err)
            reject(new NetnsCommandError([file, ...args], stderr || err.message, { cause: err }));
          else resolve();
        },
      );
    });
  }
}

/** True when `path` is an nsfs mount (a live namespace handle). */
export async function isNetns(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

// Mount points of this mount namespace → whether each is shared (mountinfo "shared:N").
// The last entry for a path wins (mounts stack).
async function mountPoints(): Promise<Map<string, boolean>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const point = fields[4];
    if (!point) continue;
    const sep = fields.indexOf('-');
    const optional = fields.slice(6, sep < 0 ? undefined : sep);
    out.set(
      unescapeMount(point),
      optional.some((f) => f.startsWith('shared:')),
    );
  }
  return out;
}

const unescapeMount = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
