import { CliContext } from './cli-context.js';
import { formatError, ReportedFailure } from './cli-errors.js';
import type { Io } from './cli-io.js';
import { type GlobalFlags, resolveConfig } from './config/cli-config.js';

/** What each command gets: output streams and, on first use, the resolved config and clients. */
export class Session {
  private ctx: Promise<CliContext> | undefined;

  constructor(
    readonly io: Io,
    private readonly flags: () => GlobalFlags,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  context(): Promise<CliContext> {
    this.ctx ??= resolveConfig(this.flags(), this.env).then((c) => new CliContext(c, this.io));
    return this.ctx;
  }

  async close(): Promise<void> {
    const ctx = await this.ctx?.catch(() => undefined);
    await ctx?.close();
  }
}

/**
 * Runs `fn` for each argument, printing each failure as its own `capstan-cri:` line and
 * going on with the rest, like crictl; fails the command at the end if any failed.
 */
export async function forEachArg(
  io: Io,
  args: readonly string[],
  fn: (arg: string) => Promise<void>,
): Promise<void> {
  let failed = false;
  for (const arg of args) {
    try {
      await fn(arg);
    } catch (err) {
      failed = true;
      io.err(`${formatError(err)}\n`);
    }
  }
  if (failed) throw new ReportedFailure(1);
}
