// Small helpers of the main job: messages and waiting.

const tty = process.stdout.isTTY;

export const say = (msg: string): void => {
  process.stdout.write(`[demo] ${msg}\n`);
};

/** Polls `fn` every 500 ms until it returns something truthy; dots on a terminal. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let dots = 0;
  let last: unknown;
  while (Date.now() < end) {
    const v = await fn().catch((err: unknown) => {
      last = err;
      return undefined;
    });
    if (v) {
      if (tty && dots) process.stdout.write('\n');
      return v as T;
    }
    if (tty) process.stdout.write(dots++ === 0 ? `[demo]     waiting for ${what} .` : '.');
    await new Promise((r) => setTimeout(r, 500));
  }
  if (tty && dots) process.stdout.write('\n');
  const why = last instanceof Error ? ` (last error: ${last.message})` : '';
  throw new Error(`timed out waiting for ${what}${why}`);
}
