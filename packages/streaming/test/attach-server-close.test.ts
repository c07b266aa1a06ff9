import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openRemoteCommand } from '../src/index.js';
import {
  encodeData,
  encodeGoAway,
  encodeRstStream,
  encodeSynReply,
  FrameDecoder,
  RstStatus,
} from '../src/spdy-frame.js';
import { HeaderCompressor } from '../src/spdy-header-block.js';
import { readAll } from '../src/stream-util.js';

// How containerd 1.6's stream server (the kubelet's remotecommand code over Go's
// spdystream) ends `attach -i` to a stdin_once container, as captured on the wire: stdout
// and stderr FIN when the container exits, the Success Status on the error stream (no FIN),
// RST_STREAM CANCEL on the error and stdin streams, GOAWAY, then close(2) at once. It sends
// no SETTINGS and no WINDOW_UPDATE: spdystream does no flow control. A client that writes
// anything after that close (a WINDOW_UPDATE for output it consumed) is answered with a
// TCP RST: the server's kernel drops what it had not sent yet, the client's next write
// fails with EPIPE, and Node destroys the socket with the frames it had not read. A client
// that read the output late on a loaded machine lost the FINs and the Status that way
// ("connection closed before the command finished", exit 1, the output complete). Here
// the client is late on purpose: its socket is paused while the server sends and closes.

const STATUS = Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
/** More than one socket read (64 KiB), in 32 KiB DATA frames as the kubelet's copy makes them. */
const OUTPUT = Buffer.alloc(256 * 1024, 'got:line\n');
const outputFrames = () => {
  const frames: Buffer[] = [];
  for (let at = 0; at < OUTPUT.length; at += 32 * 1024) {
    frames.push(encodeData(5, OUTPUT.subarray(at, at + 32 * 1024), false));
  }
  return frames;
};

/**
 * A containerd-like attach endpoint, written frame by frame as Go's spdystream does it: no
 * SETTINGS, no WINDOW_UPDATE, a SYN_REPLY per stream. `finish()` ends it as containerd does.
 */
async function containerdLikeAttach() {
  let peer: Duplex | undefined;
  let stdinEnded!: () => void;
  const stdinDone = new Promise<void>((r) => {
    stdinEnded = r;
  });
  const compressor = new HeaderCompressor();
  const server: Server = createServer();
  server.on('upgrade', (_req, socket: Duplex, head: Buffer) => {
    peer = socket;
    socket.on('error', () => {});
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
        'X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n',
    );
    const decoder = new FrameDecoder();
    let replies = Promise.resolve();
    const onBytes = (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === 'syn_stream') {
          const id = f.streamId;
          replies = replies
            .then(() => compressor.compress({}))
            .then((block) => void socket.write(encodeSynReply(id, block)));
        }
        if (f.type === 'data' && f.streamId === 3 && f.fin) stdinEnded();
      }
    };
    socket.on('data', onBytes);
    onBytes(head);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/attach/token`,
    stdinDone,
    /** The output, stdout/stderr FIN, Status, RST_STREAM on error and stdin, GOAWAY, close. */
    async finish() {
      const socket = peer!;
      const bytes = Buffer.concat([
        ...outputFrames(),
        encodeData(5, Buffer.alloc(0), true),
        encodeData(7, Buffer.alloc(0), true),
        encodeData(1, STATUS, false),
        encodeRstStream(1, RstStatus.CANCEL),
        encodeRstStream(3, RstStatus.CANCEL),
        encodeGoAway(7, 0),
      ]);
      // Handed to the kernel, then close(2) as Go's conn.Close(); the kernel keeps sending.
      await new Promise((r) => socket.write(bytes, r));
      socket.destroy();
      await once(socket, 'close');
    },
    close: () =>
      new Promise<void>((r) => {
        compressor.close();
        server.close(() => r());
      }),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('attach -i to a stdin_once container that exits at the end of its input', () => {
  it('gets all the output and the Status when the server closed the connection before the client read them', async () => {
    const ctd = await containerdLikeAttach();
    cleanups.push(ctd.close);
    let socket!: Socket;
    const session = await openRemoteCommand(ctd.url, {
      stdin: true,
      protocols: ['v4.channel.k8s.io'],
      createConnection: () => {
        socket = connect(Number(new URL(ctd.url).port), '127.0.0.1');
        return socket;
      },
    });
    cleanups.push(() => session.close());
    const [stdout, stderr] = [readAll(session.stdout!), readAll(session.stderr!)];
    session.stdin!.end('one\ntwo\n');
    await ctd.stdinDone;
    // The client loses the CPU: what containerd sends now waits in the kernel, unread,
    // while the container prints its output and exits and containerd closes the connection.
    socket.pause();
    await ctd.finish();
    // The client runs again and reads it all.
    socket.resume();
    expect(await session.done).toEqual({
      exitCode: 0,
      status: { metadata: {}, status: 'Success' },
    });
    expect((await stdout).equals(OUTPUT)).toBe(true);
    expect((await stderr).toString()).toBe('');
  });
});
