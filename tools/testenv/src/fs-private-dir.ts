import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Room left for the longest socket name a daemon puts in its dir (sun_path is 108 bytes). */
const SOCKET_NAME_ROOM = 40;

/**
 * The private dir for one daemon: `dir` (created if missing) or a fresh
 * `<tmpdir>/capstan-<kind>-XXXXXX`. Rejects paths too long for the unix sockets that
 * will live inside.
 */
export function privateDir(kind: string, dir?: string): string {
  const path = dir !== undefined ? resolve(dir) : mkdtempSync(join(tmpdir(), `capstan-${kind}-`));
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (Buffer.byteLength(path) + SOCKET_NAME_ROOM > 107) {
    throw new Error(
      `${kind} dir ${path} is too long for unix socket paths inside it (set TMPDIR or pass a shorter dir)`,
    );
  }
  return path;
}
