import { appendFileSync } from 'node:fs';

/** Cases per run (FUZZ_CASES, default 500) and the seed (FUZZ_SEED) of the fuzz tests. */
export const CASES = Number(process.env.FUZZ_CASES ?? 500);
export const SEED = Number(process.env.FUZZ_SEED ?? 20261207);

let last = Date.now();
/** FUZZ_LOG=<file>: one line per case (index, ms since the previous one, what was sent). */
export function progress(n: number, what: string): void {
  if (process.env.FUZZ_LOG)
    appendFileSync(process.env.FUZZ_LOG, `${n} ${Date.now() - last} ${what.slice(0, 160)}\n`);
  last = Date.now();
}
