import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import { type AuthProxy, startAuthProxy } from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '../src/pod/types.js';
import {
  type AgentProcess,
  removeAgentPods,
  startHostAgent,
  waitFor,
} from './helpers/agent-process.js';

// Image pull secrets end to end: a registry that wants a login (the test registry behind a
// Basic-auth front), containerd pulling from it, and the agent picking each pod's logins
// from its imagePullSecrets in the local config directory. Host-network pods on the shared
// containerd of the host's network namespace, where the registry front listens.

const env = inject('testenv');
const dir = mkdtempSync(join(tmpdir(), 'agent-pull-secrets-'));
let manifests: string;
const configDir = join(dir, 'pod-config');
const nodeName = `pullsec-${process.pid}`;
let proxy: AuthProxy;
let agent: AgentProcess;
let cri: CriClient;
let image: string;

const b64 = (s: string) => Buffer.from(s).toString('base64');
function secret(name: string, key: string, text: string) {
  mkdirSync(join(configDir, 'secrets', 'default', name), { recursive: true });
  writeFileSync(join(configDir, 'secrets', 'default', name, key), text);
}
const manifest = (name: string, spec: object) =>
  writeFileSync(
    join(manifests, `${name}.json`),
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec }),
  );
const podSpec = (secrets: string[]) => ({
  hostNetwork: true,
  imagePullSecrets: secrets.map((name) => ({ name })),
  containers: [{ name: 'main', image, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
});

async function pod(name: string): Promise<Pod | undefined> {
  const { items } = await agent.get<{ items: Pod[] }>('/pods');
  return items.find((p) => p.metadata.name === `${name}-${nodeName}`);
}
const until = <T>(what: string, fn: () => Promise<T | undefined | false>) =>
  waitFor(agent, what, fn);
const waiting = async (name: string) =>
  (await pod(name))?.status?.containerStatuses?.[0]?.state?.waiting;

beforeAll(async () => {
  proxy = await startAuthProxy({
    upstream: env.registryHost,
    username: 'puller',
    password: 's3cret',
  });
  image = env.images.busybox.ref.replace(env.registryHost, proxy.host);
  const auths = (user: string, pass: string) =>
    JSON.stringify({ auths: { [proxy.host]: { auth: b64(`${user}:${pass}`) } } });
  secret('regcred', '.dockerconfigjson', auths('puller', 's3cret'));
  secret('wrongcred', '.dockerconfigjson', auths('intruder', 'guess'));
  // The legacy format, with the key as Docker once wrote it.
  secret(
    'legacycred',
    '.dockercfg',
    JSON.stringify({ [`http://${proxy.host}`]: { auth: b64('puller:s3cret') } }),
  );
  secret('broken', '.dockerconfigjson', '{"auths": [');
  cri = await connectCriClient(env.containerd.address);
  ({ agent, manifests } = startHostAgent({
    dir,
    nodeName,
    runtimeEndpoint: env.containerd.address,
    extra: [`configDir: ${configDir}`],
  }));
  await until('agent status socket', () => agent.get('/healthz').then(() => true));
});

afterAll(async () => {
  await agent?.stop();
  if (cri) {
    await removeAgentPods(cri, nodeName);
    await cri.image.removeImage({ image: { image } }).catch(() => {});
    cri.close();
  }
  await proxy?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('image pull secrets', () => {
  it('without a login, or with a wrong one, the pull fails and the container waits in ImagePullBackOff', async () => {
    manifest('nosecret', podSpec([]));
    manifest('wrong', podSpec(['wrongcred']));
    // A secret that is missing or unreadable is skipped, as the kubelet does.
    manifest('unusable', podSpec(['absent', 'broken']));
    // Watched side by side: ErrImagePull shows for about a second after each failed pull.
    await Promise.all(
      ['nosecret', 'wrong', 'unusable'].map(async (name) => {
        const first = await until(`${name} ErrImagePull`, async () => {
          const w = await waiting(name);
          return w?.reason === 'ErrImagePull' && w;
        });
        expect(first.message).toMatch(/401|unauthorized|authorization/i);
        const later = await until(`${name} ImagePullBackOff`, async () => {
          const w = await waiting(name);
          return w?.reason === 'ImagePullBackOff' && w;
        });
        expect(later.message).toContain(`Back-off pulling image "${image}"`);
      }),
    );
    expect(proxy.usersSeen).toContain('intruder');
    const metrics = await agent.get<string>('/metrics');
    const failed =
      /^capstan_runtime_operations_errors_total\{operation_type="pull_image"\} (\d+)$/m.exec(
        metrics,
      );
    expect(Number(failed?.[1])).toBeGreaterThanOrEqual(3);
    expect(proxy.authorized).toBe(0);
    expect(agent.output()).toMatch(/"secret":"absent"[^\n]*image pull secret not found/);
    expect(agent.output()).toMatch(/"secret":"broken"[^\n]*image pull secret is unreadable/);
  });

  it('with the right login among its secrets the pod pulls through the registry and runs', async () => {
    manifest('withsecret', podSpec(['wrongcred', 'regcred']));
    manifest('legacy', podSpec(['legacycred']));
    for (const name of ['withsecret', 'legacy']) {
      const p = await until(`${name} Running`, async () => {
        const x = await pod(name);
        return x?.status?.phase === 'Running' && x;
      });
      const cs = p.status!.containerStatuses![0]!;
      expect(cs.state?.running).toBeDefined();
      expect(cs.imageID).toContain('sha256:');
    }
    expect(proxy.authorized).toBeGreaterThan(0);
    expect(proxy.usersSeen).toContain('puller');
    // The pod without a login still cannot pull, although the image is now on the node:
    // its policy is Always, and the registry still says no.
    expect((await waiting('nosecret'))?.reason).toMatch(/^(ErrImagePull|ImagePullBackOff)$/);
  });
});
