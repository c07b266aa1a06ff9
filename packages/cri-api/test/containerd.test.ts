import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CriClient,
  connectCriClient,
  createCriClient,
  NamespaceMode,
  PodSandboxState,
} from '../src/index.js';

// Wire compatibility against a real peer: Debian's containerd with its CRI plugin, a
// private instance started by the test environment, pulling from a private registry.

const env = inject('testenv');
let cri: CriClient;
const logDir = mkdtempSync(join(tmpdir(), 'cri-api-ctrd-logs-'));

beforeAll(async () => {
  cri = await connectCriClient(env.containerd.address, { deadlineMs: 120_000 });
});
afterAll(() => {
  cri?.close();
  rmSync(logDir, { recursive: true, force: true });
});

describe('against containerd', () => {
  it('Version names containerd and CRI v1', async () => {
    const v = await cri.runtime.version({ version: 'v1' });
    expect(v.runtimeName).toBe('containerd');
    expect(v.runtimeApiVersion).toBe('v1');
    expect(v.runtimeVersion).toMatch(/^v?\d+\.\d+/);
  });

  it('Version over runtime.v1alpha2 as old kubelets ask', async () => {
    const old = createCriClient(env.containerd.address, { apiVersion: 'v1alpha2' });
    try {
      const v = await old.runtime.version({ version: 'v1alpha2' });
      expect(v.runtimeName).toBe('containerd');
    } finally {
      old.close();
    }
  });

  it('Status reports the RuntimeReady and NetworkReady conditions', async () => {
    const s = await cri.runtime.status({ verbose: false });
    const types = s.status?.conditions.map((c) => c.type);
    expect(types).toContain('RuntimeReady');
    expect(types).toContain('NetworkReady');
    expect(s.status?.conditions.find((c) => c.type === 'RuntimeReady')?.status).toBe(true);
  });

  it('ImageFsInfo reports a filesystem', async () => {
    const fs = await cri.image.imageFsInfo({});
    expect(fs.imageFilesystems.length).toBeGreaterThan(0);
    expect(fs.imageFilesystems[0]?.fsId?.mountpoint).toMatch(/^\//);
  });

  it('PullImage, ImageStatus, ListImages and RemoveImage round-trip a registry image', async () => {
    const img = env.images.busybox;
    const pulled = await cri.image.pullImage({ image: { image: img.ref } });
    expect(pulled.imageRef).toBe(img.configDigest);

    const status = await cri.image.imageStatus({ image: { image: img.ref } });
    expect(status.image?.id).toBe(img.configDigest);
    expect(status.image?.repoTags).toContain(img.ref);
    expect(status.image?.repoDigests).toContain(`${img.repo}@${img.digest}`);
    expect(status.image?.size).toBeGreaterThan(0n);

    const list = await cri.image.listImages({});
    expect(list.images.map((i) => i.id)).toContain(img.configDigest);

    await cri.image.removeImage({ image: { image: img.configDigest } });
    const gone = await cri.image.imageStatus({ image: { image: img.ref } });
    expect(gone.image).toBeUndefined();
  });

  it('ImageStatus of an absent image returns no image, not an error', async () => {
    const s = await cri.image.imageStatus({
      image: { image: `${env.registryHost}/capstan/absent:1` },
    });
    expect(s.image).toBeUndefined();
  });

  it('runs, lists, stops and removes a pod sandbox', async () => {
    const config = {
      metadata: {
        name: 'cri-api-test',
        uid: `uid-${process.pid}`,
        namespace: 'default',
        attempt: 0,
      },
      logDirectory: logDir,
      labels: { suite: 'cri-api', run: String(process.pid) },
      annotations: { 'capstan.io/test': 'yes' },
      linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
    };
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config });
    try {
      expect(podSandboxId).toMatch(/^[0-9a-f]{64}$/);
      const listed = await cri.runtime.listPodSandbox({
        filter: { labelSelector: { run: String(process.pid) } },
      });
      expect(listed.items.map((p) => p.id)).toEqual([podSandboxId]);
      expect(listed.items[0]?.state).toBe(PodSandboxState.SANDBOX_READY);
      expect(listed.items[0]?.metadata?.name).toBe('cri-api-test');
      expect(listed.items[0]?.annotations['capstan.io/test']).toBe('yes');
      expect(listed.items[0]?.createdAt).toBeGreaterThan(1_600_000_000_000_000_000n);

      const st = await cri.runtime.podSandboxStatus({ podSandboxId, verbose: false });
      expect(st.status?.state).toBe(PodSandboxState.SANDBOX_READY);
      expect(st.status?.labels.suite).toBe('cri-api');

      await cri.runtime.stopPodSandbox({ podSandboxId });
      const stopped = await cri.runtime.listPodSandbox({ filter: { id: podSandboxId } });
      expect(stopped.items[0]?.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
      // Stop is idempotent.
      await cri.runtime.stopPodSandbox({ podSandboxId });
    } finally {
      await cri.runtime.removePodSandbox({ podSandboxId });
    }
    const after = await cri.runtime.listPodSandbox({ filter: { id: podSandboxId } });
    expect(after.items).toEqual([]);
    // Remove is idempotent too.
    await cri.runtime.removePodSandbox({ podSandboxId });
  });
});
