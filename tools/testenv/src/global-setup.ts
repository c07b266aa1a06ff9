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

/** Pod subnet of the shared networked containerd. */
const POD_CIDR = '10.244.0.0/24';

/**
 * vitest globalSetup: one registry with the test images, one CRI containerd and one
 * networked CRI containerd (own node netns, bridge pod network) for the whole run,
 * provided to tests as `inject('testenv')`. Teardown stops all three and leaves
 * nothing behind (see README).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const registry = await startRegistry({ log });
  const t1 = Date.now();
  try {
    const images = await buildTestImages(registry.host, { log });
    const t2 = Date.now();
    const timed = async <T>(start: () => Promise<T>): Promise<[T, number]> => {
      const t = Date.now();
      const value = await start();
      return [value, Date.now() - t];
    };
    const common = { registryHost: registry.host, sandboxImage: images.pause.ref, log };
    // Both containerds start at once: the networked one's extra netns and forwarder work
    // overlaps the plain one's start.
    const started = await Promise.allSettled([
      timed(() => startContainerd(common)),
      timed(() => startContainerd({ ...common, network: { podCidr: POD_CIDR } })),
    ]);
    const [plain, networked] = started;
    if (plain.status === 'rejected' || networked.status === 'rejected') {
      await Promise.allSettled(
        started.flatMap((r) => (r.status === 'fulfilled' ? [r.value[0].stop()] : [])),
      );
      throw plain.status === 'rejected'
        ? plain.reason
        : (networked as PromiseRejectedResult).reason;
    }
    const [containerd, tPlain] = plain.value;
    const [netCtd, tNet] = networked.value;
    const t3 = Date.now();
    log(
      `global setup: registry ${t1 - t0} ms, images ${t2 - t1} ms, containerds ${t3 - t2} ms ` +
        `(plain ${tPlain} ms, networked ${tNet} ms)`,
    );
    const env: ProvidedTestEnv = {
      registryHost: registry.host,
      images,
      containerd: { address: containerd.address, socket: containerd.socket },
      networkedContainerd: {
        address: netCtd.address,
        socket: netCtd.socket,
        netns: netCtd.netns,
        netnsPath: netCtd.netnsPath,
        podCidr: netCtd.podCidr,
      },
    };
    project.provide('testenv', env);
    return async () => {
      const t = Date.now();
      const results = await Promise.allSettled([containerd.stop(), netCtd.stop(), registry.stop()]);
      log(`global teardown: ${Date.now() - t} ms`);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    };
  } catch (err) {
    await registry.stop().catch(() => {});
    throw err;
  }
}
