// Request bodies for the pod API fuzzer: broken JSON, YAML, wrong shapes, prototype keys,
// deep nesting, and JSON patches that point nowhere or blow up.
import { NASTY_STRINGS, type Rng, randomString } from './fuzz-rng.js';

export const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
] as const;

/** A valid pod manifest (what the shapes below break). */
export function podManifest(
  name: string,
  namespace: string,
  image: string,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'capstan.io/fuzz': 'pod-api' } },
    spec: {
      containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
      terminationGracePeriodSeconds: 0,
    },
  };
}

/** Bytes that are not one JSON document. */
export function brokenJson(rng: Rng, valid: string): Buffer | string {
  const depth = rng.pick([1_000, 100_000, 1_000_000]);
  return rng.pick<Buffer | string>([
    '',
    '{',
    '}',
    '[',
    'null',
    '1',
    '"str"',
    'true',
    valid.slice(0, rng.int(valid.length)),
    `${valid}${valid}`,
    `${valid},`,
    `\ufeff${valid}`,
    valid.replace(/"/g, "'"),
    valid.replace(':', ''),
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":NaN}}',
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"}}',
    '{"a":1e999999}',
    '[]'.padStart(depth + 2, '['),
    `${'['.repeat(depth)}${']'.repeat(depth)}`,
    `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    Buffer.from([0x7b, 0x00, 0x7d]),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml-pod\n',
    randomString(rng, 1 << 16),
  ]);
}

/** Valid JSON with the wrong shape for a Pod. */
export function wrongShape(rng: Rng, name: string, namespace: string, image: string): unknown {
  const p = podManifest(name, namespace, image) as {
    metadata: Record<string, unknown>;
    spec: Record<string, unknown>;
  };
  const c = (p.spec.containers as Record<string, unknown>[])[0]!;
  switch (rng.int(22)) {
    case 0:
      return { ...p, metadata: 'x' };
    case 1:
      return { ...p, spec: { containers: {} } };
    case 2:
      return { ...p, spec: { containers: [null] } };
    case 3:
      return { ...p, metadata: { ...p.metadata, name: 123 } };
    case 4:
      return { ...p, metadata: { ...p.metadata, labels: { a: 1, b: null, c: { d: 1 } } } };
    case 5:
      return {
        ...p,
        metadata: { ...p.metadata, labels: { '': 'x', [randomString(rng, 500)]: 'y' } },
      };
    case 6:
      return {
        ...p,
        spec: { containers: Array.from({ length: 10_000 }, (_, i) => ({ ...c, name: `c${i}` })) },
      };
    case 7:
      return {
        ...p,
        spec: {
          containers: [
            {
              ...c,
              env: Array.from({ length: 50_000 }, (_, i) => ({ name: `E${i}`, value: 'v' })),
            },
          ],
        },
      };
    case 8:
      return JSON.parse(
        `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","labels":{"__proto__":{"polluted":"yes"}}},"spec":${JSON.stringify(p.spec)}}`,
      );
    case 9:
      return { ...p, constructor: { prototype: { polluted: 'yes' } } };
    case 10:
      return {
        ...p,
        metadata: { ...p.metadata, namespace: namespace === 'default' ? 'kube-system' : 'default' },
      };
    case 11:
      return { ...p, kind: rng.pick(['Service', 'pod', '', 'Pod\u0000']) };
    case 12:
      return { ...p, apiVersion: rng.pick(['v2', 'apps/v1', '', 'v1\u0000']) };
    case 13:
      return { ...p, metadata: { ...p.metadata, name: rng.pick(NASTY_STRINGS) } };
    case 14:
      return { ...p, spec: { ...p.spec, containers: [{ ...c, name: rng.pick(NASTY_STRINGS) }] } };
    case 15:
      return {
        ...p,
        spec: {
          ...p.spec,
          containers: [{ ...c, image: rng.pick(['', ' ', 'a b', '\u0000', 'x'.repeat(70_000)]) }],
        },
      };
    case 16:
      return { ...p, spec: { ...p.spec, restartPolicy: rng.pick(['Sometimes', '', 1]) } };
    case 17:
      return {
        ...p,
        spec: {
          ...p.spec,
          containers: [{ ...c, ports: [{ containerPort: rng.pick([-1, 0, 65_536, 1e20, '80']) }] }],
        },
      };
    case 18:
      return {
        ...p,
        spec: { ...p.spec, terminationGracePeriodSeconds: rng.pick([-1, 1e300, '30', null]) },
      };
    case 19:
      return {
        ...p,
        metadata: {
          ...p.metadata,
          generateName: rng.pick(['', '-', 'x'.repeat(300), '../']),
          name: undefined,
        },
      };
    case 20:
      return { ...p, spec: { ...p.spec, unknownField: true, containers: [{ ...c, bogus: 1 }] } };
    default:
      return [p];
  }
}

/** A patch body for `type`: mostly malformed or pointing at nothing. */
export function patchBody(rng: Rng, type: (typeof PATCH_TYPES)[number]): Buffer | string {
  if (rng.chance(0.3)) return brokenJson(rng, '{"metadata":{"labels":{"a":"b"}}}');
  if (type === 'application/json-patch+json') {
    const path = rng.pick([
      '',
      '/',
      '/metadata/labels/~2',
      '/metadata/labels/a~1b',
      '/spec/containers/-1',
      '/spec/containers/99999999999999999999',
      '/__proto__/polluted',
      '/metadata/labels/__proto__',
      '/a/b/c/d',
      '/metadata/labels/-',
    ]);
    const op = rng.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'nop', '']);
    const ops: unknown[] = [
      {
        op,
        path,
        from: rng.pick(['/metadata', '/metadata/labels', '/nope', undefined]),
        value: rng.pick(['x', 1, null, { polluted: 'yes' }, undefined]),
      },
    ];
    if (rng.chance(0.2)) {
      // A copy bomb: each op doubles the document.
      for (let i = 0; i < 40; i++)
        ops.push({
          op: 'copy',
          from: '/metadata/annotations',
          path: `/metadata/annotations/x${i}`,
        });
    }
    if (rng.chance(0.2)) ops.push({ op: 'move', from: '/metadata', path: '/metadata/labels/m' });
    return JSON.stringify(rng.chance(0.1) ? ops[0] : ops);
  }
  return JSON.stringify(
    rng.pick<unknown>([
      { metadata: { labels: { [randomString(rng, 300)]: randomString(rng, 300) } } },
      { metadata: { labels: null } },
      { metadata: { name: 'renamed' } },
      { metadata: { namespace: 'elsewhere' } },
      { metadata: { uid: 'changed' } },
      { spec: { containers: [{ name: 'main', image: 'changed' }] } },
      { spec: { $patch: 'delete' } },
      { metadata: { $patch: 'replace' } },
      { metadata: { labels: { $patch: 'delete' } } },
      { metadata: { resourceVersion: '1' } },
      JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}'),
      JSON.parse('{"__proto__":{"polluted":"yes"}}'),
      [],
      'string',
    ]),
  );
}
