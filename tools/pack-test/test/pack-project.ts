import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The workspace root. */
export const root = join(import.meta.dirname, '../../..');

/** A published (non-private) workspace package. */
export interface Pkg {
  name: string;
  dir: string;
  private?: boolean;
}

/** Every published package under packages/. */
export const published: Pkg[] = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ ...JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')), dir }))
  .filter((p: Pkg) => !p.private);

/**
 * Packs every published package into `out` as publishing would (pnpm pack rewrites
 * `workspace:*` to real versions); returns the tarballs.
 */
export function packAll(out: string): string[] {
  for (const p of published) {
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: p.dir, stdio: 'pipe' });
  }
  return readdirSync(out)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(out, f));
}

function tsVersion(): string {
  return JSON.parse(readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8'))
    .version;
}

/**
 * A project outside the workspace: `main.mts` written, the tarballs installed with plain
 * npm (plus typescript and `extra` packages), compiled with strict tsc to out/main.mjs.
 */
export function buildProject(
  dir: string,
  tarballs: readonly string[],
  code: string,
  extra: readonly string[] = [],
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tarballs,
      `typescript@${tsVersion()}`,
      '@types/node@24',
      ...extra,
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  writeFileSync(join(dir, 'main.mts'), code);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: false,
        outDir: 'out',
        types: ['node'],
        skipLibCheck: false,
      },
      include: ['main.mts'],
    }),
  );
  try {
    execFileSync(join(dir, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: dir, stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`tsc in ${dir} failed:\n${out}`, { cause: err });
  }
  return join(dir, 'out/main.mjs');
}
