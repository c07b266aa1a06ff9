import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The app's directory: the CLI runs from source there (`--conditions=source`, tsx). */
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `capstan-cri` as an operator would, as a child process from source (no build):
 * `node --conditions=source --import tsx src/main.ts ...args`. Never rejects on a
 * non-zero exit.
 */
export function runCapstanCri(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    delete env.CRI_CONFIG_FILE;
    const child = execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'src/main.ts', ...args],
      { cwd: APP_DIR, env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(
            new Error(`capstan-cri ${args.join(' ')}: ${err.message}\n${stderr}`, { cause: err }),
          );
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
    // stdin: the given input, then end of input (none given: closed at once).
    child.stdin?.end(options.input ?? '');
  });
}
