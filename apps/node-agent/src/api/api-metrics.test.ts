import { describe, expect, it } from 'vitest';
import { routeOf } from './api-router.js';

describe('metrics.k8s.io routes', () => {
  it('names the paths kubectl top asks for', () => {
    const m = (path: string) => routeOf(path);
    expect(m('/apis/metrics.k8s.io/v1beta1')).toEqual({
      kind: 'metrics',
      target: { resource: 'discovery' },
    });
    expect(m('/apis/metrics.k8s.io/v1beta1/pods')).toEqual({
      kind: 'metrics',
      target: { resource: 'pods' },
    });
    expect(m('/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods')).toEqual({
      kind: 'metrics',
      target: { resource: 'pods', namespace: 'kube-system' },
    });
    expect(m('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web')).toEqual({
      kind: 'metrics',
      target: { resource: 'pods', namespace: 'default', name: 'web' },
    });
    expect(m('/apis/metrics.k8s.io/v1beta1/nodes')).toEqual({
      kind: 'metrics',
      target: { resource: 'nodes' },
    });
    expect(m('/apis/metrics.k8s.io/v1beta1/nodes/n1')).toEqual({
      kind: 'metrics',
      target: { resource: 'nodes', name: 'n1' },
    });
  });

  it('serves nothing else under the group', () => {
    for (const path of [
      '/apis/metrics.k8s.io/v1',
      '/apis/metrics.k8s.io/v1beta1/nodes/n1/status',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web/log',
      '/apis/metrics.k8s.io/v1beta1/services',
    ])
      expect(routeOf(path), path).toBeUndefined();
  });
});
