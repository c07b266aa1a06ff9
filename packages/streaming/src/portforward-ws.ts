import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { PortForwardTarget } from './portforward-spdy.js';
import { protocolFeatures } from './remotecommand-protocol.js';
import type { StreamingLogger } from './streaming-logger.js';
import type { StreamingRuntime } from './streaming-runtime.js';
import { WsChannelConn } from './ws-channel-conn.js';

/** The two-byte little-endian port prefix the server sends first on both channels of a port. */
export function encodePortPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}

/**
 * Server side of port-forward over WebSocket (`v4.channel.k8s.io` framing): port i gets
 * data channel 2i and error channel 2i+1, each opened with the port as two little-endian
 * bytes. One connection per port; the socket closes once every port's forward has ended.
 * Resolves then.
 */
export async function servePortForwardWs(
  ws: WebSocket,
  protocol: string,
  target: PortForwardTarget,
  runtime: StreamingRuntime,
  logger: StreamingLogger,
): Promise<void> {
  const features = protocolFeatures(protocol);
  const conn = new WsChannelConn(ws, {
    encoding: features.base64 ? 'base64' : 'binary',
    closeSignal: false,
    readChannels: target.ports.map((_, i) => i * 2),
    logger,
  });
  await Promise.all(
    target.ports.map(async (port, i) => {
      const dataChannel = i * 2;
      const errorChannel = dataChannel + 1;
      await Promise.all([
        conn.send(dataChannel, encodePortPrefix(port)),
        conn.send(errorChannel, encodePortPrefix(port)),
      ]);
      const stream = Duplex.from({
        readable: conn.readable(dataChannel),
        writable: conn.writable(dataChannel),
      });
      stream.on('error', () => {});
      try {
        await runtime.portForward(target.podSandboxId, port, stream, conn.signal);
      } catch (err) {
        const message = `error forwarding port ${port} to pod ${target.podSandboxId}: ${(err as Error).message}`;
        logger.debug?.({ port, err: (err as Error).message }, 'port-forward failed');
        await conn.send(errorChannel, Buffer.from(message));
      }
    }),
  );
  conn.close(1000);
  await conn.closed;
}
