import { join } from 'node:path';
import { heapSnapshotGrowth } from '@capstan/testenv';

/** A printable table of what grew between `<name>-before` and `<name>-after` snapshots in `dir`. */
export function heapGrowth(dir: string, name: string): string {
  const rows = heapSnapshotGrowth(
    join(dir, `${name}-before.heapsnapshot`),
    join(dir, `${name}-after.heapsnapshot`),
  );
  return `${name} heap growth (self size, objects):\n${rows
    .map(
      (r) =>
        `  ${(r.selfBytes / 1024).toFixed(0).padStart(8)} KiB ${String(r.count).padStart(8)}  ${r.name}`,
    )
    .join('\n')}\n`;
}
