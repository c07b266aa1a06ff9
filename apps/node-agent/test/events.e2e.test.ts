import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '../src/pod/types.js';
import {
  type AgentProcess,
  removeAgentPods,
  startAgent,
  waitFor,
} from './helpers/agent-process.js';

// Events and waiting reasons end to end: the agent over the shared containerd with a pod
// network, kubectl (the default release) on the node reading the agent's pod API. A good
// pod, a pod whose image is not in the registry, and a pod that crashes.

const env = inject('testenv');
const dir = mkdtempSync(join(tmpdir(), 'agent-events-e2e-'));
const manifests = join(dir, 'manifests');
const statusSocket = join(dir, 'status.sock');
const nodeName = `ev-${process.pid}`;
let agent: AgentProcess;
let cri: CriClient;
let netns: string;

const kubectl = (...args: string[]) =>
  execFileSync(
    'ip',
    ['netns', 'exec', netns, 'kubectl', '--kubeconfig', join(dir, 'kubeconfig'), ...args],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );

const manifest = (name: string, spec: object) =>
  writeFileSync(
    join(manifests, `${name}.json`),
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec }),
  );

async function pod(name: string): Promise<Pod | undefined> {
  const items = (await agent.get<{ items: Pod[] }>('/pods')).items ?? [];
  return items.find((p) => p.metadata.name === `${name}-${nodeName}`);
}

interface CoreEvent {
  reason: string;
  type: string;
  message: string;
  count: number;
  involvedObject: { name: string; fieldPath?: string };
}
const eventsOf = (name: string): CoreEvent[] =>
  JSON.parse(
    kubectl(
      'get',
      'events',
      '-o',
      'json',
      '--field-selector',
      `involvedObject.name=${name}-${nodeName}`,
    ),
  ).items;

beforeAll(async () => {
  const node = env.networkedContainerd;
  netns = node.netns;
  mkdirSync(manifests);
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    [
      'kind: KubeletConfiguration',
      `nodeName: ${nodeName}`,
      `containerRuntimeEndpoint: ${node.address}`,
      `staticPodPath: ${manifests}`,
      `rootDir: ${join(dir, 'root')}`,
      `podLogsDir: ${join(dir, 'logs')}`,
      "cgroupRoot: ''",
      'healthzPort: 0',
      `statusSocket: ${statusSocket}`,
      'relistPeriodMs: 500',
      'podApi:',
      '  enabled: true',
      `  socket: ${join(dir, 'pod-api.sock')}`,
      `  kubeconfig: ${join(dir, 'kubeconfig')}`,
    ].join('\n'),
  );
  cri = await connectCriClient(node.address);
  agent = startAgent({ netnsPath: node.netnsPath, configFile, statusSocket });
  await waitFor(agent, 'agent status socket', () => agent.get('/healthz').then(() => true));
});

