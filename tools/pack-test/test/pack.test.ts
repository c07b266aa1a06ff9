import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Every published package, packed as it would be published, installs with plain npm into a
// project outside the workspace, imports at run time, and type-checks against its .d.ts.

const root = join(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'capstan-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Pkg {
  name: string;
  dir: string;
  private?: boolean;
}
const published: Pkg[] = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ ...JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')), dir }))
  .filter((p: Pkg) => !p.private);

/** A usage of each package's public API: must run under node and type-check under tsc. */
const usage: Record<string, string> = {
  '@capstan/cri-api': `
    import { createCriServer, connectCriClient, VersionRequest, NotFoundError, type RuntimeServiceHandlers } from '@capstan/cri-api';
    const handlers: Partial<RuntimeServiceHandlers> = { version: () => ({ runtimeName: 'packed' }) };
    const server = createCriServer({ runtime: handlers });
    const sock = process.argv[2] as string;
    await server.listen(sock);
    const cri = await connectCriClient(sock);
    const v = await cri.runtime.version(VersionRequest.fromPartial({ version: 'v1' }));
    const name: string = v.runtimeName;
    console.log('ok', name, new NotFoundError('x').code);
    cri.close();
    await server.close(100);
  `,
};

describe('packages work outside the monorepo', () => {
  it('has a usage check for every published package', () => {
    expect(published.length).toBeGreaterThan(0);
    expect(published.map((p) => p.name).filter((n) => !usage[n])).toEqual([]);
  });

  it.each(published.map((p) => [p.name, p] as const))(
    '%s packs, installs with npm, imports with types',
    (name, pkg) => {
      const out = join(scratch, 'tarballs');
      // pnpm pack rewrites workspace:* ranges to real versions, as publishing would.
      execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: pkg.dir, stdio: 'pipe' });
      const tarballs = readdirSync(out)
        .filter((f) => f.endsWith('.tgz'))
        .map((f) => join(out, f));
      const project = join(scratch, name.replace(/[@/]/g, '_'));
      execFileSync('mkdir', ['-p', project]);
      writeFileSync(
        join(project, 'package.json'),
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
        ],
        { cwd: project, stdio: 'pipe' },
      );
      writeFileSync(join(project, 'use.mts'), usage[name]!);
      writeFileSync(
        join(project, 'tsconfig.json'),
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
          include: ['use.mts'],
        }),
      );
      execFileSync(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], {
        cwd: project,
        stdio: 'pipe',
      });
      const sock = join(project, 'x.sock');
      const stdout = execFileSync(process.execPath, [join(project, 'out/use.mjs'), sock], {
        cwd: project,
      }).toString();
      expect(stdout).toContain('ok packed 5');
    },
  );
});

function tsVersion(): string {
  return JSON.parse(readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8'))
    .version;
}
