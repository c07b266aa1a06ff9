import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cidrContains } from '../src/cidr.js';
import { NetnsManager } from '../src/index.js';
import { NS_PREFIX } from './helpers/node-env.js';

// The README example runs as written, with its temp paths and namespace names made unique.

const pkg = join(import.meta.dirname, '..');
const id = randomBytes(4).toString('hex');
const work = join(pkg, '.tmp', `readme-${id}`);
const names = { node: `${NS_PREFIX}readme-${id}-node`, pod: `${NS_PREFIX}readme-${id}-pod` };
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');

afterAll(async () => {
  const netns = new NetnsManager();
  await netns.delete(names.pod);
  await netns.delete(names.node);
  rmSync(work, { recursive: true, force: true });
});

it('README example creates namespaces, ADDs, reads the IP and DELs', async () => {
  const m = /```ts readme-example\n([\s\S]*?)```/.exec(readme);
  if (!m?.[1]) throw new Error('README has no ```ts readme-example block');
  const code = m[1]
    .replaceAll('/tmp/cni-example', join(work, 'data'))
    .replaceAll("'example-node'", `'${names.node}'`)
    .replaceAll("'example-pod'", `'${names.pod}'`);
  mkdirSync(work, { recursive: true });
  const file = join(work, 'example.ts');
  writeFileSync(file, code);
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
    cwd: pkg,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code_ = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  expect(output).toMatch(/^pod IP: 10\.244\.1\.\d+\n$/);
  expect(code_).toBe(0);
  expect(cidrContains('10.244.1.0/24', output.trim().split(' ').at(-1) ?? '')).toBe(true);
  const netns = new NetnsManager();
  expect(await netns.get(names.node)).toBeUndefined();
  expect(await netns.get(names.pod)).toBeUndefined();
});
