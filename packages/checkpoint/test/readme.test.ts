import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeExample, runTypeScriptSync, typeCheckTypeScript } from '@capstan/testenv';
import { afterAll, beforeAll, expect, it } from 'vitest';

// The README's example runs as written, prints what the README says it prints, and
// type-checks under the repository's strict settings.

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
const { code: example, prints: printed } = readmeExample(pkg, 'example');
const file = join(work, 'example.ts');

beforeAll(() => {
  if (!example) throw new Error('README has no ```ts example block');
  mkdirSync(work, { recursive: true });
  writeFileSync(file, example);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  try {
    rmdirSync(join(pkg, '.tmp')); // only when no other run is using it
  } catch {}
});

it('README example runs and prints its documented output', () => {
  expect(printed, 'README shows what the example prints').toBeDefined();
  const run = runTypeScriptSync(file, { cwd: pkg });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toBe(printed);
});

it('README example type-checks', () => {
  const run = typeCheckTypeScript(file, { cwd: pkg });
  expect(run.stdout + run.stderr).toBe('');
  expect(run.status).toBe(0);
});
