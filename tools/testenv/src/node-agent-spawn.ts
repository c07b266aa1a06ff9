import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { INSPECT_FLAG } from './node-inspector.js';

const APP = fileURLToPath(new URL('../../../apps/node-agent/', import.meta.url));

/**
 * Starts apps/node-agent (from source, through tsx) inside a network namespace, as on a
 * node where the agent shares the node's network: `nsenter` execs node in place, so the
 * child's PID is the agent's. Its stdout and stderr go to `outputFile`. With `inspect`,
 * node's inspector listens on a free port of the netns' loopback (its URL in the output:
 * inspectorUrlFrom).
 */
export function spawnNodeAgent(opts: {
  netnsPath: string;
  args: readonly string[];
  outputFile: string;
  inspect?: boolean;
}): ChildProcess {
  const fd = openSync(opts.outputFile, 'a');
  try {
    return spawn(
      'nsenter',
      [
        `--net=${opts.netnsPath}`,
        '--',
        process.execPath,
        ...(opts.inspect ? [INSPECT_FLAG] : []),
        '--conditions=source',
        '--import',
        'tsx',
        `${APP}src/main.ts`,
        ...opts.args,
      ],
      { cwd: APP, stdio: ['ignore', fd, fd] },
    );
  } finally {
    closeSync(fd);
  }
}
