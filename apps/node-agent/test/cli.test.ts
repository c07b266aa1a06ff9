import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

// capstan-node-agent's command line as an operator runs it (from source through tsx).
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const APP = fileURLToPath(new URL('..', import.meta.url));
const ARGV = ['--conditions=source', '--import', 'tsx', MAIN];
const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...ARGV, ...args], { cwd: APP, timeout: 30_000 }, (err, o, e) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout: o, stderr: e }),
    );
  });
}

it('--help shows the log flags with their defaults', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(0);
  expect(stdout).toMatch(/--log-level <level>\s+trace, debug, info, warn, error, fatal, silent/);
  expect(stdout).toMatch(/--log-file <path>/);
  expect(stdout).toMatch(/--log-file-max-size <MiB>[^\n]*\(default: 10\)/);
});

it('an unknown log level is one line on stderr and exit code 2', async () => {
  const { code, stderr } = await run(['--log-level', 'loud']);
  expect(code).toBe(2);
  expect(stderr.trim()).toBe(
    'capstan-node-agent: log level "loud" is not one of trace, debug, info, warn, error, fatal, silent',
  );
});

it('--log-file gets the JSON log from the first line, before the runtime answers', async () => {
  const file = join(dir, 'logs', 'agent.log');
  const child = spawn(
    process.execPath,
    [
      ...ARGV,
      '--log-file',
      file,
      '--root-dir',
      join(dir, 'root'),
      '--pod-logs-dir',
      join(dir, 'pod-logs'),
      '--cgroup-root',
      '',
      '--healthz-port',
      '0',
      '--container-runtime-endpoint',
      `unix://${join(dir, 'no-runtime.sock')}`,
    ],
    { cwd: APP, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const deadline = Date.now() + 60_000;
    let lines: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      if (existsSync(file)) {
        lines = readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        if (lines.length > 0) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    // Before the runtime answers (here it never does): the operator sees what it waits for.
    expect(lines[0]).toMatchObject({
      app: 'capstan-node-agent',
      level: 30,
      msg: 'starting: connecting to the container runtime',
      runtimeEndpoint: `unix://${join(dir, 'no-runtime.sock')}`,
      log: file,
    });
    expect(stdout).toBe('');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
