import { createHash } from 'node:crypto';
import { DEFAULT_API_VERSION } from './api-discovery.js';

// OpenAPI documents with operations and no schemas. kubectl decides how to validate a
// manifest by looking for a `fieldValidation` query parameter on the PATCH operation of
// the object's group-version-kind: found, it sends `fieldValidation=Strict` and leaves
// validation to the server (see api-validation.ts); not found, it validates client-side
// against full schemas, which this API does not have. kubectl >= 1.28 reads OpenAPI v3
// (JSON); 1.27 reads /openapi/v2 as gnostic protobuf, hand-encoded below. Without
// schemas, `kubectl explain` has nothing to show, and `kubectl apply` computes its
// strategic merge patch from the Pod type compiled into kubectl.

interface Op {
  path: string;
  method: 'get' | 'put' | 'post' | 'delete' | 'patch';
  action: string;
  kind: string;
  params: string[];
}

const WRITE = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'];
const OPS: Op[] = [
  {
    path: '/api/v1/namespaces/{namespace}/pods',
    method: 'get',
    action: 'list',
    kind: 'Pod',
    params: ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'timeoutSeconds'],
  },
  {
    path: '/api/v1/namespaces/{namespace}/pods',
    method: 'post',
    action: 'post',
    kind: 'Pod',
    params: WRITE,
  },
  {
    path: '/api/v1/namespaces/{namespace}/pods/{name}',
    method: 'get',
    action: 'get',
    kind: 'Pod',
    params: ['pretty'],
  },
  {
    path: '/api/v1/namespaces/{namespace}/pods/{name}',
    method: 'put',
    action: 'put',
    kind: 'Pod',
    params: WRITE,
  },
  {
    path: '/api/v1/namespaces/{namespace}/pods/{name}',
    method: 'patch',
    action: 'patch',
    kind: 'Pod',
    params: [...WRITE, 'force'],
  },
  {
    path: '/api/v1/namespaces/{namespace}/pods/{name}',
    method: 'delete',
    action: 'delete',
    kind: 'Pod',
    params: ['dryRun', 'gracePeriodSeconds', 'pretty'],
  },
  {
    path: '/api/v1/pods',
    method: 'get',
    action: 'list',
    kind: 'Pod',
    params: ['labelSelector', 'fieldSelector', 'watch'],
  },
  {
    path: '/api/v1/nodes',
    method: 'get',
    action: 'list',
    kind: 'Node',
    params: ['labelSelector', 'fieldSelector', 'watch'],
  },
  { path: '/api/v1/nodes/{name}', method: 'get', action: 'get', kind: 'Node', params: ['pretty'] },
  {
    path: '/api/v1/namespaces',
    method: 'get',
    action: 'list',
    kind: 'Namespace',
    params: ['labelSelector', 'fieldSelector', 'watch'],
  },
  {
    path: '/api/v1/namespaces/{name}',
    method: 'get',
    action: 'get',
    kind: 'Namespace',
    params: ['pretty'],
  },
];

const TITLE = 'Capstan node agent pod API';
const cap = (s: string) => `${s[0]?.toUpperCase()}${s.slice(1)}`;
const operationId = (op: Op) => `${op.action === 'post' ? 'create' : op.action}CoreV1${op.kind}`;
const gvk = (kind: string) => ({ group: '', version: 'v1', kind });

function byPath(): Map<string, Op[]> {
  const paths = new Map<string, Op[]>();
  for (const op of OPS) paths.set(op.path, [...(paths.get(op.path) ?? []), op]);
  return paths;
}

function openapiV3(): string {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, ops] of byPath()) {
    paths[path] = Object.fromEntries(
      ops.map((op) => [
        op.method,
        {
          operationId: operationId(op),
          description: `${cap(op.action)} ${op.kind}`,
          parameters: op.params.map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          responses: { '200': { description: 'OK' } },
          'x-kubernetes-action': op.action,
          'x-kubernetes-group-version-kind': gvk(op.kind),
        },
      ]),
    );
  }
  return JSON.stringify({
    openapi: '3.0.0',
    info: { title: TITLE, version: `v${DEFAULT_API_VERSION}` },
    paths,
    components: { schemas: {} },
  });
}

