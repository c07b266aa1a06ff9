import type { BenchReport } from '@capstan/cri-conformance';
import { distribution, STEPS } from '@capstan/cri-conformance';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESULTS, renderReadme } from './readme-table.js';

const report = (p50: number): BenchReport => ({
  startedAt: '2026-12-07T02:00:00.000Z',
  rounds: 3,
  density: 0,
  results: [
    {
      name: 'containerd',
      endpoint: 'unix:///a.sock',
      runtime: 'containerd 1.6',
      steps: Object.fromEntries(STEPS.map((s) => [s, distribution([p50])])) as never,
    },
  ],
});

describe('renderReadme', () => {
  it('replaces each block from the JSON its marker names and keeps the rest', () => {
    const text = [
      '# x',
      '<!-- bench:start -->',
      'old table',
      '<!-- bench:end -->',
      'middle',
      '<!-- bench:start other.json -->',
      '<!-- bench:end -->',
      'tail',
    ].join('\n');
    const loaded: string[] = [];
    const { text: out, sources } = renderReadme(text, (src) => {
      loaded.push(src);
      return report(src === 'other.json' ? 42 : 7);
    });
    expect(sources).toEqual([DEFAULT_RESULTS, 'other.json']);
    expect(out).not.toContain('old table');
    expect(out).toMatch(/^# x\n<!-- bench:start -->\n<!-- generated from /);
    expect(out).toContain('| CreateContainer | 7.00 | 7.00 | 7.00 |');
    expect(out).toContain('| CreateContainer | 42.0 | 42.0 | 42.0 |');
    expect(out).toMatch(/<!-- bench:end -->\nmiddle\n<!-- bench:start other.json -->\n/);
    expect(out.endsWith('<!-- bench:end -->\ntail')).toBe(true);
    // Idempotent: rendering the output again changes nothing.
    expect(renderReadme(out, (src) => report(src === 'other.json' ? 42 : 7)).text).toBe(out);
  });
  it('refuses unpaired markers', () => {
    expect(() => renderReadme('<!-- bench:start -->\nx\n', () => report(1), 'R.md')).toThrow(
      /R\.md: bench markers do not pair up/,
    );
    expect(() => renderReadme('<!-- bench:end -->\n', () => report(1))).toThrow(/pair up/);
  });
  it('leaves a README without markers as it is', () => {
    expect(renderReadme('plain\n', () => report(1))).toEqual({ text: 'plain\n', sources: [] });
  });
});
