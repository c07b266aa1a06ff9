import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type CniResult, podIps, writeDefaultPodNetwork } from '../src/index.js';
import { NodeEnv } from './helpers/node-env.js';

// ADD in one process, DEL in another that has nothing but the cache: the DEL must send the
// config, CNI_ARGS, capabilities and prevResult of the ADD, and leave nothing behind.

const run = promisify(execFile);
const pkg = join(import.meta.dirname, '..');
const worker = join(import.meta.dirname, 'fixtures', 'restart-worker.ts');

let env: NodeEnv;
beforeEach(async () => {
  env = await NodeEnv.create();
});
afterEach(async () => {
  if (!env) return;
  await env.cleanup();
  expect(await env.leftovers()).toEqual([]);
});

async function runWorker(mode: 'add' | 'del', params: object): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', worker, mode, JSON.stringify(params)],
    { cwd: pkg, timeout: 30_000 },
  );
  return stdout;
}

it('DEL in a new process, using only the cache, removes everything the ADD made', async () => {
  await writeDefaultPodNetwork(env.confDir, { podCidr: '10.244.9.0/24', dataDir: env.ipamDir });
  const pod = await env.pod('restart');
  const params = {
    cacheDir: env.cacheDir,
    confDir: env.confDir,
    nodeNetns: env.node.path,
    podNetns: pod.path,
    containerId: `restart-${env.id}`,
  };
  const result = JSON.parse(await runWorker('add', params)) as CniResult;
  const ip = podIps(result)[0]!.ip;
  expect(await env.allocatedIps('kubenet')).toEqual([ip]);
  expect(await env.inNode('iptables', ['-t', 'nat', '-S'])).toContain(
    `--to-destination ${ip}:9090`,
  );
  expect((await env.nodeLinks()).filter((l) => l.startsWith('veth'))).toHaveLength(1);

  // The config directory is gone by the time the new process runs: only the cache is left.
  await env.exec(env.node.path, 'rm', ['-r', env.confDir]);
  expect(JSON.parse(await runWorker('del', params))).toEqual({ fromCache: true, ran: true });

  expect(await env.allocatedIps('kubenet')).toEqual([]);
  expect(await env.inNode('iptables', ['-t', 'nat', '-S'])).not.toContain(ip);
  expect((await env.nodeLinks()).filter((l) => l.startsWith('veth'))).toEqual([]);
  expect(await env.exec(pod.path, 'ip', ['-o', 'link', 'show'])).not.toContain('eth0');
  expect(await env.driver().cachedAttachments()).toEqual([]);
});
