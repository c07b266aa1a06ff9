import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvContext } from './pod-env.js';

// ConfigMaps and secrets for pods without an API server: one directory per object,
// `<configDir>/configmaps/<namespace>/<name>/<key>` and `<configDir>/secrets/...` likewise.

export type LocalKind = 'configmaps' | 'secrets';

/** The directory of one local configMap or secret (under a path that never exists when no configDir is set). */
export function localObjectDir(
  configDir: string | undefined,
  kind: LocalKind,
  namespace: string,
  name: string,
): string {
  return join(configDir ?? '/nonexistent', kind, namespace, name);
}

/** Keys of the local configMaps and secrets under `configDir`, as env and pull secrets read them. */
export function localObjects(
  configDir: string | undefined,
): Pick<EnvContext, 'lookup' | 'lookupAll'> {
  const plain = (name: string) => !name.includes('/') && !name.startsWith('..');
  return {
    lookup(kind, ns, name, key) {
      if (!plain(name) || !plain(key)) return undefined;
      try {
        return readFileSync(join(localObjectDir(configDir, kind, ns, name), key), 'utf8');
      } catch {
        return undefined;
      }
    },
    lookupAll(kind, ns, name) {
      if (!plain(name)) return undefined;
      const dir = localObjectDir(configDir, kind, ns, name);
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return undefined;
      }
      const out: Record<string, string> = {};
      for (const key of entries) {
        try {
          out[key] = readFileSync(join(dir, key), 'utf8');
        } catch {
          // a directory or unreadable entry is not a key
        }
      }
      return out;
    },
  };
}
