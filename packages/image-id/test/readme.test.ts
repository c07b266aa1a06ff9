import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeExample, runTypeScriptSync } from '@capstan/testenv';
import { afterAll, expect, it } from 'vitest';

// The README's examples run as written (importing the package by name, from src/ through
// the "source" condition) and print what the README says they print.

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

it.each(['references-example', 'manifest-example', 'credentials-example'])(
  'README %s runs and prints what it says',
  (tag) => {
    const { code, prints: output } = readmeExample(pkg, tag);
    mkdirSync(work, { recursive: true });
    const file = join(work, `${tag}.ts`);
    writeFileSync(file, code);
    const run = runTypeScriptSync(file, { cwd: pkg });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(output);
  },
);
