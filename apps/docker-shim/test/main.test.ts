import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The binary's command line, run as users run it (from source through tsx here).
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const APP = fileURLToPath(new URL('..', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', MAIN, ...args],
      { cwd: APP, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('capstan-docker-shim', () => {
  it('--help lists every flag', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--config',
      '--listen',
      '--docker-endpoint',
      '--state-dir',
      '--cni-conf-dir',
      '--cni-bin-dir',
      '--cni-netns',
      '--pod-infra-container-image',
      '--log-level',
      '--log-file',
      '--log-file-max-size',
      '--sysctl-whitelist',
      '--stats-period',
      '--image-pull-progress-deadline',
      '--registry-config-dir',
      '--instance',
      '--streaming-address',
      '--streaming-tls-cert-file',
      '--streaming-tls-key-file',
      '--print-config',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('a bad setting is one line on stderr and exit code 2', async () => {
    const { code, stderr } = await run(['--log-level', 'loud']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/logLevel/);
  });

  it('an unreachable Docker daemon fails the start with exit code 1, saying so', async () => {
    const { code, stderr } = await run([
      '--docker-endpoint',
      'unix:///nonexistent/docker.sock',
      '--log-level',
      'silent',
      '--state-dir',
      '/tmp/capstan-shim-never',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Docker daemon is not reachable/);
  });

  it('--log-file gets the JSON log lines from the first one, stdout stays empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shim-log-file-'));
    try {
      const file = join(dir, 'logs', 'shim.log');
      const { code, stdout, stderr } = await run([
        '--docker-endpoint',
        'unix:///nonexistent/docker.sock',
        '--state-dir',
        join(dir, 'state'),
        '--log-file',
        file,
      ]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/Docker daemon is not reachable/);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.at(-1)).toMatchObject({
        app: 'capstan-docker-shim',
        level: 60,
        msg: 'docker shim failed to start',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a log file size that is not a number is a config error', async () => {
    const { code, stderr } = await run(['--log-file', '/tmp/x.log', '--log-file-max-size', 'big']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/logFileMaxSizeMiB/);
  });
});
