import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '../src/pod/types.js';
import {
  type AgentProcess,
  removeAgentPods,
  startHostAgent,
  waitFor,
} from './helpers/agent-process.js';

// Container environments end to end: a pod whose container prints its environment, a
// downwardAPI volume and a projected one, with values from field paths, resources, local configMaps and
// secrets; and a pod whose configMap key is missing, which waits in
// CreateContainerConfigError until the key appears.

const env = inject('testenv');
const dir = mkdtempSync(join(tmpdir(), 'agent-env-'));
const configDir = join(dir, 'pod-config');
const nodeName = `envtest-${process.pid}`;
let agent: AgentProcess;
let manifests: string;
let cri: CriClient;

const until = <T>(what: string, fn: () => Promise<T | undefined | false>) =>
  waitFor(agent, what, fn);
function object(kind: 'configmaps' | 'secrets', name: string, data: Record<string, string>) {
  const d = join(configDir, kind, 'default', name);
  mkdirSync(d, { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(d, k), v);
}
const manifest = (name: string, spec: object) =>
  writeFileSync(
    join(manifests, `${name}.json`),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: name } },
      spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, ...spec },
    }),
  );
async function pod(name: string): Promise<Pod | undefined> {
  const { items } = await agent.get<{ items: Pod[] }>('/pods');
  return items.find((p) => p.metadata.name === `${name}-${nodeName}`);
}
/** The container's CRI log, message parts only. */
function logOf(p: Pod): string {
  const podDir = join(dir, 'logs', `default_${p.metadata.name}_${p.metadata.uid}`, 'main');
  const files = readdirSync(podDir);
  return files
    .map((f) => readFileSync(join(podDir, f), 'utf8'))
    .join('')
    .split('\n')
    .map((l) => l.split(' ').slice(3).join(' '))
    .join('\n');
}

beforeAll(async () => {
  object('configmaps', 'settings', { MODE: 'fast', LEVEL: '3' });
  object('secrets', 'creds', { PASSWORD: 's3cret' });
  cri = await connectCriClient(env.containerd.address);
  ({ agent, manifests } = startHostAgent({
    dir,
    nodeName,
    runtimeEndpoint: env.containerd.address,
    extra: [`configDir: ${configDir}`],
  }));
});

afterAll(async () => {
  await agent?.stop();
  if (cri) {
    await removeAgentPods(cri, nodeName);
    cri.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('container environment', () => {
  it('gives the container field, resource, configMap and secret values, and a downwardAPI volume', async () => {
    manifest('printer', {
      containers: [
        {
          name: 'main',
          image: env.images.busybox.ref,
          command: [
            'sh',
            '-c',
            'env | sort; echo ---; cat /etc/podinfo/labels; echo; cat /etc/podinfo/mem; echo; for f in mode.txt PASSWORD name; do echo "bundle/$f=$(cat /etc/bundle/$f)"; done; sleep 3600',
          ],
          resources: { limits: { cpu: '500m', memory: '64Mi' } },
          envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            {
              name: 'CPU_M',
              valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } },
            },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
            { name: 'GREETING', value: 'mode=$(CFG_MODE)' },
          ],
          volumeMounts: [
            { name: 'podinfo', mountPath: '/etc/podinfo' },
            { name: 'bundle', mountPath: '/etc/bundle' },
          ],
        },
      ],
      volumes: [
        {
          name: 'podinfo',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              {
                path: 'mem',
                resourceFieldRef: {
                  containerName: 'main',
                  resource: 'limits.memory',
                  divisor: '1Mi',
                },
              },
            ],
          },
        },
        {
          name: 'bundle',
          projected: {
            sources: [
              { configMap: { name: 'settings', items: [{ key: 'MODE', path: 'mode.txt' }] } },
              { secret: { name: 'creds' } },
              {
                downwardAPI: {
                  items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }],
                },
              },
            ],
          },
        },
      ],
    });
    const p = await until('printer running', async () => {
      const x = await pod('printer');
      return x?.status?.phase === 'Running' && x;
    });
    const log = await until('its output', async () => {
      const text = logOf(p);
      // The script prints line by line: wait for its last line, not its first.
      return text.includes(`bundle/name=printer-${nodeName}`) && text;
    });
    for (const line of [
      `POD_NAME=printer-${nodeName}`,
      'APP=printer',
      `NODE=${nodeName}`,
      'CPU_M=500',
      'PASSWORD=s3cret',
      'CFG_MODE=fast',
      'CFG_LEVEL=3',
      'GREETING=mode=fast',
      'app="printer"',
      '64',
      'bundle/mode.txt=fast',
      'bundle/PASSWORD=s3cret',
      `bundle/name=printer-${nodeName}`,
    ]) {
      expect(log.split('\n')).toContain(line);
    }
  });

  it('waits in CreateContainerConfigError for a missing configMap key, and starts once it appears', async () => {
    manifest('needy', {
      containers: [
        {
          name: 'main',
          image: env.images.busybox.ref,
          command: ['sh', '-c', 'echo token=$TOKEN; sleep 3600'],
          env: [{ name: 'TOKEN', valueFrom: { configMapKeyRef: { name: 'later', key: 'TOKEN' } } }],
        },
      ],
    });
    const waiting = await until('CreateContainerConfigError', async () => {
      const w = (await pod('needy'))?.status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' && w;
    });
    expect(waiting.message).toBe("couldn't find key TOKEN in configmap default/later");
    object('configmaps', 'later', { TOKEN: 'abc123' });
    const p = await until('needy running', async () => {
      const x = await pod('needy');
      return x?.status?.phase === 'Running' && x;
    });
    await until('its token', async () => logOf(p).includes('token=abc123'));
  });
});
