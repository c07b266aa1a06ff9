// bash tools/chaos.sh --runtime docker|containerd [--rounds N] [--seed S] [--load-seconds S]
//   [--load-clients N] [--disk-steps N] [--fuzz-cases N] [--json FILE]
// Runs the fault campaign against a private node and prints one summary table; exits 1 on
// any loss, leak, load error or crash.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runCampaign } from './campaign.js';
import type { RuntimeName } from './chaos-node.js';
import { campaignPassed, summaryMarkdown } from './summary.js';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'docker' },
    rounds: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    'load-seconds': { type: 'string', default: '60' },
    'load-clients': { type: 'string', default: '20' },
    'fuzz-cases': { type: 'string', default: '10000' },
    'disk-steps': { type: 'string', default: '30' },
    json: { type: 'string' },
  },
});
const runtime = values.runtime as RuntimeName;
const int = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`chaos: --${name} must be a non-negative integer, got ${v}\n`);
    process.exit(2);
  }
  return n;
};
if (runtime !== 'docker' && runtime !== 'containerd') {
  process.stderr.write(`chaos: --runtime must be docker or containerd, got ${runtime}\n`);
  process.exit(2);
}
// Ctrl-C: finish the round in progress, remove every pod, audit, print what ran; a second
// Ctrl-C kills it at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('[chaos] interrupted: ending after this round (Ctrl-C again to kill)\n');
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});
const report = await runCampaign({
  signal: interrupt.signal,
  runtime,
  rounds: int('rounds', values.rounds),
  seed: int('seed', values.seed),
  loadSeconds: int('load-seconds', values['load-seconds']),
  loadClients: int('load-clients', values['load-clients']),
  diskSteps: int('disk-steps', values['disk-steps']),
  fuzzCases: int('fuzz-cases', values['fuzz-cases']),
  fuzzTokenExpiry: true,
  // A kill of dockerd takes the containers with it; the agent restarts them with the
  // kubelet's back-off (10 s doubling to 300 s for a container killed again and again):
  // a round may need the whole ceiling plus a sync before it converges.
  recoverTimeoutMs: 330_000,
  log: (m) => process.stderr.write(`[chaos] ${m}\n`),
});
process.stdout.write(summaryMarkdown(report));
if (values.json) {
  writeFileSync(
    resolve(process.env.CAPSTAN_CHAOS_CWD ?? '.', values.json),
    `${JSON.stringify(report, null, 2)}\n`,
  );
}
process.exit(report.interrupted ? 130 : campaignPassed(report) ? 0 : 1);
