import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { RemoteCommandConnection, StreamFlags } from './remotecommand-io.js';
import { Channel, protocolFeatures } from './remotecommand-protocol.js';
import { ResizeQueue, TerminalSizeDecoder } from './remotecommand-resize.js';
import { encodeStatus, type KubeStatus } from './remotecommand-status.js';
import { endAndWait } from './stream-util.js';
import type { StreamingLogger } from './streaming-logger.js';
import { WsChannelConn } from './ws-channel-conn.js';

/**
 * Server side of remotecommand over WebSocket (`channel.k8s.io` family): channel 0 stdin,
 * 1 stdout, 2 stderr, 3 error, 4 resize. As the kubelet does, an empty message on the
 * lowest output channel tells the client the session is up; v5's CLOSE signal on channel 0
 * ends stdin. The session ends by closing the socket with 1000 after the Status.
 */
export function acceptWsRemoteCommand(
  ws: WebSocket,
  protocol: string,
  flags: StreamFlags,
  logger?: StreamingLogger,
): RemoteCommandConnection {
  const features = protocolFeatures(protocol);
  const readChannels: number[] = [Channel.RESIZE];
  if (flags.stdin) readChannels.push(Channel.STDIN);
  const conn = new WsChannelConn(ws, {
    encoding: features.base64 ? 'base64' : 'binary',
    closeSignal: features.closeSignal,
    readChannels,
    ...(logger ? { logger } : {}),
  });
  const stdout: Writable | undefined = flags.stdout ? conn.writable(Channel.STDOUT) : undefined;
  const stderr: Writable | undefined = flags.stderr ? conn.writable(Channel.STDERR) : undefined;
  void conn.send(
    flags.stdout ? Channel.STDOUT : flags.stderr ? Channel.STDERR : Channel.ERROR,
    Buffer.alloc(0),
  );

  let resize: ResizeQueue | undefined;
  if (flags.tty) {
    const queue = new ResizeQueue();
    const decoder = new TerminalSizeDecoder();
    const channel = conn.readable(Channel.RESIZE);
    channel.on('data', (chunk: Buffer) => {
      for (const size of decoder.push(chunk)) queue.push(size);
    });
    channel.on('end', () => queue.end());
    conn.signal.addEventListener('abort', () => queue.end());
    resize = queue;
  } else {
    conn.readable(Channel.RESIZE).resume(); // drained and ignored
  }
  const stdin = flags.stdin ? conn.readable(Channel.STDIN) : undefined;
  return {
    protocol,
    ...(stdin ? { stdin } : {}),
    ...(stdout ? { stdout } : {}),
    ...(stderr ? { stderr } : {}),
    ...(resize ? { resize } : {}),
    signal: conn.signal,
    async writeStatus(status: KubeStatus) {
      const bytes = encodeStatus(status, protocol);
      if (bytes) await conn.send(Channel.ERROR, bytes);
    },
    async finish() {
      await Promise.all([stdout && endAndWait(stdout), stderr && endAndWait(stderr)]);
      conn.close(1000);
    },
    abort() {
      conn.terminate();
    },
  };
}
