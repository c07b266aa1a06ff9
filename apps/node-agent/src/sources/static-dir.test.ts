import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { Pod } from '../pod/types.js';
import { StaticPodSource } from './static-dir.js';

// The static pod source over a real directory (scans driven by hand, not by the watcher).

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function source() {
  dir = mkdtempSync(join(tmpdir(), 'static-dir-'));
  const pods = new Map<string, Pod>();
  const src = new StaticPodSource(dir, 'n1', pino({ level: 'silent' }), (added, removed) => {
    for (const p of removed) pods.delete(p.metadata.uid!);
    for (const p of added) pods.set(p.metadata.uid!, p);
  });
  return { src, names: () => [...pods.values()].map((p) => p.metadata.name).sort() };
}
const pod = (name: string, image = 'busybox') =>
  JSON.stringify({ kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image }] } });

it('a manifest that turns bad keeps its pods (reported); fixed, it applies; removed, they go', () => {
  const { src, names } = source();
  writeFileSync(join(dir, 'a.json'), pod('a'));
  writeFileSync(
    join(dir, 'b.yaml'),
    'kind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: x}]}\n',
  );
  src.scan();
  expect(names()).toEqual(['a-n1', 'b-n1']);
  // Caught half written (or a typo): reported, the pod stays.
  writeFileSync(join(dir, 'a.json'), pod('a').slice(0, 20));
  src.scan();
  expect(names()).toEqual(['a-n1', 'b-n1']);
  expect(src.errors.map((e) => e.file)).toEqual([join(dir, 'a.json')]);
  // Truncated before being rewritten: empty is an error too, the pod stays.
  writeFileSync(join(dir, 'a.json'), '');
  src.scan();
  expect(names()).toEqual(['a-n1', 'b-n1']);
  expect(src.errors.map((e) => e.reason)).toEqual(['file is empty']);
  // Fixed with a change: the new version replaces the old one.
  writeFileSync(join(dir, 'a.json'), pod('a2'));
  src.scan();
  expect(names()).toEqual(['a2-n1', 'b-n1']);
  expect(src.errors).toEqual([]);
  unlinkSync(join(dir, 'a.json'));
  src.scan();
  expect(names()).toEqual(['b-n1']);
  // A file that was never good gives nothing.
  writeFileSync(join(dir, 'c.json'), '{');
  src.scan();
  expect(names()).toEqual(['b-n1']);
  expect(src.errors).toHaveLength(1);
});

it('JSON and YAML give the same UID for the same pod', () => {
  const { src } = source();
  const uids: string[] = [];
  const s2 = new StaticPodSource(dir, 'n1', pino({ level: 'silent' }), (added) =>
    uids.push(...added.map((p) => p.metadata.uid!)),
  );
  writeFileSync(join(dir, 'a.json'), pod('a'));
  s2.scan();
  writeFileSync(
    join(dir, 'a.json'),
    `kind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: busybox\n`,
  );
  src.scan();
  const again = new StaticPodSource(dir, 'n1', pino({ level: 'silent' }), (added) =>
    uids.push(...added.map((p) => p.metadata.uid!)),
  );
  again.scan();
  expect(uids).toHaveLength(2);
  expect(uids[0]).toBe(uids[1]);
});
