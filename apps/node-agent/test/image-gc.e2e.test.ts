import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import { type Containerd, startContainerd } from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '../src/pod/types.js';
import { type AgentProcess, startHostAgent, waitFor } from './helpers/agent-process.js';

// Image garbage collection end to end: a private containerd (image GC removes images, so
// not the shared one) holding images no pod uses, and an agent whose high threshold is
// below what the disk already holds, so every housekeeping pass must collect down to the
// low threshold: unused images go, images a container uses stay.

const env = inject('testenv');
const dir = mkdtempSync(join(tmpdir(), 'agent-image-gc-'));
const manifests = join(dir, 'manifests');
const nodeName = `imagegc-${process.pid}`;
let containerd: Containerd;
let agent: AgentProcess;
let cri: CriClient;

const until = <T>(what: string, fn: () => Promise<T | undefined | false>) =>
  waitFor(agent, what, fn);
const present = async (ref: string) =>
  (await cri.image.imageStatus({ image: { image: ref } })).image !== undefined;

beforeAll(async () => {
  containerd = await startContainerd({
    registryHost: env.registryHost,
    sandboxImage: env.images.pause.ref,
  });
  cri = await connectCriClient(containerd.address);
  for (const img of [env.images.busybox, env.images.httpd]) {
    await cri.image.pullImage({ image: { image: img.ref } });
  }
  mkdirSync(manifests, { recursive: true });
  // The pod using busybox runs before the agent starts collecting.
  writeFileSync(
    join(manifests, 'user.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user' },
      spec: {
        hostNetwork: true,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: env.images.busybox.ref, command: ['sleep', '3600'] }],
      },
    }),
  );
  const st = statfsSync(dir);
  const usedPercent = Math.ceil(100 * (1 - st.bavail / st.blocks));
  // Above the high threshold already (a test cannot fill the disk); down to 0 % means every
  // unused image.
  const high = Math.max(1, usedPercent - 1);
  ({ agent } = startHostAgent({
    dir,
    nodeName,
    runtimeEndpoint: containerd.address,
    extra: [
      'housekeepingPeriodMs: 500',
      `imageGCHighThresholdPercent: ${high}`,
      'imageGCLowThresholdPercent: 0',
    ],
  }));
});

afterAll(async () => {
  await agent?.stop();
  cri?.close();
  await containerd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('image garbage collection', () => {
  it('above the high threshold, removes the images no container uses and keeps the used ones', async () => {
    expect(await present(env.images.httpd.ref)).toBe(true);
    await until('the pod running', async () => {
      const { items } = await agent.get<{ items: Pod[] }>('/pods');
      return items.find((p) => p.metadata.name === `user-${nodeName}`)?.status?.phase === 'Running';
    });
    await until('httpd collected', async () => !(await present(env.images.httpd.ref)));
    // Several more passes ran meanwhile; what a container uses is still there.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await present(env.images.busybox.ref)).toBe(true);
    expect(await present(env.images.pause.ref)).toBe(true);
    expect(agent.output()).toMatch(/image garbage collection/);
  });
});
