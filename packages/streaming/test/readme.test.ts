import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeBlock, runTypeScript } from '@capstan/testenv';
import { afterAll, expect, it } from 'vitest';

// The README's example runs as written and prints what its comments say.

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('README example (a toy runtime embedding the server) runs as written', async () => {
  mkdirSync(work, { recursive: true });
  const file = join(work, 'example.ts');
  writeFileSync(file, readmeBlock(pkg, 'example'));
  const run = runTypeScript(file, { cwd: pkg });
  const code = await run.exited;
  expect(run.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
  expect(run.output()).toContain('v5.channel.k8s.io "HELLO\\n" 3');
  expect(run.output()).toMatch(/HTTP 404/);
  expect(code).toBe(0);
});
