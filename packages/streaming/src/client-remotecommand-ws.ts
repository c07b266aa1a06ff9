import { connectWebSocket } from './client-connect.js';
import type { RemoteCommandOptions, RemoteCommandSession } from './client-remotecommand-types.js';
import { Channel, protocolFeatures, RemoteCommandProtocol } from './remotecommand-protocol.js';
import { encodeTerminalSize } from './remotecommand-resize.js';
import { type CommandOutcome, decodeStatus } from './remotecommand-status.js';
import { ended, readAll } from './stream-util.js';
import { WsChannelConn } from './ws-channel-conn.js';

/** Protocols offered over WebSocket by default: v5 (kubectl's), then v4 (older kubelets, containerd). */
export const DEFAULT_WS_CLIENT_PROTOCOLS: readonly string[] = [
  RemoteCommandProtocol.V5,
  RemoteCommandProtocol.V4,
];

/** remotecommand over WebSocket, as client-go's wsStreamExecutor does it. */
export async function openWsRemoteCommand(
  url: string,
  opts: RemoteCommandOptions,
): Promise<RemoteCommandSession> {
  const tty = opts.tty ?? false;
  const want = {
    stdin: opts.stdin ?? false,
    stdout: opts.stdout ?? true,
    stderr: opts.stderr ?? !tty,
  };
  const { ws, takeEarlyMessages } = await connectWebSocket(
    url,
    opts.protocols ?? DEFAULT_WS_CLIENT_PROTOCOLS,
    opts,
  );
  const protocol = ws.protocol;
  const features = protocolFeatures(protocol);
  const conn = new WsChannelConn(ws, {
    encoding: features.base64 ? 'base64' : 'binary',
    closeSignal: features.closeSignal,
    readChannels: [Channel.STDOUT, Channel.STDERR, Channel.ERROR],
    earlyMessages: takeEarlyMessages(),
  });
  const stdout = conn.readable(Channel.STDOUT);
  const stderr = conn.readable(Channel.STDERR);
  if (!want.stdout) stdout.resume();
  if (!want.stderr) stderr.resume();
  const stdin = want.stdin ? conn.writable(Channel.STDIN, { closeSignalOnEnd: true }) : null;
  if (tty && opts.initialSize) void conn.send(Channel.RESIZE, encodeTerminalSize(opts.initialSize));

  const outputs = [want.stdout ? stdout : null, want.stderr ? stderr : null].filter(
    (s) => s !== null,
  );
  const done: Promise<CommandOutcome> = Promise.all([
    readAll(conn.readable(Channel.ERROR)),
    conn.closed,
    ...outputs.map((s) => ended(s)),
  ]).then(([status, close]) => {
    if (status.length === 0 && close.code !== 1000) {
      return {
        exitCode: null,
        error: `connection closed (code ${close.code}) before the command finished`,
      };
    }
    return decodeStatus(status, protocol);
  });
  return {
    transport: 'websocket',
    protocol,
    stdin,
    stdout: want.stdout ? stdout : null,
    stderr: want.stderr ? stderr : null,
    resize(size) {
      if (tty && features.resize) void conn.send(Channel.RESIZE, encodeTerminalSize(size));
    },
    done,
    close() {
      conn.terminate();
    },
  };
}
