import { describe, expect, it } from 'vitest';
import { applyPatch, jsonEqual } from './api-patch.js';

const pod = {
  metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['x'] },
  spec: {
    containers: [
      {
        name: 'main',
        image: 'busybox',
        env: [{ name: 'A', value: '1' }],
        ports: [{ containerPort: 80 }],
      },
      { name: 'side', image: 'pause' },
    ],
    tolerations: [{ key: 't' }],
  },
};

describe('strategic merge patch', () => {
  const smp = (patch: unknown) => applyPatch('application/strategic-merge-patch+json', pod, patch);

  it('merges maps and deletes keys set to null', () => {
    expect(smp({ metadata: { labels: { a: null, c: '3' } } })).toMatchObject({
      metadata: { labels: { b: '2', c: '3' } },
    });
  });

  it('merges containers, env and ports by their merge keys', () => {
    const out = smp({
      spec: {
        '$setElementOrder/containers': [{ name: 'main' }, { name: 'side' }],
        containers: [
          {
            name: 'main',
            env: [{ name: 'B', value: '2' }],
            ports: [{ containerPort: 80, name: 'http' }],
          },
        ],
      },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => c.name)).toEqual(['main', 'side']);
    expect(out.spec.containers[0]?.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(out.spec.containers[0]?.ports).toEqual([{ containerPort: 80, name: 'http' }]);
  });

  it('honours $patch directives and replaces lists without a merge key', () => {
    const del = smp({ spec: { containers: [{ name: 'side', $patch: 'delete' }] } }) as typeof pod;
    expect(del.spec.containers.map((c) => c.name)).toEqual(['main']);
    const repl = smp({ metadata: { labels: { $patch: 'replace', z: '9' } } }) as typeof pod;
    expect(repl.metadata.labels).toEqual({ z: '9' });
    const tol = smp({ spec: { tolerations: [{ key: 'u' }] } }) as typeof pod;
    expect(tol.spec.tolerations).toEqual([{ key: 'u' }]);
    const fin = smp({
      metadata: { finalizers: ['y'], '$deleteFromPrimitiveList/finalizers': ['x'] },
    }) as typeof pod;
    expect(fin.metadata.finalizers).toEqual(['y']);
  });

  it('leaves the spec equal when the patch restates it', () => {
    const out = smp({ spec: { containers: [{ name: 'main', image: 'busybox' }] } }) as typeof pod;
    expect(jsonEqual(out.spec, pod.spec)).toBe(true);
  });
});

describe('merge patch and JSON patch', () => {
  it('applies RFC 7386', () => {
    expect(
      applyPatch('application/merge-patch+json', pod, { metadata: { labels: { a: null } } }),
    ).toMatchObject({
      metadata: { labels: { b: '2' } },
    });
  });

  it('applies RFC 6902 operations and fails a test op with 422', () => {
    const out = applyPatch('application/json-patch+json', pod, [
      { op: 'add', path: '/metadata/labels/c~1d', value: '3' },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'copy', from: '/metadata/labels/b', path: '/metadata/labels/e' },
      { op: 'add', path: '/spec/tolerations/-', value: { key: 'v' } },
    ]) as typeof pod;
    expect(out.metadata.labels).toEqual({ b: '2', 'c/d': '3', e: '2' });
    expect(out.spec.tolerations).toEqual([{ key: 't' }, { key: 'v' }]);
    expect(() =>
      applyPatch('application/json-patch+json', pod, [
        { op: 'test', path: '/metadata/name', value: 'q' },
      ]),
    ).toThrow(expect.objectContaining({ code: 422 }));
    expect(() =>
      applyPatch('application/json-patch+json', pod, [{ op: 'remove', path: '/nope' }]),
    ).toThrow(expect.objectContaining({ code: 400 }));
  });

  it('never changes its input', () => {
    const before = JSON.stringify(pod);
    applyPatch('application/merge-patch+json', pod, { metadata: { labels: null } });
    applyPatch('application/json-patch+json', pod, [{ op: 'remove', path: '/metadata/labels' }]);
    expect(JSON.stringify(pod)).toBe(before);
  });
});
