// Waiting for the node to converge: the leak audit again and again until it passes.
import { type Audit, LEAK_KINDS, type LeakKind } from './audit.js';

/** Audits every 500 ms until the node converged or `timeoutMs` passed; the last audit. */
export async function converge(
  check: () => Promise<Audit>,
  timeoutMs: number,
): Promise<{ ms: number; audit: Audit }> {
  const t0 = Date.now();
  let audit: Audit | undefined;
  while (Date.now() - t0 < timeoutMs) {
    audit = await check().catch(
      (err: unknown): Audit => ({
        converged: false,
        problems: [`audit failed: ${(err as Error).message}`],
        leaks: Object.fromEntries(LEAK_KINDS.map((k) => [k, 0])) as Record<LeakKind, number>,
        notRunning: [],
      }),
    );
    if (audit.converged) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { ms: Date.now() - t0, audit: audit as Audit };
}
