import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// The README's examples run as written (importing the package by name, from src/ through
// the "source" condition) and print what the README says they print.

const pkg = join(import.meta.dirname, '..');
const work = join(pkg, '.tmp', `readme-${process.pid}`);
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');

function example(tag: string): { code: string; output: string } {
  const m = new RegExp(
    `\`\`\`ts ${tag}\\n([\\s\\S]*?)\`\`\`\\n\\nprints\\n\\n\`\`\`\\n([\\s\\S]*?)\`\`\``,
  ).exec(readme);
  if (!m?.[1] || !m[2])
    throw new Error(`README has no \`\`\`ts ${tag} block followed by its output`);
  return { code: m[1], output: m[2] };
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

it.each(['references-example', 'manifest-example'])(
  'README %s runs and prints what it says',
  (tag) => {
    const { code, output } = example(tag);
    mkdirSync(work, { recursive: true });
    const file = join(work, `${tag}.ts`);
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
      cwd: pkg,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(output);
  },
);
