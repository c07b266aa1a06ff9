import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeBlock, runTypeScript } from '@capstan/testenv';
import { afterAll, describe, expect, it } from 'vitest';
import { createCgroupManager, PodCgroupHierarchy } from '../src/index.js';
import { findCgroups, isRoot, uniqueRoot } from './helpers.js';

// The README's examples run as written (the agent example with its root moved to a unique
// test name through POD_ROOT).

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
const block = (tag: string) => readmeBlock(pkg, tag);
const run = (file: string, env: Record<string, string> = {}) =>
  runTypeScript(file, { cwd: pkg, env });

describe.skipIf(!isRoot)('README examples', () => {
  const root = uniqueRoot('readme');
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    // If the example failed half-way, remove what it left.
    await new PodCgroupHierarchy({ manager: createCgroupManager(), root }).teardown();
    expect(findCgroups(root)).toEqual([]);
  });

  it('the custom agent creates a pod cgroup, runs a process in it and reacts to its OOM', async () => {
    mkdirSync(work, { recursive: true });
    const file = join(work, 'agent.ts');
    writeFileSync(file, block('agent-example'));
    const agent = run(file, { POD_ROOT: root });
    const code = await agent.exited;
    expect(agent.output()).toContain(
      `pod cgroup /${root}/burstable/podc0ffee00-0000-4000-8000-000000000001 (Burstable)`,
    );
    expect(agent.output()).toMatch(/OOM in \/\S+: workload killed by SIGKILL/);
    expect(code).toBe(0);
    expect(findCgroups(root)).toEqual([]);
  });

  it('the stats example prints the mode and a stats line', async () => {
    mkdirSync(work, { recursive: true });
    const file = join(work, 'stats.ts');
    writeFileSync(file, block('stats-example'));
    const ex = run(file);
    expect(await ex.exited).toBe(0);
    expect(ex.output()).toMatch(/^cgroups: (v1|hybrid|unified), cgroup v[12] backend/m);
    expect(ex.output()).toMatch(/pids in \/: \d+/);
  });
});
