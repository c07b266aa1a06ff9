// Load: concurrent CRI clients calling the read RPCs a kubelet and its tools call most
// (List*, Status, stats) in a loop, each call timed; any error counts.
import type { CriClient } from '@capstan/cri-api';

export interface LoadReport {
  clients: number;
  seconds: number;
  calls: number;
  /** Errors, known upstream runtime bugs excluded (those are in `upstreamErrors`). */
  errors: number;
  /**
   * Errors of a known bug of the runtime under test, not of the campaign or of Capstan:
   * containerd 1.6 fails the whole ListPodSandboxStats while any sandbox is being created
   * or torn down ("failed to decode sandbox container metrics ... not found", "... sandbox
   * container ... is not in ready state").
   */
  upstreamErrors: number;
  firstErrors: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const CALLS: [string, (c: CriClient) => Promise<unknown>][] = [
  ['ListPodSandbox', (c) => c.runtime.listPodSandbox({})],
  ['ListContainers', (c) => c.runtime.listContainers({})],
  ['Status', (c) => c.runtime.status({ verbose: false })],
  ['ListContainerStats', (c) => c.runtime.listContainerStats({})],
  ['ListPodSandboxStats', (c) => c.runtime.listPodSandboxStats({})],
  ['ListImages', (c) => c.image.listImages({})],
  ['ImageFsInfo', (c) => c.image.imageFsInfo({})],
];

const KNOWN_UPSTREAM =
  /failed to decode sandbox container metrics for sandbox .*(not found|is not in ready state)/;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Runs `clients` loops over every read RPC for `seconds` on one connection each. */
export async function runLoad(
  connect: () => Promise<CriClient>,
  clients: number,
  seconds: number,
): Promise<LoadReport> {
  const conns = await Promise.all(Array.from({ length: clients }, connect));
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let upstreamErrors = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    conns.map(async (c, k) => {
      for (let i = k; Date.now() < end; i++) {
        const [name, call] = CALLS[i % CALLS.length] as (typeof CALLS)[number];
        const t0 = performance.now();
        try {
          await call(c);
          latencies.push(performance.now() - t0);
        } catch (err) {
          const message = (err as Error).message;
          if (name === 'ListPodSandboxStats' && KNOWN_UPSTREAM.test(message)) {
            upstreamErrors++;
            continue;
          }
          errors++;
          if (firstErrors.length < 5) firstErrors.push(`${name}: ${message}`);
        }
      }
    }),
  );
  for (const c of conns) c.close();
  latencies.sort((a, b) => a - b);
  return {
    clients,
    seconds,
    calls: latencies.length + errors + upstreamErrors,
    errors,
    upstreamErrors,
    firstErrors,
    p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
    maxMs: Math.round((latencies.at(-1) ?? 0) * 10) / 10,
  };
}
