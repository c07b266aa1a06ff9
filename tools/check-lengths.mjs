#!/usr/bin/env node
// File-length guard rail: a source file (not a test) over LIMIT lines must say why at its
// top, in a comment line starting `// length:` within its first 5 lines. Prints every long
// file with its line count; exits 1 when one has no reason.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const LIMIT = 400;
const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'apps', 'tools'];
const skip = new Set(['node_modules', 'dist', 'gen', 'test', '.tmp']);

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.(ts|mts|mjs)$/.test(name) && !/\.test\.|\.d\.ts$/.test(name)) yield path;
  }
}

let bad = 0;
const long = [];
for (const top of roots) {
  for (const file of sources(join(root, top))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines.length <= LIMIT) continue;
    const reason = lines
      .slice(0, 5)
      .find((l) => l.startsWith('// length:'))
      ?.slice('// length:'.length)
      .trim();
    long.push({ file: relative(root, file), lines: lines.length, reason });
    if (!reason) bad++;
  }
}
for (const f of long.sort((a, b) => b.lines - a.lines)) {
  process.stdout.write(
    `${String(f.lines).padStart(5)}  ${f.file}  ${f.reason ?? 'NO REASON GIVEN'}\n`,
  );
}
process.stdout.write(`${long.length} source files over ${LIMIT} lines, ${bad} without a reason\n`);
process.exit(bad > 0 ? 1 : 0);
