import { describe, expect, it } from 'vitest';
import { containerEnv, type EnvContext, EnvError, expandVars, fieldValue } from './pod-env.js';
import type { Container, Pod } from './pod-types.js';

const pod = (c: Partial<Container>, extra: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    labels: { app: 'web', tier: 'front' },
    annotations: { note: 'hi' },
  },
  spec: {
    nodeName: 'node1',
    containers: [{ name: 'main', image: 'busybox', ...c }],
    ...extra,
  },
});
const objects: Record<string, Record<string, string>> = {
  'configmaps/shop/settings': { MODE: 'fast', 'bad key': 'x', LEVEL: '3' },
  'secrets/shop/creds': { PASSWORD: 's3cret' },
};
const ctx: EnvContext = {
  podIP: '10.0.0.7',
  hostIP: '192.0.2.1',
  lookup: (kind, ns, name, key) => objects[`${kind}/${ns}/${name}`]?.[key],
  lookupAll: (kind, ns, name) => objects[`${kind}/${ns}/${name}`],
  allocatable: { cpuMillis: 2000, memoryBytes: 8n * 1024n ** 3n },
};
const env = (c: Partial<Container>) => {
  const p = pod(c);
  return Object.fromEntries(
    containerEnv(p, p.spec.containers[0]!, ctx).map((e) => [e.key, e.value]),
  );
};
const fails = (c: Partial<Container>) => {
  try {
    env(c);
  } catch (err) {
    return err as EnvError;
  }
  throw new Error('expected an EnvError');
};

describe('containerEnv', () => {
  it('resolves fieldRef paths as the kubelet does', () => {
    const paths = {
      NAME: 'metadata.name',
      NS: 'metadata.namespace',
      UID: 'metadata.uid',
      APP: "metadata.labels['app']",
      NOTE: "metadata.annotations['note']",
      NODE: 'spec.nodeName',
      SA: 'spec.serviceAccountName',
      HOST_IP: 'status.hostIP',
      POD_IP: 'status.podIP',
    };
    expect(
      env({
        env: Object.entries(paths).map(([name, fieldPath]) => ({
          name,
          valueFrom: { fieldRef: { fieldPath } },
        })),
      }),
    ).toEqual({
      NAME: 'web',
      NS: 'shop',
      UID: 'u-1',
      APP: 'web',
      NOTE: 'hi',
      NODE: 'node1',
      SA: 'default',
      HOST_IP: '192.0.2.1',
      POD_IP: '10.0.0.7',
    });
  });

  it('resolves resourceFieldRef with divisors, and a missing limit as node allocatable', () => {
    const ref = (resource: string, divisor?: string) => ({
      valueFrom: { resourceFieldRef: { resource, ...(divisor ? { divisor } : {}) } },
    });
    expect(
      env({
        resources: { limits: { cpu: '1500m', memory: '128Mi' }, requests: { cpu: '250m' } },
        env: [
          { name: 'CPU_LIMIT', ...ref('limits.cpu') },
          { name: 'CPU_LIMIT_M', ...ref('limits.cpu', '1m') },
          { name: 'CPU_REQ', ...ref('requests.cpu') },
          { name: 'MEM_MI', ...ref('limits.memory', '1Mi') },
          { name: 'MEM_REQ', ...ref('requests.memory') },
        ],
      }),
    ).toEqual({
      CPU_LIMIT: '2',
      CPU_LIMIT_M: '1500',
      CPU_REQ: '1',
      MEM_MI: '128',
      MEM_REQ: '134217728',
    });
    expect(
      env({
        env: [
          { name: 'M', ...ref('limits.memory', '1Gi') },
          { name: 'C', ...ref('limits.cpu') },
        ],
      }),
    ).toEqual({
      M: '8',
      C: '2',
    });
  });

  it('reads configMap and secret keys, envFrom with a prefix, later entries winning', () => {
    expect(
      env({
        envFrom: [
          { configMapRef: { name: 'settings' }, prefix: 'CFG_' },
          { secretRef: { name: 'creds' } },
        ],
        env: [
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MODE' } } },
          { name: 'PASSWORD', value: 'overridden' },
          {
            name: 'GONE',
            valueFrom: { secretKeyRef: { name: 'creds', key: 'NOPE', optional: true } },
          },
        ],
      }),
    ).toEqual({ CFG_MODE: 'fast', CFG_LEVEL: '3', PASSWORD: 'overridden', MODE: 'fast' });
  });

  it('expands $(VAR) from earlier variables, keeps unknown references, and $$ escapes', () => {
    expect(
      env({
        env: [
          { name: 'A', value: 'one' },
          { name: 'B', value: '$(A)-two-$(LATER)-$$(A)' },
          { name: 'LATER', value: 'x' },
        ],
      }),
    ).toEqual({ A: 'one', B: 'one-two-$(LATER)-$(A)', LATER: 'x' });
    expect(expandVars('$(A)$(A)', new Map([['A', '1']]))).toBe('11');
  });

  it('fails with CreateContainerConfigError for what cannot be resolved', () => {
    const cases: Partial<Container>[] = [
      { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'NOPE' } } }] },
      { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'K' } } }] },
      { envFrom: [{ configMapRef: { name: 'absent' } }] },
      { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nothing' } } }] },
      { env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }] },
      { env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'cpu' } } }] },
      {
        env: [
          { name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
        ],
      },
      { env: [{ name: 'X', valueFrom: {} }] },
    ];
    for (const c of cases) {
      const err = fails(c);
      expect(err).toBeInstanceOf(EnvError);
      expect(err.reason).toBe('CreateContainerConfigError');
    }
    expect(fails(cases[0]!).message).toBe("couldn't find key NOPE in configmap shop/settings");
    expect(env({ envFrom: [{ configMapRef: { name: 'absent', optional: true } }] })).toEqual({});
  });
});

describe('fieldValue for volumes', () => {
  it('writes whole label and annotation maps, sorted', () => {
    const p = pod({});
    expect(fieldValue(p, 'metadata.labels', { podIP: '', hostIP: '' }, true)).toBe(
      'app="web"\ntier="front"',
    );
    expect(() => fieldValue(p, 'metadata.labels', { podIP: '', hostIP: '' })).toThrow(EnvError);
  });
});
