import type { TestProject } from 'vitest/node';
import { startContainerd } from './containerd-start.js';
import { buildTestImages } from './images-build.js';
import type { Log } from './log.js';
import type { ProvidedTestEnv } from './provided-context.js';
import './vitest-context.js';
import { startRegistry } from './registry-start.js';

export type { ProvidedTestEnv } from './provided-context.js';

/** Set CAPSTAN_TESTENV_DEBUG=1 to see what global setup starts and how long it takes. */
const log: Log =
  process.env.CAPSTAN_TESTENV_DEBUG === undefined
    ? () => {}
    : (msg) => process.stderr.write(`[testenv] ${msg}\n`);

/**
 * vitest globalSetup: one registry with the test images and one CRI containerd for the
 * whole run, provided to tests as `inject('testenv')`. Teardown stops both and leaves
 * nothing behind (see README).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const registry = await startRegistry({ log });
  const t1 = Date.now();
  try {
    const images = await buildTestImages(registry.host, { log });
    const t2 = Date.now();
    const containerd = await startContainerd({
      registryHost: registry.host,
      sandboxImage: images.pause.ref,
      log,
    });
    const t3 = Date.now();
    log(`global setup: registry ${t1 - t0} ms, images ${t2 - t1} ms, containerd ${t3 - t2} ms`);
    const env: ProvidedTestEnv = {
      registryHost: registry.host,
      images,
      containerd: { address: containerd.address, socket: containerd.socket },
    };
    project.provide('testenv', env);
    return async () => {
      const t = Date.now();
      const results = await Promise.allSettled([containerd.stop(), registry.stop()]);
      log(`global teardown: ${Date.now() - t} ms`);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    };
  } catch (err) {
    await registry.stop().catch(() => {});
    throw err;
  }
}
