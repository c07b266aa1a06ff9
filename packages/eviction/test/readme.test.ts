import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCgroupManager } from '@capstan/cgroups';
import { readmeBlock, runTypeScript } from '@capstan/testenv';
import { afterAll, describe, expect, it } from 'vitest';
import { findCgroups, isRoot, uniqueName } from './helpers.js';

// The README's examples run as written (the embedding example with its node cgroup moved to
// a unique test name through NODE_CGROUP).

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
const block = (tag: string) => readmeBlock(pkg, tag);
const run = (file: string, env: Record<string, string> = {}) =>
  runTypeScript(file, { cwd: pkg, env });

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('the core example prints the conditions and the eviction of its comments', async () => {
  mkdirSync(work, { recursive: true });
  const file = join(work, 'core.ts');
  const code = block('core-example');
  writeFileSync(file, code);
  const ex = run(file);
  expect(await ex.exited).toBe(0);
  const expected = [...code.matchAll(/^\/\/ (t=.*)$/gm)].map((m) => m[1]);
  expect(expected).toHaveLength(3);
  expect(ex.output().trim().split('\n')).toEqual(expected);
});

describe.skipIf(!isRoot)('the embedding example', () => {
  const name = uniqueName('readme');
  afterAll(async () => {
    // If the example failed half-way, remove what it left.
    await createCgroupManager().destroy(`/${name}`);
    expect(findCgroups(name)).toEqual([]);
  });

  it('evicts the leaking pod before the kernel OOM-kills it', async () => {
    mkdirSync(work, { recursive: true });
    const file = join(work, 'embed.ts');
    writeFileSync(file, block('embed-example'));
    const ex = run(file, { NODE_CGROUP: `/${name}` });
    const code = await ex.exited;
    const out = ex.output();
    expect(out).toContain('MemoryPressure set');
    expect(out).toMatch(
      /evicting leaky: The node was low on resource: memory\. Threshold quantity: 48Mi, available: \d+/,
    );
    expect(out).toContain('leaky ended by SIGKILL; kernel OOM kills: 0');
    expect(code).toBe(0);
    expect(findCgroups(name)).toEqual([]);
  });
});
