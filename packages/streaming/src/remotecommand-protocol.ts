/**
 * Kubernetes streaming protocol constants (k8s.io/apimachinery util/remotecommand,
 * util/httpstream, api/core/v1) and subprotocol negotiation.
 */

/** remotecommand subprotocol versions, for SPDY (X-Stream-Protocol-Version) and WebSocket. */
export const RemoteCommandProtocol = {
  /** The first version; known stdin/error-stream bugs, no resize. */
  V1: 'channel.k8s.io',
  /** Fixes v1; no resize. */
  V2: 'v2.channel.k8s.io',
  /** Adds the resize stream. */
  V3: 'v3.channel.k8s.io',
  /** Adds the JSON Status with the exit code on the error stream. */
  V4: 'v4.channel.k8s.io',
  /** Adds the WebSocket CLOSE signal (channel 255) for half-closing stdin. */
  V5: 'v5.channel.k8s.io',
} as const;

/** WebSocket variants that base64-encode each message after a channel digit. */
export const Base64Protocol = {
  V1: 'base64.channel.k8s.io',
  V4: 'v4.base64.channel.k8s.io',
} as const;

/** The port-forward SPDY subprotocol. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** WebSocket subprotocol prefix of SPDY tunnelled through WebSocket (kubectl >= 1.30 port-forward). */
export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';

/** remotecommand versions the server speaks over SPDY (v5 behaves as v4 there). */
export const SPDY_REMOTECOMMAND_PROTOCOLS: readonly string[] = [
  RemoteCommandProtocol.V5,
  RemoteCommandProtocol.V4,
  RemoteCommandProtocol.V3,
  RemoteCommandProtocol.V2,
  RemoteCommandProtocol.V1,
];

/** remotecommand subprotocols the server speaks over WebSocket. */
export const WS_REMOTECOMMAND_PROTOCOLS: readonly string[] = [
  RemoteCommandProtocol.V5,
  RemoteCommandProtocol.V4,
  Base64Protocol.V4,
  RemoteCommandProtocol.V1,
  Base64Protocol.V1,
];

/** port-forward subprotocols the server speaks over WebSocket. */
export const WS_PORT_FORWARD_PROTOCOLS: readonly string[] = [
  RemoteCommandProtocol.V4,
  Base64Protocol.V4,
  SPDY_TUNNEL_PREFIX + PORT_FORWARD_PROTOCOL,
];

/** SPDY stream types (header `streamType`). */
export const StreamType = {
  STDIN: 'stdin',
  STDOUT: 'stdout',
  STDERR: 'stderr',
  ERROR: 'error',
  RESIZE: 'resize',
  DATA: 'data',
} as const;

/** WebSocket channel numbers of remotecommand (the first three are the POSIX fds). */
export const Channel = { STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4, CLOSE: 255 } as const;

/** Header names. SPDY sends names lowercase; these are the canonical spellings. */
export const Header = {
  STREAM_TYPE: 'streamType',
  PORT: 'port',
  REQUEST_ID: 'requestID',
  PROTOCOL_VERSION: 'X-Stream-Protocol-Version',
  ACCEPTED_PROTOCOL_VERSIONS: 'X-Accepted-Stream-Protocol-Versions',
} as const;

/** What a negotiated remotecommand protocol can do. */
export interface ProtocolFeatures {
  /** 1..5 */
  version: number;
  /** A resize stream/channel exists (v3+). */
  resize: boolean;
  /** The error stream carries a JSON Status with the exit code (v4+). */
  jsonStatus: boolean;
  /** WebSocket: the client may half-close channels with [255, channel] (v5). */
  closeSignal: boolean;
  /** WebSocket: messages are a channel digit plus base64 text. */
  base64: boolean;
}

/** Features of a remotecommand protocol name ('' means the unversioned v1). */
export function protocolFeatures(protocol: string): ProtocolFeatures {
  const version =
    protocol === RemoteCommandProtocol.V5
      ? 5
      : protocol === RemoteCommandProtocol.V4 || protocol === Base64Protocol.V4
        ? 4
        : protocol === RemoteCommandProtocol.V3
          ? 3
          : protocol === RemoteCommandProtocol.V2
            ? 2
            : 1;
  return {
    version,
    resize: version >= 3,
    jsonStatus: version >= 4,
    closeSignal: version >= 5,
    base64: protocol === Base64Protocol.V1 || protocol === Base64Protocol.V4,
  };
}

/** The protocols of a comma-separated, possibly repeated header, in order. */
export function parseProtocolList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const values = typeof value === 'string' ? [value] : value;
  return values
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** The first protocol the client offered that the server supports (client preference wins). */
export function negotiateProtocol(
  offered: readonly string[],
  supported: readonly string[],
): string | undefined {
  return offered.find((p) => supported.includes(p));
}
