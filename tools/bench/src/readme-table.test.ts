import type { BenchReport } from '@capstan/cri-conformance';
import { distribution, STEPS } from '@capstan/cri-conformance';
import { describe, expect, it } from 'vitest';
import type { AgentReport } from './agent-table.js';
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

describe('agent blocks', () => {
  it('renders an agent report with its memory at each pod count', () => {
    const agent: AgentReport = {
      kind: 'agent-bench',
      startedAt: '2026-12-07T02:00:00.000Z',
      runtime: 'containerd 1.6',
      machine: '2-core VM.',
      agentFrom: 'dist',
      rounds: 3,
      burst: 10,
      single: distribution([100, 200, 300]),
      burstPerPod: distribution([1000]),
      burstAllRunningMs: 1500,
      burstCpuSec: 0.5,
      idleCpuCores: 0.01,
      memory: [
        { pods: 0, rssBytes: 70 * 2 ** 20, pssBytes: 30 * 2 ** 20 },
        { pods: 10, rssBytes: 72 * 2 ** 20, pssBytes: 31 * 2 ** 20 },
      ],
    };
    const { text } = renderReadme('<!-- bench:start a.json -->\n<!-- bench:end -->\n', () => agent);
    expect(text).toContain('`bash tools/bench-agent.sh --burst 10 --rounds 3 --pods 0,10`');
    expect(text).toContain('| 1 pod (3 rounds) | 200 | 300 | 300 | 300 |');
    expect(text).toContain('| RSS | 70.0 | 72.0 |');
    expect(text).toContain('| PSS | 30.0 | 31.0 |');
  });
});