/** OpenAPI v3 documents by group-version (`api/v1`), as served. */
export const OPENAPI_V3_DOCS: Record<string, string> = { 'api/v1': openapiV3() };

/** GET /openapi/v3: where each group-version's document is, with a content hash. */
export function openapiV3Root(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, doc] of Object.entries(OPENAPI_V3_DOCS)) {
    const hash = createHash('sha512').update(doc).digest('hex').toUpperCase();
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths };
}

/** The Swagger 2.0 JSON form of /openapi/v2, for clients that do not ask for protobuf. */
export const OPENAPI_V2_JSON = JSON.stringify({
  swagger: '2.0',
  info: { title: TITLE, version: `v${DEFAULT_API_VERSION}` },
  paths: Object.fromEntries(
    [...byPath()].map(([path, ops]) => [
      path,
      Object.fromEntries(
        ops.map((op) => [
          op.method,
          {
            operationId: operationId(op),
            parameters: op.params.map((name) => ({
              name,
              in: 'query',
              type: 'string',
              uniqueItems: true,
            })),
            responses: { '200': { description: 'OK' } },
            'x-kubernetes-action': op.action,
            'x-kubernetes-group-version-kind': gvk(op.kind),
          },
        ]),
      ),
    ]),
  ),
  definitions: {},
});

// Protobuf wire format: only length-delimited fields are needed (strings and messages).
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

const f = (num: number, ...value: (Buffer | string)[]): Buffer => {
  const body = Buffer.concat(value.map((v) => (typeof v === 'string' ? Buffer.from(v) : v)));
  return Buffer.concat([varint((num << 3) | 2), varint(body.length), body]);
};

// Field numbers of gnostic's openapi_v2 messages (openapiv2/OpenAPIv2.proto).
const PATH_ITEM_FIELD = { get: 2, put: 3, post: 4, delete: 5, patch: 8 } as const;

function operationPb(op: Op): Buffer {
  const param = (name: string) =>
    // ParametersItem.parameter(1) > Parameter.non_body_parameter(2) >
    // NonBodyParameter.query_parameter_sub_schema(3) > { in(2), name(4), type(6) }
    f(8, f(1, f(2, f(3, f(2, 'query'), f(4, name), f(6, 'string')))));
  const gvkYaml = `group: ""\nkind: ${op.kind}\nversion: v1\n`;
  return Buffer.concat([
    f(5, operationId(op)),
    ...op.params.map(param),
    // Responses.response_code(1) > NamedResponseValue { name(1), value(2) > Response(1) > description(1) }
    f(9, f(1, f(1, '200'), f(2, f(1, f(1, 'OK'))))),
    // vendor_extension(13) > NamedAny { name(1), value(2) > Any.yaml(2) }
    f(13, f(1, 'x-kubernetes-action'), f(2, f(2, `${op.action}\n`))),
    f(13, f(1, 'x-kubernetes-group-version-kind'), f(2, f(2, gvkYaml))),
  ]);
}

/** /openapi/v2 as `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`. */
export const OPENAPI_V2_PROTOBUF: Buffer = Buffer.concat([
  f(1, '2.0'),
  f(2, f(1, TITLE), f(2, `v${DEFAULT_API_VERSION}`)),
  f(
    8,
    ...[...byPath()].map(([path, ops]) =>
      f(2, f(1, path), f(2, ...ops.map((op) => f(PATH_ITEM_FIELD[op.method], operationPb(op))))),
    ),
  ),
]);

/** What clients put in Accept for the protobuf form. */
export const OPENAPI_V2_PROTOBUF_ACCEPT =
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The Content-Type it is sent with (`@` is not valid in a media type: Go's mime rejects it). */
export const OPENAPI_V2_PROTOBUF_TYPE =
  'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
