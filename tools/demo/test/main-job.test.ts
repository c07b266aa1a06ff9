import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// The README's main job, end to end: registry, dockerd, docker-shim, node agent, demo pod
// Ready and answering, then a full clean-up (`--once` stops instead of waiting for Ctrl-C).

it('the main job brings the demo pod to Ready, serves the page, and leaves nothing behind', async () => {
  const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'src/main.ts', '--once'],
      { cwd: join(import.meta.dirname, '..'), timeout: 240_000 },
      (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    );
  });
  expect(out.stdout).toMatch(/pod web-capstan-demo: Running, Ready/);
  expect(out.stdout).toMatch(/it answers at http:\/\/127\.0\.0\.1:\d+\/ -> "capstan httpd ok"/);
  expect(out.stdout).toMatch(
    /container httpd: ready=true restarts=0 image=\S+@sha256:[0-9a-f]{64}/,
  );
  expect(out.stdout).toMatch(/web-capstan-demo\s+1\/1\s+Running\s+0/);
  expect(out.stdout).toContain('stopped; nothing left behind');
  expect(out.code).toBe(0);
  const leftovers = readdirSync('/sys/fs/cgroup').flatMap((c) => {
    try {
      return readdirSync(join('/sys/fs/cgroup', c)).filter((d) => d.startsWith('capstan-demo-'));
    } catch {
      return [];
    }
  });
  expect(leftovers).toEqual([]);
});
