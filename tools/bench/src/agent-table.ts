// The node agent benchmark's report and its markdown (stdout and the node-agent README).
import { type Distribution, fmtMiB, mdTable } from '@capstan/cri-conformance';

export interface AgentReport {
  kind: 'agent-bench';
  startedAt: string;
  /** e.g. `containerd 1.6`. */
  runtime: string;
  /** Free text: cores, load. */
  machine: string;
  /** `dist` (the built agent) or `source` (through tsx). */
  agentFrom: 'dist' | 'source';
  rounds: number;
  burst: number;
  /** Manifest written -> Running, one pod at a time. */
  single: Distribution;
  /** Manifest written -> Running of each pod of the burst, all written at once. */
  burstPerPod: Distribution;
  burstAllRunningMs: number;
  burstCpuSec: number;
  idleCpuCores: number;
  /** The agent process's own RSS and PSS at each pod count. */
  memory: { pods: number; rssBytes: number; pssBytes: number }[];
}

export function isAgentReport(v: unknown): v is AgentReport {
  return (v as { kind?: unknown }).kind === 'agent-bench';
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : 'n/a');
const row = (label: string, d: Distribution) => [label, ...[d.p50, d.p90, d.p99, d.max].map(ms)];

export function agentMarkdown(r: AgentReport): string {
  return [
    `Node agent (${r.agentFrom === 'dist' ? 'built' : 'from source'}) over ${r.runtime}, ` +
      `pod network. ${r.machine}`,
    '',
    mdTable(
      ['manifest to Running (ms)', 'p50', 'p90', 'p99', 'max'],
      [
        row(`1 pod (${r.rounds} rounds)`, r.single),
        row(`${r.burst} pods at once (per pod)`, r.burstPerPod),
      ],
    ),
    '',
    mdTable(
      ['agent memory (MiB)', ...r.memory.map((m) => `${m.pods} pods`)],
      [
        ['RSS', ...r.memory.map((m) => fmtMiB(m.rssBytes))],
        ['PSS', ...r.memory.map((m) => fmtMiB(m.pssBytes))],
      ],
    ),
    '',
    `All ${r.burst} pods Running after ${(r.burstAllRunningMs / 1000).toFixed(1)} s; agent CPU ` +
      `${r.burstCpuSec.toFixed(2)} s for that start, ${(r.idleCpuCores * 100).toFixed(1)}% of a ` +
      `core with ${r.burst} pods running.`,
    '',
  ].join('\n');
}
