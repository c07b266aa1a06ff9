/**
 * V8 settings for a small resident set, applied by re-executing the agent (same PID,
 * `process.execve`) when Node was started without them:
 * - `--max-semi-space-size=1` and `--optimize-for-size`: Node's defaults size the heap for
 *   throughput (16 MiB semi-spaces, an old generation let grow well past the live data),
 *   so a burst of pod syncs left ~90 MiB of V8 pages resident for ~25 MiB of live objects.
 * - `--lite-mode`: no optimizing compiler and no feedback vectors until needed; the agent
 *   waits on I/O, not on JavaScript. Measured at 100 pods (tools/bench-agent.sh): RSS
 *   95.5 -> 79.1 MiB, the 100-pod start 11.8 -> 11.3 s, its CPU 1.32 -> 1.42 s, idle CPU
 *   the same (2.4% / 2.3% of a core).
 * `CAPSTAN_AGENT_V8_FLAGS` replaces the list ('' keeps Node's defaults).
 */
export const AGENT_V8_FLAGS = ['--optimize-for-size', '--max-semi-space-size=1', '--lite-mode'];

const REEXEC_MARK = 'CAPSTAN_AGENT_REEXECED';

export function applyHeapFlags(): void {
  const env = process.env.CAPSTAN_AGENT_V8_FLAGS;
  const flags = env === undefined ? AGENT_V8_FLAGS : env.split(/\s+/).filter(Boolean);
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (process.env[REEXEC_MARK]) {
    // The re-executed agent: once is enough (a Node that drops a flag cannot loop), and the
    // processes it starts do not see the mark.
    delete process.env[REEXEC_MARK];
    return;
  }
  const missing = flags.filter((f) => !given.includes(f));
  if (missing.length === 0 || typeof process.execve !== 'function') return;
  process.env[REEXEC_MARK] = '1';
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}
