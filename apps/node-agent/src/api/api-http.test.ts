import { describe, expect, it } from 'vitest';
import { negotiate } from './api-http.js';
import { routeOf } from './api-router.js';

describe('negotiate', () => {
  it('picks the first acceptable form in the client order', () => {
    expect(negotiate(undefined)).toEqual({ kind: 'json' });
    expect(
      negotiate(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toEqual({
      kind: 'table',
      apiVersion: 'meta.k8s.io/v1',
    });
    expect(negotiate('application/json;as=Table;v=v1beta1;g=meta.k8s.io')).toEqual({
      kind: 'table',
      apiVersion: 'meta.k8s.io/v1beta1',
    });
    expect(negotiate('application/vnd.kubernetes.protobuf, */*')).toEqual({ kind: 'json' });
    expect(
      negotiate(
        'application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io,application/json',
      ),
    ).toEqual({ kind: 'json' });
  });

  it('answers 406 when nothing JSON is acceptable', () => {
    expect(() => negotiate('application/yaml')).toThrow(expect.objectContaining({ code: 406 }));
  });
});

describe('routeOf', () => {
  it('maps the served paths', () => {
    expect(routeOf('/api/v1/namespaces/ns/pods/p/log')).toEqual({
      kind: 'pod',
      namespace: 'ns',
      name: 'p',
      sub: 'log',
    });
    expect(routeOf('/api/v1/namespaces/ns/pods/')).toEqual({ kind: 'pods', namespace: 'ns' });
    expect(routeOf('/api/v1/pods')).toEqual({ kind: 'pods' });
    expect(routeOf('/api/v1/nodes/n1/status')).toEqual({ kind: 'node', name: 'n1', sub: 'status' });
    expect(routeOf('/openapi/v3/api/v1')).toEqual({ kind: 'openapiV3Doc', groupVersion: 'api/v1' });
  });

  it('knows nothing else', () => {
    for (const p of [
      '/apis/apps/v1',
      '/api/v2',
      '/api/v1/namespaces/ns/pods/p/eviction',
      '/api/v1/services',
      '/%E0%A4%A',
    ]) {
      expect(routeOf(p)).toBeUndefined();
    }
  });
});
