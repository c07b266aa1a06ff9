// The campaign's one summary table (markdown) and its verdict.
import { LEAK_KINDS } from './audit.js';
import type { CampaignReport } from './campaign.js';
import { fuzzPassed, memoryLine } from './report.js';

export function summaryMarkdown(c: CampaignReport): string {
  const fuzz = c.fuzz;
  const leaked = LEAK_KINDS.filter((k) => c.finalLeaks[k] > 0)
    .map((k) => `${k} ${c.finalLeaks[k]}`)
    .join(', ');
  const lines = [
    `### Fault campaign: ${c.runtime} (seed ${c.seed})`,
    '',
    '| kill -9 of | rounds | lost | not converged | recovery p50 (ms) | recovery max (ms) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...c.components.map(
      (r) =>
        `| ${r.component} | ${r.rounds} | ${r.lost} | ${r.failures.length} | ${r.recoveryP50Ms} | ${r.recoveryMaxMs} |`,
    ),
    '',
    ...(c.interrupted ? ['Interrupted (Ctrl-C): the figures cover the rounds that ran.', ''] : []),
    `Crashed on their own: ${c.crashed.join(', ') || 'none'}.`,
    `Leaked after every pod was removed: ${leaked || 'nothing'} (audited: ${LEAK_KINDS.join(', ')}).`,
  ];
  if (c.load) {
    const l = c.load;
    lines.push(
      '',
      `Load during churn: ${l.clients} clients, ${l.seconds} s, ${l.calls} calls, ${l.errors} errors${l.upstreamErrors ? ` (+${l.upstreamErrors} of containerd 1.6's known ListPodSandboxStats failure while a sandbox changes)` : ''}, p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms.`,
    );
  }
  if (c.disk) {
    const d = c.disk;
    lines.push(
      '',
      `Full disk (${Math.round(d.filled.bytes / 1024)} KiB and ${d.filled.inodes} inodes taken, ${d.steps} churn steps, kill -9 of ${d.restarts.map((r) => `${r.component}${r.ok ? '' : ' (did not start)'}`).join(', ')}): ${d.noSpaceEvents} Events say so, crashed ${d.crashed.join(', ') || 'none'}, corrupt checkpoints ${d.corruptCheckpoints.length}, temporary files left ${d.tempFiles.length}, ${d.recovered ? `recovered in ${d.recoveryMs} ms` : `NOT recovered after ${d.recoveryMs} ms`}.`,
      ...d.eventSamples.slice(0, 3).map((e) => `- event: ${e.slice(0, 300)}`),
    );
  }
  if (fuzz.length > 0) {
    lines.push(
      '',
      '| fuzz target | cases | crashes | bad answers | problems | memory start → end |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...fuzz.map(
        (f) =>
          `| ${f.target} | ${f.cases} | ${f.crashes} | ${f.badAnswers} | ${f.failures.length} | ${memoryLine(f)} |`,
      ),
    );
  }
  const problems = [
    ...c.components.flatMap((r) => r.failures.map((f) => `${r.component} ${f}`)),
    ...c.finalProblems.map((p) => `final: ${p}`),
    ...(c.load?.firstErrors ?? []).map((e) => `load: ${e}`),
    ...(c.disk?.problems ?? []).map((p) => `full disk: ${p}`),
    ...fuzz.flatMap((f) => f.failures.slice(0, 5).map((x) => `${f.target}: ${x}`)),
  ];
  if (problems.length > 0) lines.push('', 'Problems:', ...problems.map((p) => `- ${p}`));
  return `${lines.join('\n')}\n`;
}

/** True when nothing was lost, leaked or crashed and every fuzz run passed. */
export function campaignPassed(c: CampaignReport): boolean {
  return c.ok && c.fuzz.every(fuzzPassed);
}
