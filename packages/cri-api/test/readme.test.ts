import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeBlock, runTypeScript } from '@capstan/testenv';
import { afterAll, expect, it } from 'vitest';

// The README's two examples run as written: the server example serves, the client example
// talks to it, and SIGTERM shuts the server down.

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('README server and client examples run as written', async () => {
  mkdirSync(work, { recursive: true });
  const sock = '/tmp/capstan-example.sock';
  const serverFile = join(work, 'server.ts');
  const clientFile = join(work, 'client.ts');
  writeFileSync(serverFile, readmeBlock(pkg, 'server-example'));
  writeFileSync(clientFile, readmeBlock(pkg, 'client-example'));
  const server = runTypeScript(serverFile, { cwd: pkg });
  try {
    await expect.poll(() => existsSync(sock), { timeout: 20_000 }).toBe(true);
    const client = runTypeScript(clientFile, { cwd: pkg });
    expect(await client.exited).toBe(0);
    expect(client.output()).toContain('my-runtime 1.0.0 (CRI v1)');
    expect(client.output()).toContain('no such container:');
    expect(client.output()).toContain('container abc not found');
  } finally {
    server.child.kill('SIGTERM');
  }
  expect(await server.exited).toBe(0);
  expect(existsSync(sock)).toBe(false);
});
