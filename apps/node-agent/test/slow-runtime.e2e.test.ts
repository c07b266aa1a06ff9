import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CriClient,
  type CriServer,
  connectCriClient,
  createCriServer,
  type ImageServiceHandlers,
  type RuntimeServiceHandlers,
} from '@capstan/cri-api';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '../src/pod/types.js';
import {
  type AgentProcess,
  removeAgentPods,
  startHostAgent,
  waitFor,
} from './helpers/agent-process.js';

// Kubernetes issue 94829: one slow runtime call must not stall the node. The agent talks to
// containerd through a CRI proxy that holds every ContainerStatus call for the containers
// of one pod ("stuck") until the test lets go. Meanwhile another pod must start and run,
// relisting must go on, and /healthz must stay ok.

const env = inject('testenv');
const dir = mkdtempSync(join(tmpdir(), 'agent-slow-'));
const nodeName = `slow-${process.pid}`;
const proxySocket = join(dir, 'proxy.sock');
let upstream: CriClient;
let proxy: CriServer;
let agent: AgentProcess;
let manifests: string;
const stuckContainers = new Set<string>();
let held = 0;
let release: () => void = () => {};
const released = new Promise<void>((r) => {
  release = r;
});

/** Every RPC forwarded to containerd; ContainerStatus of the stuck pod's containers held. */
function forwarding(service: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, call] of Object.entries(service)) {
    out[key] = (req: unknown) => {
      if (
        key === 'containerStatus' &&
        stuckContainers.has((req as { containerId: string }).containerId)
      ) {
        held++;
        return released.then(() => (call as (r: unknown) => unknown)(req));
      }
      const res = (call as (r: unknown) => unknown)(req);
      if (key === 'listContainers') {
        return (
          res as Promise<{ containers: { id: string; labels: Record<string, string> }[] }>
        ).then((r) => {
          for (const c of r.containers) {
            if (c.labels['io.kubernetes.pod.name'] === `stuck-${nodeName}`)
              stuckContainers.add(c.id);
          }
          return r;
        });
      }
      return res;
    };
  }
  return out;
}

const manifest = (name: string) =>
  writeFileSync(
    join(manifests, `${name}.json`),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        hostNetwork: true,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: env.images.busybox.ref, command: ['sleep', '3600'] }],
      },
    }),
  );
async function pod(name: string): Promise<Pod | undefined> {
  const { items } = await agent.get<{ items: Pod[] }>('/pods');
  return items.find((p) => p.metadata.name === `${name}-${nodeName}`);
}
const relists = async () =>
  Number(
    /^capstan_pleg_relist_duration_seconds_count (\d+)$/m.exec(
      await agent.get<string>('/metrics'),
    )?.[1],
  );

beforeAll(async () => {
  upstream = await connectCriClient(env.containerd.address);
  proxy = createCriServer({
    runtime: forwarding(upstream.runtime) as Partial<RuntimeServiceHandlers>,
    image: forwarding(upstream.image) as Partial<ImageServiceHandlers>,
  });
  await proxy.listen(`unix://${proxySocket}`);
  ({ agent, manifests } = startHostAgent({
    dir,
    nodeName,
    runtimeEndpoint: `unix://${proxySocket}`,
  }));
});

afterAll(async () => {
  release();
  await agent?.stop();
  if (upstream) {
    await removeAgentPods(upstream, nodeName);
    upstream.close();
  }
  await proxy?.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

describe('a slow runtime call', () => {
  it('stalls only its own pod: another pod starts, relisting goes on, the node stays healthy', async () => {
    manifest('stuck');
    await waitFor(agent, 'a held ContainerStatus of the stuck pod', async () => held > 0);
    const relistsBefore = await relists();
    const t0 = Date.now();
    manifest('free');
    const free = await waitFor(
      agent,
      'the free pod Running',
      async () => {
        const p = await pod('free');
        return p?.status?.phase === 'Running' && p;
      },
      30_000,
    );
    expect(free.status?.containerStatuses?.[0]?.state.running).toBeDefined();
    expect(Date.now() - t0).toBeLessThan(15_000);
    // The stuck call is still held: the free pod did not wait for it.
    expect(held).toBeGreaterThan(0);
    await waitFor(agent, 'relists going on', async () => (await relists()) >= relistsBefore + 3);
    expect(await agent.get<string>('/healthz')).toBe('ok');
    // Let go: the stuck pod catches up.
    release();
    await waitFor(
      agent,
      'the stuck pod Running',
      async () => (await pod('stuck'))?.status?.phase === 'Running',
    );
  });
});
