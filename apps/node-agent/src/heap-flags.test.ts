import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// The agent's entry re-executes itself (same PID) with its V8 flags: a script doing what
// main.ts does prints its PID, its flags and whether the mark leaked, before and after.

const dir = mkdtempSync(join(tmpdir(), 'heap-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'probe.mjs');
writeFileSync(
  script,
  [
    `import { applyHeapFlags } from ${JSON.stringify(join(import.meta.dirname, 'heap-flags.ts'))};`,
    `applyHeapFlags();`,
    `console.log(JSON.stringify({ pid: process.pid, argv: process.execArgv, mark: process.env.CAPSTAN_AGENT_REEXECED ?? null, args: process.argv.slice(2) }));`,
  ].join('\n'),
);
const run = (env: Record<string, string>) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, 'a', '--b'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { ...JSON.parse(r.stdout), spawnedPid: r.pid };
};

it('re-executes once with the missing flags, keeping arguments, and leaves no mark behind', () => {
  const out = run({});
  expect(out.argv).toEqual(
    expect.arrayContaining([
      '--optimize-for-size',
      '--max-semi-space-size=1',
      '--lite-mode',
      '--import',
      'tsx',
    ]),
  );
  expect(out.args).toEqual(['a', '--b']);
  expect(out.mark).toBeNull();
  // execve keeps the PID the caller started (and the line is printed once).
  expect(out.pid).toBe(out.spawnedPid);
});

it('CAPSTAN_AGENT_V8_FLAGS replaces the list; empty keeps Node as started', () => {
  expect(run({ CAPSTAN_AGENT_V8_FLAGS: '--max-semi-space-size=2' }).argv).toContain(
    '--max-semi-space-size=2',
  );
  const plain = run({ CAPSTAN_AGENT_V8_FLAGS: '' }).argv;
  expect(plain).not.toContain('--lite-mode');
});
