import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';

// The one way packages' tests run their README examples: ```ts <tag> blocks, optionally
// followed by a "prints" block, run with the package's own name resolving to src/.

/** The code of the ```ts <tag> block of a package's README (an error when missing). */
export function readmeBlock(pkgDir: string, tag: string): string {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  const m = new RegExp(`\`\`\`ts ${tag}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m?.[1]) throw new Error(`${pkgDir}/README.md has no \`\`\`ts ${tag} block`);
  return m[1];
}

/** A block and the output the README says it prints (a "prints" block right after it). */
export function readmeExample(pkgDir: string, tag: string): { code: string; prints: string } {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  const m = new RegExp(
    `\`\`\`ts ${tag}\\n([\\s\\S]*?)\`\`\`\\n\\nprints\\n\\n\`\`\`\\n([\\s\\S]*?)\`\`\``,
  ).exec(readme);
  if (!m?.[1] || m[2] === undefined)
    throw new Error(`${pkgDir}/README.md has no \`\`\`ts ${tag} block followed by what it prints`);
  return { code: m[1], prints: m[2] };
}

const tsArgs = (file: string) => ['--conditions=source', '--import', 'tsx', file];

/** Runs a TypeScript file to completion (package imports resolve to src/ from `cwd`). */
export function runTypeScriptSync(
  file: string,
  opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
) {
  return spawnSync(process.execPath, tsArgs(file), {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
}

/** Starts a TypeScript file (for examples that serve until stopped). */
export function runTypeScript(file: string, opts: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(process.execPath, tsArgs(file), {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  // 'close', not 'exit': the output is complete once the streams closed.
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, exited, output: () => out };
}

/**
 * Type-checks a TypeScript file under the package's tsconfig (strict settings), with a
 * tsconfig written beside the file; returns tsc's result (empty output when it passes).
 */
export function typeCheckTypeScript(file: string, opts: { cwd: string }) {
  const dir = dirname(file);
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: relative(dir, join(opts.cwd, 'tsconfig.json')),
      include: [basename(file)],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return spawnSync(process.execPath, [tsc, '-p', tsconfig, '--noEmit'], {
    cwd: opts.cwd,
    encoding: 'utf8',
  });
}