afterAll(async () => {
  await agent?.stop();
  if (cri) {
    await removeAgentPods(cri, nodeName);
    cri.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('events over containerd', () => {
  it('a good pod: Pulling, Pulled, Created, Started in kubectl get events and describe pod', async () => {
    manifest('good', {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: env.images.busybox.ref,
          imagePullPolicy: 'Always',
          command: ['sleep', '3600'],
        },
      ],
    });
    await waitFor(
      agent,
      'good Running',
      async () => (await pod('good'))?.status?.phase === 'Running',
    );
    const reasons = await waitFor(agent, 'Started event', async () => {
      const e = eventsOf('good');
      return e.some((x) => x.reason === 'Started') && e;
    });
    const by = (r: string) => reasons.find((e) => e.reason === r);
    expect(by('Pulling')?.message).toBe(`Pulling image "${env.images.busybox.ref}"`);
    expect(by('Pulled')?.message).toMatch(
      new RegExp(
        `^Successfully pulled image "${env.images.busybox.ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" in [\\d.]+m?s \\([\\d.]+m?s including waiting\\)\\. Image size: \\d+ bytes\\.$`,
      ),
    );
    expect(by('Created')?.message).toBe('Created container: main');
    expect(by('Started')?.message).toBe('Started container main');
    expect(by('Started')?.involvedObject.fieldPath).toBe('spec.containers{main}');
    const table = kubectl(
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=good-${nodeName}`,
    );
    expect(table).toMatch(
      new RegExp(`Normal\\s+Created\\s+pod/good-${nodeName}\\s+Created container: main`),
    );
    const described = kubectl('describe', 'pod', `good-${nodeName}`);
    const section = described.slice(described.indexOf('Events:'));
    for (const r of ['Pulling', 'Pulled', 'Created', 'Started'])
      expect(section).toMatch(new RegExp(`Normal\\s+${r}\\s+\\S+\\s+kubelet\\s+`));
    expect(described).toMatch(/Ready\s+True/);
    // The node's own events: the agent started, its conditions were set.
    const node = kubectl('describe', 'node', nodeName);
    expect(node).toMatch(/Normal\s+Starting\s+\S+\s+kubelet\s+Starting kubelet\./);
    expect(node).toMatch(
      new RegExp(
        `NodeHasSufficientMemory\\s+\\S+\\s+kubelet\\s+Node ${nodeName} status is now: NodeHasSufficientMemory`,
      ),
    );
  });

  it('a missing image: ErrImagePull then ImagePullBackOff, with Failed and BackOff events', async () => {
    const image = `${env.registryHost}/capstan/no-such-image:v0`;
    manifest('missing', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
    });
    const seen = new Set<string>();
    await waitFor(
      agent,
      'ErrImagePull then ImagePullBackOff',
      async () => {
        const w = (await pod('missing'))?.status?.containerStatuses?.[0]?.state.waiting;
        if (w?.reason) seen.add(w.reason);
        if (w?.reason === 'ErrImagePull') expect(w.message).toBeTruthy();
        return seen.has('ErrImagePull') && w?.reason === 'ImagePullBackOff' && w;
      },
      90_000,
    ).then((w) => expect(w.message).toContain(`Back-off pulling image "${image}"`));
    const events = await waitFor(agent, 'BackOff pulling event', async () => {
      const e = eventsOf('missing');
      return e.some((x) => x.reason === 'BackOff') && e;
    });
    expect(
      events.find(
        (e) => e.reason === 'Failed' && e.message.startsWith(`Failed to pull image "${image}": `),
      )?.type,
    ).toBe('Warning');
    expect(events.some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull')).toBe(
      true,
    );
    expect(events.find((e) => e.reason === 'BackOff')?.message).toBe(
      `Back-off pulling image "${image}"`,
    );
    expect(kubectl('get', 'pods', `missing-${nodeName}`)).toMatch(
      /0\/1\s+(ImagePullBackOff|ErrImagePull)/,
    );
  });

  it('a crashing container: CrashLoopBackOff, growing restartCount, BackOff aggregated (count > 1)', async () => {
    manifest('crash', {
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'main', image: env.images.busybox.ref, command: ['sh', '-c', 'echo bye; exit 3'] },
      ],
    });
    const counts: number[] = [];
    const status = await waitFor(
      agent,
      'CrashLoopBackOff with restarts >= 2',
      async () => {
        const c = (await pod('crash'))?.status?.containerStatuses?.[0];
        if (c) counts.push(c.restartCount);
        return c?.state.waiting?.reason === 'CrashLoopBackOff' && c.restartCount >= 2 && c;
      },
      90_000,
    );
    expect(status.state.waiting?.message).toMatch(
      new RegExp(
        `^back-off (10|20|40)s restarting failed container=main pod=crash-${nodeName}_default\\(`,
      ),
    );
    expect(status.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(Math.max(...counts)).toBeGreaterThan(Math.min(...counts));
    const backoff = await waitFor(
      agent,
      'BackOff event with count > 1',
      async () => {
        const b = eventsOf('crash').filter((e) => e.reason === 'BackOff');
        return b.length === 1 && b[0]!.count > 1 && b[0];
      },
      90_000,
    );
    expect(backoff.type).toBe('Warning');
    expect(backoff.message).toMatch(
      new RegExp(`^Back-off restarting failed container main in pod crash-${nodeName}_default\\(`),
    );
    const described = kubectl('describe', 'pod', `crash-${nodeName}`);
    expect(described).toMatch(/Reason:\s+CrashLoopBackOff/);
    expect(described).toMatch(
      /Warning\s+BackOff\s+\S+ \(x\d+ over \S+\)\s+kubelet\s+Back-off restarting failed container main/,
    );
  });
});
