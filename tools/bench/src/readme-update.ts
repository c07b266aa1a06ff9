// Regenerates the benchmark blocks of the READMEs from the JSON results they name.
// Usage: bash tools/bench-readme.sh   (or: pnpm --filter @capstan/bench readme)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnyReport, READMES, renderReadme } from './readme-table.js';

/** Rewrites every README's blocks; returns the files that changed. */
export function updateReadmes(root: string): string[] {
  const changed: string[] = [];
  const load = (source: string) =>
    JSON.parse(readFileSync(join(root, source), 'utf8')) as AnyReport;
  for (const rel of READMES) {
    const file = join(root, rel);
    const before = readFileSync(file, 'utf8');
    const { text } = renderReadme(before, load, rel);
    if (text !== before) {
      writeFileSync(file, text);
      changed.push(rel);
    }
  }
  return changed;
}

if (process.argv[1]?.endsWith('readme-update.ts')) {
  const root = join(import.meta.dirname, '..', '..', '..');
  const changed = updateReadmes(root);
  process.stdout.write(
    changed.length === 0 ? 'READMEs already up to date\n' : `updated ${changed.join(', ')}\n`,
  );
}
