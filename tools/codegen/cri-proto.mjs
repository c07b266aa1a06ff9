#!/usr/bin/env node
// Regenerates packages/cri-api/src/gen from packages/cri-api/proto with protoc + ts-proto.
// Run after editing the .proto: `pnpm --filter @capstan/cri-api codegen`.
// `--check` regenerates into a temp dir and fails if the committed output differs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '../../packages/cri-api');
const protoRoot = join(pkg, 'proto');
const plugin = join(pkg, 'node_modules/.bin/protoc-gen-ts_proto');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'cri-codegen-')) : join(pkg, 'src/gen');

const options = [
  // Generic definitions carry each method's request and response codecs; src/service-def.ts
  // turns them into grpc-js service definitions for runtime.v1 and runtime.v1alpha2.
  'outputServices=generic-definitions',
  'env=node',
  'forceLong=bigint', // CRI timestamps are int64 nanoseconds: a JS number would lose precision
  'esModuleInterop=true',
  'importSuffix=.js', // NodeNext ESM
  'useOptionals=none', // proto3 semantics: every scalar is present with its default
  'outputJsonMethods=true',
  'useDate=false',
];

if (!check) rmSync(out, { recursive: true, force: true });
execFileSync('mkdir', ['-p', out]);
execFileSync(
  'protoc',
  [
    `--plugin=protoc-gen-ts_proto=${plugin}`,
    `--ts_proto_out=${out}`,
    `--ts_proto_opt=${options.join(',')}`,
    `-I${protoRoot}`,
    'runtime/v1/api.proto',
  ],
  { stdio: 'inherit' },
);

if (check) {
  const committed = join(pkg, 'src/gen');
  const list = (root, dir = root) =>
    readdirSync(dir)
      .flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? list(root, p) : [relative(root, p)];
      })
      .sort();
  const a = list(out);
  const b = list(committed);
  let stale = JSON.stringify(a) !== JSON.stringify(b);
  for (const f of a) {
    if (stale) break;
    stale = readFileSync(join(out, f), 'utf8') !== readFileSync(join(committed, f), 'utf8');
  }
  rmSync(out, { recursive: true, force: true });
  if (stale) {
    process.stderr.write(
      'packages/cri-api/src/gen is stale: run `pnpm --filter @capstan/cri-api codegen`\n',
    );
    process.exit(1);
  }
}
