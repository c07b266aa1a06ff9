import { expect, it } from 'vitest';
import { InvalidRequestError } from './errors.js';
import { cniArgPairs, formatCniArgs, runtimeConfigFor } from './runtime-config.js';

const plugin = (capabilities: Record<string, boolean>) => ({
  type: 'x',
  capabilities,
  raw: { type: 'x' },
});

it('passes only the capabilities a plugin declares and enables', () => {
  const args = {
    portMappings: [{ hostPort: 1, containerPort: 2 }],
    bandwidth: { ingressRate: 5 },
    mac: 'm',
  };
  expect(runtimeConfigFor(plugin({ portMappings: true, mac: false }), args)).toEqual({
    portMappings: [{ hostPort: 1, containerPort: 2 }],
  });
  expect(runtimeConfigFor(plugin({ dns: true }), args)).toBeUndefined();
  expect(runtimeConfigFor(plugin({ portMappings: true }), undefined)).toBeUndefined();
});

it('builds CNI_ARGS with IgnoreUnknown, the K8S_POD_* keys and extra pairs (which may override)', () => {
  const pairs = cniArgPairs(
    'sandbox1',
    { namespace: 'ns', name: 'p' },
    { IP: '10.0.0.5', IgnoreUnknown: 'true' },
  );
  expect(formatCniArgs(pairs)).toBe(
    'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=sandbox1;IP=10.0.0.5;IgnoreUnknown=true',
  );
  expect(() => cniArgPairs('c', undefined, { 'A;B': '1' })).toThrow(InvalidRequestError);
  expect(() => cniArgPairs('c', { namespace: 'a;b', name: 'p' }, undefined)).toThrow(
    /K8S_POD_NAMESPACE/,
  );
});
