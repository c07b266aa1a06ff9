import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ConfigError } from './errors.js';
import {
  type ConfigFormat,
  loadsOnlyInlinedPlugins,
  type NetworkConfigList,
  parseNetworkConfig,
} from './network-config.js';

/** What a configuration directory holds: the valid networks, in order, and the broken files. */
export interface LoadedNetworkConfigs {
  readonly dir: string;
  /** Valid networks in lexical file order; the first one is the default network. */
  readonly networks: readonly NetworkConfigList[];
  /** One error per file that was skipped, naming the file and the problem. */
  readonly errors: readonly ConfigError[];
  /** The first valid network, or undefined when there is none (the network is not ready). */
  readonly defaultNetwork: NetworkConfigList | undefined;
}

const FORMATS: Record<string, ConfigFormat> = {
  '.conflist': 'list',
  '.conf': 'single',
  '.json': 'single',
};

async function listFiles(dir: string, extensions: readonly string[]): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => !e.isDirectory() && extensions.includes(extname(e.name)))
    .map((e) => e.name)
    .sort();
}

// libcni appends plugin objects from `<dir>/<network name>/*.conf` to a list unless the list
// sets loadOnlyInlinedPlugins.
async function dropInPlugins(dir: string, network: string): Promise<unknown[]> {
  const sub = join(dir, network);
  const out: unknown[] = [];
  for (const name of await listFiles(sub, ['.conf'])) {
    const file = join(sub, name);
    const text = await readFile(file, 'utf8');
    try {
      out.push(JSON.parse(text));
    } catch (err) {
      throw new ConfigError(`invalid JSON in drop-in plugin: ${(err as Error).message}`, file, {
        cause: err,
      });
    }
  }
  return out;
}

/** Reads and validates one configuration file; throws {@link ConfigError} naming it. */
export async function loadNetworkConfigFile(
  file: string,
  format?: ConfigFormat,
): Promise<NetworkConfigList> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read: ${(err as Error).message}`, file, { cause: err });
  }
  const fmt = format ?? FORMATS[extname(file)] ?? 'list';
  let extraPlugins: unknown[] = [];
  if (fmt === 'list' && !loadsOnlyInlinedPlugins(text)) {
    const name = (() => {
      try {
        const doc = JSON.parse(text) as { name?: unknown };
        return typeof doc.name === 'string' && /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(doc.name)
          ? doc.name
          : '';
      } catch {
        return '';
      }
    })();
    if (name) extraPlugins = await dropInPlugins(join(file, '..'), name);
  }
  return parseNetworkConfig(text, { file, format: fmt, extraPlugins });
}

/**
 * Loads a configuration directory the way libcni-based runtimes do: `.conflist`, `.conf`
 * and `.json` files in lexical order; a malformed file is reported in `errors` and
 * skipped; a network name seen before is skipped too (the first file wins). A missing
 * directory is simply empty.
 */
export async function loadNetworkConfigs(dir: string): Promise<LoadedNetworkConfigs> {
  const networks: NetworkConfigList[] = [];
  const errors: ConfigError[] = [];
  const seen = new Map<string, string>();
  for (const name of await listFiles(dir, Object.keys(FORMATS))) {
    const file = join(dir, name);
    try {
      const net = await loadNetworkConfigFile(file);
      const first = seen.get(net.name);
      if (first) {
        errors.push(
          new ConfigError(`network "${net.name}" is already defined by ${first}; skipped`, file),
        );
        continue;
      }
      seen.set(net.name, file);
      networks.push(net);
    } catch (err) {
      errors.push(
        err instanceof ConfigError
          ? err
          : new ConfigError(String((err as Error).message ?? err), file, { cause: err }),
      );
    }
  }
  return { dir, networks, errors, defaultNetwork: networks[0] };
}
