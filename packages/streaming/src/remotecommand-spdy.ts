import type { Readable, Writable } from 'node:stream';
import { StreamingError, StreamingTimeoutError } from './errors.js';
import type { RemoteCommandConnection, StreamFlags } from './remotecommand-io.js';
import { protocolFeatures, StreamType } from './remotecommand-protocol.js';
import { ResizeQueue, TerminalSizeDecoder } from './remotecommand-resize.js';
import { encodeStatus, type KubeStatus } from './remotecommand-status.js';
import { RstStatus } from './spdy-frame.js';
import { headerValue } from './spdy-header-block.js';
import type { SpdySession } from './spdy-session.js';
import type { SpdyStream } from './spdy-stream.js';
import { endAndWait } from './stream-util.js';

/**
 * Server side of remotecommand over SPDY: waits until the client has opened every stream
 * the request needs (error, then stdin/stdout/stderr/resize as requested; resize only for
 * a TTY on v3+), replying to each, as the kubelet does. Rejects with a timeout if they do
 * not all arrive within `creationTimeoutMs`, or if the session closes first.
 */
export function acceptSpdyRemoteCommand(
  session: SpdySession,
  protocol: string,
  flags: StreamFlags,
  creationTimeoutMs: number,
): Promise<RemoteCommandConnection> {
  const features = protocolFeatures(protocol);
  const wanted = new Set<string>([StreamType.ERROR]);
  if (flags.stdin) wanted.add(StreamType.STDIN);
  if (flags.stdout) wanted.add(StreamType.STDOUT);
  if (flags.stderr) wanted.add(StreamType.STDERR);
  if (flags.tty && features.resize) wanted.add(StreamType.RESIZE);
  const got = new Map<string, SpdyStream>();
  const abort = new AbortController();

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      session.close();
      reject(
        new StreamingTimeoutError(
          `client opened ${got.size} of ${wanted.size} streams in ${creationTimeoutMs} ms`,
        ),
      );
    }, creationTimeoutMs);
    const onClose = () => {
      abort.abort();
      cleanup();
      reject(
        new StreamingError('connection closed before all streams were opened', {
          kind: 'unavailable',
        }),
      );
    };
    const onStream = (stream: SpdyStream) => {
      const type = headerValue(stream.headers, 'streamType') ?? '';
      if (got.has(type)) {
        stream.reset(RstStatus.PROTOCOL_ERROR);
        return;
      }
      stream.accept();
      if (!wanted.has(type)) return; // the kubelet logs and ignores unexpected types
      got.set(type, stream);
      if (got.size < wanted.size) return;
      cleanup();
      session.on('stream', (late: SpdyStream) => late.reset(RstStatus.REFUSED_STREAM));
      session.once('close', () => abort.abort());
      resolve(connection(session, protocol, got, abort));
    };
    const cleanup = () => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
    };
    session.on('stream', onStream);
    session.on('close', onClose);
  });
}

function connection(
  session: SpdySession,
  protocol: string,
  streams: Map<string, SpdyStream>,
  abort: AbortController,
): RemoteCommandConnection {
  const errorStream = streams.get(StreamType.ERROR)!;
  const resizeStream = streams.get(StreamType.RESIZE);
  let resize: ResizeQueue | undefined;
  if (resizeStream) {
    const queue = new ResizeQueue();
    const decoder = new TerminalSizeDecoder();
    resizeStream.on('data', (chunk: Buffer) => {
      for (const size of decoder.push(chunk)) queue.push(size);
    });
    resizeStream.on('close', () => queue.end());
    resizeStream.on('end', () => queue.end());
    abort.signal.addEventListener('abort', () => queue.end());
    resize = queue;
  }
  const stdout: Writable | undefined = streams.get(StreamType.STDOUT);
  const stderr: Writable | undefined = streams.get(StreamType.STDERR);
  const stdin: Readable | undefined = streams.get(StreamType.STDIN);
  return {
    protocol,
    ...(stdin ? { stdin } : {}),
    ...(stdout ? { stdout } : {}),
    ...(stderr ? { stderr } : {}),
    ...(resize ? { resize } : {}),
    signal: abort.signal,
    async writeStatus(status: KubeStatus) {
      const bytes = encodeStatus(status, protocol);
      if (bytes && !errorStream.destroyed) errorStream.write(bytes);
      await endAndWait(errorStream);
    },
    async finish() {
      await Promise.all([stdout && endAndWait(stdout), stderr && endAndWait(stderr)]);
      for (const s of streams.values()) if (!s.writableEnded) s.end();
      session.close();
    },
    abort() {
      session.destroy();
    },
  };
}
