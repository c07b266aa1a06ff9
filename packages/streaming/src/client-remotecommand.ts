import { Readable } from 'node:stream';
import { openSpdyRemoteCommand } from './client-remotecommand-spdy.js';
import type { RemoteCommandOptions, RemoteCommandSession } from './client-remotecommand-types.js';
import { openWsRemoteCommand } from './client-remotecommand-ws.js';
import type { CommandOutcome } from './remotecommand-status.js';
import { readAll } from './stream-util.js';

/**
 * Opens an Exec or Attach URL as kubectl does and returns its streams: write to `stdin`,
 * read `stdout`/`stderr`, await `done` for the exit code.
 */
export function openRemoteCommand(
  url: string,
  opts: RemoteCommandOptions = {},
): Promise<RemoteCommandSession> {
  return opts.transport === 'websocket'
    ? openWsRemoteCommand(url, opts)
    : openSpdyRemoteCommand(url, opts);
}

/** Options of {@link runRemoteCommand}. */
export interface RunRemoteCommandOptions extends Omit<RemoteCommandOptions, 'stdin'> {
  /** Input to send, then close (opens stdin when given). */
  stdin?: string | Buffer | Readable;
}

/** What {@link runRemoteCommand} collected. */
export interface RemoteCommandResult extends CommandOutcome {
  transport: 'spdy' | 'websocket';
  protocol: string;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs an Exec/Attach URL to completion: sends `stdin`, collects the output and the outcome. */
export async function runRemoteCommand(
  url: string,
  opts: RunRemoteCommandOptions = {},
): Promise<RemoteCommandResult> {
  const { stdin: input, ...rest } = opts;
  const session = await openRemoteCommand(url, { ...rest, stdin: input !== undefined });
  const out = session.stdout ? readAll(session.stdout) : Promise.resolve(Buffer.alloc(0));
  const err = session.stderr ? readAll(session.stderr) : Promise.resolve(Buffer.alloc(0));
  if (session.stdin && input !== undefined) {
    const source =
      typeof input === 'string' || Buffer.isBuffer(input)
        ? Readable.from([Buffer.from(input)])
        : input;
    source.pipe(session.stdin);
  }
  const [outcome, stdout, stderr] = await Promise.all([session.done, out, err]);
  return { ...outcome, transport: session.transport, protocol: session.protocol, stdout, stderr };
}
