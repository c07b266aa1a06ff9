import { join } from 'node:path';
import { heapSnapshotSummary } from '@capstan/testenv';

/** The 25 object kinds whose self size grew most between `<name>-before` and `<name>-after` snapshots in `dir`. */
export function heapGrowth(dir: string, name: string): string {
  const before = new Map(
    heapSnapshotSummary(join(dir, `${name}-before.heapsnapshot`)).map((r) => [r.name, r]),
  );
  const after = heapSnapshotSummary(join(dir, `${name}-after.heapsnapshot`));
  const rows = after
    .map((r) => ({
      name: r.name,
      count: r.count - (before.get(r.name)?.count ?? 0),
      bytes: r.selfBytes - (before.get(r.name)?.selfBytes ?? 0),
    }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 25);
  return `${name} heap growth (self size, objects):\n${rows
    .map(
      (r) =>
        `  ${(r.bytes / 1024).toFixed(0).padStart(8)} KiB ${String(r.count).padStart(8)}  ${r.name}`,
    )
    .join('\n')}\n`;
}
