// The most complete thing Capstan runs today (the node agent does not exist yet): a private
// registry with the project's test images, a private containerd (the reference CRI runtime),
// and a demo pod driven entirely through @capstan/cri-api's client: pull, run a sandbox,
// create and start a container, read its log, stop and remove everything.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerState, connectCriClient, NamespaceMode, PodSandboxState } from '@capstan/cri-api';
import { buildTestImages, startContainerd, startRegistry } from '@capstan/testenv';

const say = (msg: string) => process.stdout.write(`[demo] ${msg}\n`);

const work = mkdtempSync(join(tmpdir(), 'capstan-demo-'));
const registry = await startRegistry();
let containerd: Awaited<ReturnType<typeof startContainerd>> | undefined;
try {
  say(`registry on ${registry.host}`);
  const images = await buildTestImages(registry.host);
  say(`pushed ${images.pause.ref}, ${images.busybox.ref}, ${images.httpd.ref}`);
  containerd = await startContainerd({
    registryHost: registry.host,
    sandboxImage: images.pause.ref,
  });
  say(`containerd on ${containerd.address}`);

  const cri = await connectCriClient(containerd.address, { deadlineMs: 120_000 });
  const v = await cri.runtime.version({ version: 'v1' });
  say(`runtime: ${v.runtimeName} ${v.runtimeVersion}, CRI ${v.runtimeApiVersion}`);

  const pulled = await cri.image.pullImage({ image: { image: images.busybox.ref } });
  say(`pulled ${images.busybox.ref} -> image ID ${pulled.imageRef}`);

  const sandboxConfig = {
    metadata: { name: 'demo', uid: `demo-${process.pid}`, namespace: 'default', attempt: 0 },
    logDirectory: join(work, 'logs'),
    labels: { app: 'capstan-demo' },
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
  };
  const { podSandboxId } = await cri.runtime.runPodSandbox({ config: sandboxConfig });
  say(`pod sandbox ${podSandboxId.slice(0, 12)} ready`);

  const { containerId } = await cri.runtime.createContainer({
    podSandboxId,
    config: {
      metadata: { name: 'hello', attempt: 0 },
      image: { image: images.busybox.ref },
      command: ['sh', '-c', 'echo "hello from a Capstan demo pod on $(hostname)"; uname -s'],
      logPath: 'hello/0.log',
    },
    sandboxConfig,
  });
  await cri.runtime.startContainer({ containerId });
  let status = (await cri.runtime.containerStatus({ containerId })).status;
  for (let i = 0; i < 100 && status?.state !== ContainerState.CONTAINER_EXITED; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await cri.runtime.containerStatus({ containerId })).status;
  }
  say(
    `container ${containerId.slice(0, 12)} exited with code ${status?.exitCode} (${status?.reason})`,
  );
  const log = readFileSync(join(sandboxConfig.logDirectory, 'hello/0.log'), 'utf8');
  for (const line of log.trim().split('\n')) say(`log: ${line}`);

  await cri.runtime.stopPodSandbox({ podSandboxId });
  const st = await cri.runtime.podSandboxStatus({ podSandboxId });
  say(`sandbox state after stop: ${PodSandboxState[st.status?.state ?? 0]}`);
  await cri.runtime.removePodSandbox({ podSandboxId });
  say('sandbox removed');
  cri.close();
  if (status?.exitCode !== 0 || !log.includes('hello from a Capstan demo pod')) {
    throw new Error('the demo container did not run as expected');
  }
} finally {
  await containerd?.stop();
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
  say('cleaned up');
}
