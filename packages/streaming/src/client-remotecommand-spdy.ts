import type { Readable } from 'node:stream';
import type { RemoteCommandOptions, RemoteCommandSession } from './client-remotecommand-types.js';
import { connectSpdy } from './client-spdy.js';
import {
  protocolFeatures,
  SPDY_REMOTECOMMAND_PROTOCOLS,
  StreamType,
} from './remotecommand-protocol.js';
import { encodeTerminalSize } from './remotecommand-resize.js';
import { type CommandOutcome, decodeStatus } from './remotecommand-status.js';
import type { SpdyStream } from './spdy-stream.js';
import { ended, readAll } from './stream-util.js';

/** remotecommand over SPDY, as client-go's streamProtocolV1..V4 do it. */
export async function openSpdyRemoteCommand(
  url: string,
  opts: RemoteCommandOptions,
): Promise<RemoteCommandSession> {
  const tty = opts.tty ?? false;
  const want = {
    stdin: opts.stdin ?? false,
    stdout: opts.stdout ?? true,
    stderr: opts.stderr ?? !tty,
  };
  const { session, protocol } = await connectSpdy(
    url,
    opts.protocols ?? SPDY_REMOTECOMMAND_PROTOCOLS,
    opts,
  );
  const features = protocolFeatures(protocol);
  const open = (type: string) =>
    session.openStream({ streamType: type }, { timeoutMs: opts.timeoutMs ?? 30_000 });
  let streams: (SpdyStream | null)[];
  try {
    const error = await open(StreamType.ERROR);
    streams = [
      error,
      want.stdin ? await open(StreamType.STDIN) : null,
      want.stdout ? await open(StreamType.STDOUT) : null,
      want.stderr ? await open(StreamType.STDERR) : null,
      tty && features.resize ? await open(StreamType.RESIZE) : null,
    ];
  } catch (err) {
    session.destroy();
    throw err;
  }
  const [error, stdin, stdout, stderr, resize] = streams as [
    SpdyStream,
    SpdyStream | null,
    SpdyStream | null,
    SpdyStream | null,
    SpdyStream | null,
  ];
  if (resize && opts.initialSize) resize.write(encodeTerminalSize(opts.initialSize));

  const outputs = [stdout, stderr].filter((s): s is SpdyStream => s !== null);
  const done: Promise<CommandOutcome> = Promise.all([
    readAll(error),
    ...outputs.map((s) => ended(s)),
  ]).then(([status, ...ok]) => {
    session.close();
    if (!ok.every(Boolean) && status.length === 0) {
      return { exitCode: null, error: 'connection closed before the command finished' };
    }
    return decodeStatus(status, protocol);
  });
  return {
    transport: 'spdy',
    protocol,
    stdin,
    stdout: stdout as Readable | null,
    stderr: stderr as Readable | null,
    resize(size) {
      if (resize && !resize.writableEnded) resize.write(encodeTerminalSize(size));
    },
    done,
    close() {
      session.destroy();
    },
  };
}
