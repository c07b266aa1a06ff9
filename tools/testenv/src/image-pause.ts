import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sha256 } from './image-layer.js';

const run = promisify(execFile);

/** The project's pause program, compiled into the pause image. */
export const PAUSE_SOURCE = fileURLToPath(new URL('../images/pause.c', import.meta.url));

const CFLAGS = ['-static', '-Os', '-s', '-Wall', '-Wextra', '-Werror'];

/**
 * Compiles images/pause.c statically (stripped) with the system gcc, cached in
 * `<cacheDir>/pause/<hash of source, flags and gcc version>`.
 */
export async function compilePause(cacheDir: string): Promise<Buffer> {
  const source = readFileSync(PAUSE_SOURCE);
  const { stdout: gccVersion } = await run('gcc', ['--version']);
  const key = sha256(
    JSON.stringify([source.toString('utf8'), CFLAGS, gccVersion.split('\n')[0]]),
  ).slice(7);
  const dir = join(cacheDir, 'pause');
  const out = join(dir, `pause-${key}`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}-${Date.now()}`;
    try {
      await run('gcc', [...CFLAGS, '-o', tmp, PAUSE_SOURCE]);
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`gcc failed on ${PAUSE_SOURCE}: ${stderr}`, { cause: err });
    }
    renameSync(tmp, out);
  }
  return readFileSync(out);
}
