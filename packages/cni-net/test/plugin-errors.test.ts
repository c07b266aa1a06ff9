import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CniDriver,
  isDeadlineExceeded,
  type NetworkConfigList,
  PluginCancelledError,
  PluginError,
  PluginNotFoundError,
  PluginOutputError,
  PluginTimeoutError,
  parseNetworkConfig,
} from '../src/index.js';
import { NodeEnv } from './helpers/node-env.js';

// A real bridge + host-local followed by a plugin that fails. Each failure has its own
// typed error, the driver's rollback DEL frees what the bridge made, and a forced teardown
// removes the namespace.

const FAKES = join(import.meta.dirname, 'fixtures', 'plugins');

let env: NodeEnv;
let driver: CniDriver;

beforeEach(async () => {
  env = await NodeEnv.create();
  driver = env.driver({ pluginDirs: ['/usr/lib/cni', FAKES] });
});
afterEach(async () => {
  if (!env) return;
  await env.cleanup();
  expect(await env.leftovers()).toEqual([]);
});

function chain(failing: string): NetworkConfigList {
  return parseNetworkConfig(
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'errnet',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni-err0',
          isGateway: true,
          ipam: {
            type: 'host-local',
            dataDir: env.ipamDir,
            ranges: [[{ subnet: '10.250.0.0/24' }]],
          },
        },
        { type: failing },
      ],
    }),
  );
}

async function expectNothingLeft(containerId: string, nsName: string): Promise<void> {
  expect(await env.allocatedIps('errnet')).toEqual([]);
  expect((await env.nodeLinks()).filter((l) => l.startsWith('veth'))).toEqual([]);
  expect(await driver.cachedAttachments(containerId)).toEqual([]);
  const pod = env.pods.find((p) => p.name === nsName)!;
  const report = await driver.teardown({ containerId, netns: pod, force: true });
  expect(report).toMatchObject({ complete: true, failures: [] });
  expect(await env.netns.get(nsName)).toBeUndefined();
}

describe('a failing plugin in the chain', () => {
  it('a CNI error object becomes PluginError with code, msg and details', async () => {
    const ns = await env.pod('cnierr');
    const err = await driver
      .add(chain('fake-cni-error'), { containerId: 'c-cnierr', netns: ns.path })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({
      code: 7,
      msg: 'invalid network config',
      details: 'fake-cni-error refuses every ADD',
      plugin: 'fake-cni-error',
      command: 'ADD',
      network: 'errnet',
      kind: 'invalid-argument',
    });
    expect((err as Error).message).toContain('CNI error 7 (invalid network config)');
    await expectNothingLeft('c-cnierr', ns.name);
  });

  it('output that is not a result becomes PluginOutputError', async () => {
    const ns = await env.pod('garbage');
    const err = await driver
      .add(chain('fake-garbage'), { containerId: 'c-garbage', netns: ns.path })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginOutputError);
    expect(err).toMatchObject({ plugin: 'fake-garbage', exitCode: 0, kind: 'internal' });
    expect((err as Error).message).toContain('not JSON');
    await expectNothingLeft('c-garbage', ns.name);
  });

  it('a plugin that hangs past the timeout is killed with its children: PluginTimeoutError', async () => {
    const ns = await env.pod('hang');
    const pidFile = join(env.tmp, 'hang.pids');
    const started = Date.now();
    const err = await driver
      .add(chain('fake-hang'), {
        containerId: 'c-hang',
        netns: ns.path,
        args: { FAKE_HANG_PIDS: pidFile },
        timeoutMs: 1500,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginTimeoutError);
    expect(isDeadlineExceeded(err)).toBe(true);
    expect(err).toMatchObject({ plugin: 'fake-hang', timeoutMs: 1500 });
    expect(Date.now() - started).toBeLessThan(20_000);
    const pids = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    await expectNothingLeft('c-hang', ns.name);
  });

  it('aborting the call kills the plugin: PluginCancelledError', async () => {
    const ns = await env.pod('abort');
    const ac = new AbortController();
    const pending = driver
      .add(chain('fake-hang'), { containerId: 'c-abort', netns: ns.path, signal: ac.signal })
      .catch((e: unknown) => e);
    setTimeout(() => ac.abort(new Error('sandbox creation cancelled')), 300);
    const err = await pending;
    expect(err).toBeInstanceOf(PluginCancelledError);
    expect(err).toMatchObject({ plugin: 'fake-hang', kind: 'cancelled' });
    await expectNothingLeft('c-abort', ns.name);
  });

  it('a plugin that is not installed becomes PluginNotFoundError naming the paths', async () => {
    const ns = await env.pod('missing');
    const err = await driver
      .add(chain('does-not-exist'), { containerId: 'c-missing', netns: ns.path })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginNotFoundError);
    expect(err).toMatchObject({ plugin: 'does-not-exist', searched: ['/usr/lib/cni', FAKES] });
    await expectNothingLeft('c-missing', ns.name);
  });
});

// Gone, or a zombie nobody has reaped yet (PID 1 here may not reap orphans).
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
