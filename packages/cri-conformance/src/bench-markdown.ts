import { describeGroups } from './bench-memory.js';
import { type Distribution, fmtMiB, fmtMs, fmtPct, fmtRatio } from './bench-stats.js';
import { type BenchReport, type DensityResult, type EndpointResult, STEPS } from './bench-types.js';

/** A markdown table. */
export function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** Lifecycle latency: p50/p90/p99 per endpoint, then each endpoint's p50 and p99 ratios to the first. */
export function lifecycleTable(report: BenchReport): string {
  const [base, ...others] = report.results;
  if (base === undefined) return '';
  const head = [
    'step (ms)',
    ...report.results.flatMap((r) => [`${r.name} p50`, 'p90', 'p99']),
    ...others.flatMap((r) => [`${r.name}/${base.name} p50`, 'p99']),
  ];
  const rows: string[][] = [];
  for (const step of STEPS) {
    if (report.results.every((r) => (r.steps[step]?.n ?? 0) === 0)) continue;
    const d = (r: EndpointResult) => r.steps[step];
    rows.push([
      step,
      ...report.results.flatMap((r) => [d(r).p50, d(r).p90, d(r).p99].map(fmtMs)),
      ...others.flatMap((r) => [fmtRatio(d(r).p50, d(base).p50), fmtRatio(d(r).p99, d(base).p99)]),
    ]);
  }
  return mdTable(head, rows);
}

type Metric = [label: string, get: (d: DensityResult) => number, fmt: (v: number) => string];

const pct = (get: (d: DensityResult) => Distribution, name: string, p: 'p50' | 'p99'): Metric => [
  `${name} ${p} (ms)`,
  (d) => get(d)[p],
  fmtMs,
];

/** Density: one row per figure, one column per endpoint, then ratios to the first. */
export function densityTable(report: BenchReport): string {
  const dens = report.results.filter((r) => r.density !== undefined);
  const [base, ...others] = dens;
  if (base === undefined) return '';
  const metrics: Metric[] = [
    ['pod start p50 (ms)', (d) => d.podStartMs.p50, fmtMs],
    ['pod start p90 (ms)', (d) => d.podStartMs.p90, fmtMs],
    ['pod start p99 (ms)', (d) => d.podStartMs.p99, fmtMs],
    ['pod start mean, first 10% (ms)', (d) => d.growth.firstMeanMs, fmtMs],
    ['pod start mean, last 10% (ms)', (d) => d.growth.lastMeanMs, fmtMs],
    ['time to all running (ms)', (d) => d.allRunningMs, fmtMs],
    ['runtime RSS idle (MiB)', (d) => d.memoryIdle.rssBytes, fmtMiB],
    ['runtime PSS idle (MiB)', (d) => d.memoryIdle.pssBytes, fmtMiB],
    [`runtime RSS at ${report.density} pods (MiB)`, (d) => d.memoryAt.rssBytes, fmtMiB],
    [`runtime PSS at ${report.density} pods (MiB)`, (d) => d.memoryAt.pssBytes, fmtMiB],
    ['runtime RSS per pod (MiB)', (d) => d.perPod.rssBytes, fmtMiB],
    ['runtime PSS per pod (MiB)', (d) => d.perPod.pssBytes, fmtMiB],
    pct((d) => d.listContainersMs, 'ListContainers', 'p50'),
    pct((d) => d.listContainersMs, 'ListContainers', 'p99'),
    pct((d) => d.listPodSandboxMs, 'ListPodSandbox', 'p50'),
    pct((d) => d.listPodSandboxMs, 'ListPodSandbox', 'p99'),
    pct((d) => d.listContainerStatsMs, 'ListContainerStats', 'p50'),
    pct((d) => d.listContainerStatsMs, 'ListContainerStats', 'p99'),
    pct((d) => d.listPodSandboxStatsMs, 'ListPodSandboxStats', 'p50'),
    pct((d) => d.listPodSandboxStatsMs, 'ListPodSandboxStats', 'p99'),
    ['teardown (ms)', (d) => d.teardownMs, fmtMs],
  ];
  const head = [
    `density (${report.density} pods)`,
    ...dens.map((r) => r.name),
    ...others.map((r) => `${r.name}/${base.name}`),
  ];
  const rows = metrics.map(([label, get, fmt]) => [
    label,
    ...dens.map((r) => fmt(get(r.density!))),
    ...others.map((r) => fmtRatio(get(r.density!), get(base.density!))),
  ]);
  rows.splice(5, 0, [
    'cost growth, last 10% vs first 10%',
    ...dens.map((r) => fmtPct(r.density!.growth.change)),
    ...others.map(() => ''),
  ]);
  return mdTable(head, rows);
}

/** Which processes each stack's memory counted, idle and at density. */
export function processesCounted(report: BenchReport): string {
  const lines: string[] = [];
  for (const r of report.results) {
    const d = r.density;
    if (d === undefined) continue;
    const src =
      d.memoryAt.source === 'cgroup'
        ? "the stack's cgroup"
        : 'processes around the socket (heuristic: NOT comparable)';
    lines.push(
      `- ${r.name} (${src}): idle ${describeGroups(d.memoryIdle)}; at ${d.pods} pods ` +
        `${describeGroups(d.memoryAt)}`,
    );
    const items = Object.entries(d.listItems ?? {})
      .map(([rpc, n]) => `${rpc} ${n}`)
      .join(', ');
    if (items !== '') lines.push(`  - entries returned at density: ${items}`);
    for (const [rpc, c] of Object.entries(d.statsCheck ?? {})) {
      lines.push(
        `  - ${rpc}: ${c.withData} entries with CPU or memory figures; sample age p50 ` +
          `${fmtMs(c.ageP50Ms)} ms, max ${fmtMs(c.ageMaxMs)} ms`,
      );
    }
    for (const [rpc, msg] of Object.entries(d.errors)) lines.push(`  - ${rpc} failed: ${msg}`);
  }
  return lines.join('\n');
}

/** The whole report as markdown: the lifecycle table, the density table, what was counted. */
export function benchMarkdown(report: BenchReport): string {
  const runtimes = report.results.map((r) => `${r.name}: ${r.runtime}`).join('; ');
  let out =
    `**Lifecycle latency** (ms, ${report.rounds} rounds, runtimes interleaved; ${runtimes})\n\n` +
    `${lifecycleTable(report)}\n`;
  const dens = densityTable(report);
  if (dens !== '') {
    const c = report.results.find((r) => r.density)?.density?.concurrency;
    out +=
      `\n**Density** (${report.density} pods of one sleeping container, ${c} started at ` +
      'once, batches interleaved across runtimes; memory = every process of the runtime ' +
      'stack, not the containers; per pod = (at N − idle) / N)\n\n' +
      `${dens}\n\nProcesses counted:\n\n${processesCounted(report)}\n`;
  }
  if (report.machine !== undefined) out += `\n${report.machine}\n`;
  return out;
}
