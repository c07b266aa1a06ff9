import { type FSWatcher, watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type LoadedNetworkConfigs, loadNetworkConfigs } from './config-load.js';
import { NoNetworkConfigError } from './errors.js';
import { type CniLogger, silentLogger } from './logger.js';
import type { NetworkConfigList } from './network-config.js';

/** Options for {@link NetworkConfigWatcher}. */
export interface NetworkConfigWatcherOptions {
  /** Wait this long after a change event before reloading (editors write in steps). Default 50 ms. */
  debounceMs?: number;
  /**
   * Also rescan on this interval, in case inotify misses something (a directory created
   * later, a bind mount replaced). Default 1000 ms; 0 turns it off.
   */
  pollMs?: number;
  logger?: CniLogger;
}

type Listener = (configs: LoadedNetworkConfigs) => void;

/**
 * Keeps the networks of a configuration directory current: loads it, watches it, and
 * reloads when files appear, change or go. A runtime's NetworkReady condition is
 * `watcher.current().defaultNetwork !== undefined`.
 */
export class NetworkConfigWatcher {
  readonly dir: string;
  readonly #debounceMs: number;
  readonly #pollMs: number;
  readonly #logger: CniLogger;
  #current: LoadedNetworkConfigs;
  #signature = '';
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #listeners = new Set<Listener>();
  #reloading: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(dir: string, options: NetworkConfigWatcherOptions = {}) {
    this.dir = dir;
    this.#debounceMs = options.debounceMs ?? 50;
    this.#pollMs = options.pollMs ?? 1000;
    this.#logger = options.logger ?? silentLogger;
    this.#current = { dir, networks: [], errors: [], defaultNetwork: undefined };
  }

  /** Loads the directory once and starts watching it. Resolves with the first load. */
  async start(): Promise<LoadedNetworkConfigs> {
    await this.#reload();
    this.#watch();
    if (this.#pollMs > 0) {
      this.#poll = setInterval(() => this.#check(), this.#pollMs);
      this.#poll.unref();
    }
    return this.#current;
  }

  /** The networks as of the last load. */
  current(): LoadedNetworkConfigs {
    return this.#current;
  }

  /** The default network, or throws {@link NoNetworkConfigError} when there is none yet. */
  defaultNetwork(): NetworkConfigList {
    const net = this.#current.defaultNetwork;
    if (!net) {
      const why = this.#current.errors.map((e) => e.message).join('; ');
      throw new NoNetworkConfigError(this.dir, why || undefined);
    }
    return net;
  }

  /** The network called `name`, if loaded. */
  network(name: string): NetworkConfigList | undefined {
    return this.#current.networks.find((n) => n.name === name);
  }

  /** Calls `listener` after every reload that changed something. Returns an unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the default network as soon as there is one; rejects after `timeoutMs`. */
  waitForDefault(timeoutMs: number): Promise<NetworkConfigList> {
    const now = this.#current.defaultNetwork;
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new NoNetworkConfigError(this.dir, `none appeared within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onChange((c) => {
        if (!c.defaultNetwork) return;
        clearTimeout(timer);
        off();
        resolve(c.defaultNetwork);
      });
    });
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    clearTimeout(this.#debounce);
    clearInterval(this.#poll);
    this.#listeners.clear();
  }

  #watch(): void {
    if (this.#watcher || this.#closed) return;
    try {
      this.#watcher = watch(this.dir, { persistent: false }, () => this.#schedule());
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = undefined;
        this.#schedule();
      });
    } catch {
      // The directory does not exist yet: the poll picks it up when it appears.
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.#reload(), this.#debounceMs);
    this.#debounce.unref();
  }

  async #check(): Promise<void> {
    if (this.#closed) return;
    this.#watch();
    if ((await this.#dirSignature()) !== this.#signature) this.#schedule();
  }

  // Names, sizes and mtimes of every entry (and of the network drop-in directories).
  async #dirSignature(): Promise<string> {
    try {
      const names = (await readdir(this.dir)).sort();
      const parts = await Promise.all(
        names.map(async (n) => {
          const s = await stat(join(this.dir, n)).catch(() => undefined);
          return s ? `${n}:${s.size}:${s.mtimeMs}` : n;
        }),
      );
      return parts.join('|');
    } catch {
      return '';
    }
  }

  #reload(): Promise<void> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#again = false;
        const signature = await this.#dirSignature();
        const next = await loadNetworkConfigs(this.dir).catch(
          (err: unknown): LoadedNetworkConfigs => {
            this.#logger.warn({ dir: this.dir, err }, 'cannot read CNI configuration directory');
            return { dir: this.dir, networks: [], errors: [], defaultNetwork: undefined };
          },
        );
        const changed = describe(next) !== describe(this.#current);
        this.#signature = signature;
        this.#current = next;
        for (const e of next.errors) {
          if (changed)
            this.#logger.warn({ file: e.file, problem: e.problem }, 'skipped CNI configuration');
        }
        if (changed && !this.#closed) {
          for (const l of this.#listeners) {
            try {
              l(next);
            } catch (err) {
              this.#logger.warn({ dir: this.dir, err }, 'CNI configuration listener threw');
            }
          }
        }
      } while (this.#again && !this.#closed);
      this.#reloading = undefined;
    })();
    return this.#reloading;
  }
}

function describe(c: LoadedNetworkConfigs): string {
  return JSON.stringify([c.networks.map((n) => [n.file, n.json]), c.errors.map((e) => e.message)]);
}
