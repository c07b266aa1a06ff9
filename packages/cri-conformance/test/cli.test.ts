import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type {} from '@capstan/testenv/vitest';
import { expect, inject, it } from 'vitest';

const env = inject('testenv');
const pkg = join(import.meta.dirname, '..');

function cli(name: string, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(pkg, 'src', `${name}.ts`), ...args],
      { cwd: pkg, timeout: 300_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

it('capstan-cri-conformance runs a focused selection and prints one line per test and the summary', async () => {
  const res = await cli('cli-conformance', [
    '--runtime-endpoint',
    env.networkedContainerd.address,
    '--busybox-image',
    env.images.busybox.ref,
    '--httpd-image',
    env.images.httpd.ref,
    '--focus',
    '^(runtime/(Version|Status)|exec/)',
  ]);
  expect(res.stderr).toBe('');
  const lines = res.stdout.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('PASS '))).toHaveLength(6);
  expect(lines.at(-1)).toBe('6 passed, 0 failed, 0 skipped');
  expect(res.code).toBe(0);
});

it('capstan-cri-conformance exits non-zero when a test fails', async () => {
  const res = await cli('cli-conformance', [
    '--runtime-endpoint',
    env.networkedContainerd.address,
    '--busybox-image',
    env.images.busybox.ref,
    '--httpd-image',
    env.images.httpd.ref,
    '--focus',
    '^runtime/RuntimeConfig',
  ]);
  expect(res.stdout).toMatch(/^FAIL runtime\/RuntimeConfig/m);
  expect(res.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed, 0 skipped');
  expect(res.code).toBe(1);
});

it('capstan-cri-conformance says in one line what is wrong with a bad endpoint', async () => {
  const res = await cli('cli-conformance', [
    '--runtime-endpoint',
    'unix:///nonexistent/cri.sock',
    '--busybox-image',
    'x',
    '--httpd-image',
    'y',
  ]);
  expect(res.code).toBe(2);
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
  expect(res.stderr).toContain('/nonexistent/cri.sock');
});

it('--list prints the selected tests', async () => {
  const res = await cli('cli-conformance', [
    '--runtime-endpoint',
    'unix:///x',
    '--busybox-image',
    'x',
    '--httpd-image',
    'y',
    '--list',
    '--focus',
    '^security/',
  ]);
  expect(res.code).toBe(0);
  expect(res.stdout.trim().split('\n').length).toBeGreaterThan(8);
  expect(
    res.stdout
      .split('\n')
      .filter(Boolean)
      .every((l) => l.startsWith('security/')),
  ).toBe(true);
});

it('capstan-cri-bench rejects a malformed --endpoint', async () => {
  const res = await cli('cli-bench', ['--endpoint', 'no-equals-sign', '--image', 'x']);
  expect(res.code).not.toBe(0);
  expect(res.stderr).toContain('name=endpoint');
});
