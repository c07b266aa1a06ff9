import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// The README's example runs as written and prints what its comments say.

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('README example (a toy runtime embedding the server) runs as written', async () => {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const code = /```ts example\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code, 'README has a ```ts example block').toBeDefined();
  mkdirSync(work, { recursive: true });
  const file = join(work, 'example.ts');
  writeFileSync(file, code!);
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
    cwd: pkg,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code_ = await new Promise<number | null>((r) => child.once('exit', r));
  expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
  expect(out).toContain('v5.channel.k8s.io "HELLO\\n" 3');
  expect(out).toMatch(/HTTP 404/);
  expect(code_).toBe(0);
});
