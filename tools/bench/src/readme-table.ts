// The benchmark tables in the READMEs are generated from the JSON a run wrote, between
// marker comments, never typed by hand:
//
//   <!-- bench:start packages/cri-conformance/bench-results.json -->
//   (generated)
//   <!-- bench:end -->
//
// The path after `bench:start` (relative to the repository root) names the JSON the block
// is rendered from; without one it is DEFAULT_RESULTS.
import type { BenchReport } from '@capstan/cri-conformance';
import { benchMarkdown } from '@capstan/cri-conformance';
import { type AgentReport, agentMarkdown, isAgentReport } from './agent-table.js';

export const DEFAULT_RESULTS = 'packages/cri-conformance/bench-results.json';
/** The READMEs that carry benchmark blocks. */
export const READMES = [
  'packages/cri-conformance/README.md',
  'apps/docker-shim/README.md',
  'apps/node-agent/README.md',
];
/** Either benchmark's JSON. */
export type AnyReport = BenchReport | AgentReport;

const BLOCK = /<!-- bench:start(?: (\S+))? -->\n[\s\S]*?<!-- bench:end -->/g;
const START = /<!-- bench:start(?: \S+)? -->/g;
const END = /<!-- bench:end -->/g;

/** The generated text of one block (without the markers). */
export function renderBlock(report: AnyReport, source: string): string {
  const when = `Run of ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const how = isAgentReport(report)
    ? `\`${report.runtime.includes('docker-shim') ? 'CAPSTAN_BENCH_RUNTIME=docker-shim ' : ''}` +
      `bash tools/bench-agent.sh --burst ${report.burst} --rounds ${report.rounds} ` +
      `--pods ${report.memory.map((m) => m.pods).join(',')}\``
    : `\`bash tools/bench-cri.sh --rounds ${report.rounds} --density ${report.density}\``;
  return [
    `<!-- generated from ${source} by \`bash tools/bench-readme.sh\`: do not edit by hand -->`,
    '',
    `${when}: ${how}.`,
    '',
    (isAgentReport(report) ? agentMarkdown(report) : benchMarkdown(report)).trimEnd(),
    '',
  ].join('\n');
}

/**
 * Replaces every bench block of a README with the rendering of its JSON (`load(source)`).
 * Throws when the markers do not pair up, so that a broken README is never half-written.
 */
export function renderReadme(
  text: string,
  load: (source: string) => AnyReport,
  file = 'README',
): { text: string; sources: string[] } {
  const starts = text.match(START)?.length ?? 0;
  const ends = text.match(END)?.length ?? 0;
  const blocks = [...text.matchAll(BLOCK)].length;
  if (starts !== ends || starts !== blocks) {
    throw new Error(
      `${file}: bench markers do not pair up (${starts} start, ${ends} end, ${blocks} blocks)`,
    );
  }
  const sources: string[] = [];
  const out = text.replace(BLOCK, (_m, src: string | undefined) => {
    const source = src ?? DEFAULT_RESULTS;
    sources.push(source);
    const marker = src === undefined ? '<!-- bench:start -->' : `<!-- bench:start ${src} -->`;
    return `${marker}\n${renderBlock(load(source), source)}<!-- bench:end -->`;
  });
  return { text: out, sources };
}
