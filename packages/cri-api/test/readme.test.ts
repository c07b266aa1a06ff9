import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// The README's two examples run as written: the server example serves, the client example
// talks to it, and SIGTERM shuts the server down.

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
const block = (tag: string) => {
  const m = new RegExp('```ts ' + tag + '\\n([\\s\\S]*?)```').exec(readme);
  if (!m?.[1]) throw new Error(`README has no \`\`\`ts ${tag} block`);
  return m[1];
};

function run(file: string) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
    cwd: pkg,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, output: () => out };
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('README server and client examples run as written', async () => {
  mkdirSync(work, { recursive: true });
  const sock = '/tmp/capstan-example.sock';
  const serverFile = join(work, 'server.ts');
  const clientFile = join(work, 'client.ts');
  writeFileSync(serverFile, block('server-example'));
  writeFileSync(clientFile, block('client-example'));
  const server = run(serverFile);
  try {
    await expect.poll(() => existsSync(sock), { timeout: 20_000 }).toBe(true);
    const client = run(clientFile);
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
