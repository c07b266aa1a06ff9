import { type ClientConnectOptions, upgradeRequest } from './client-connect.js';
import { StreamingError } from './errors.js';
import { Header, parseProtocolList } from './remotecommand-protocol.js';
import { SpdySession } from './spdy-session.js';
import type { StreamingLogger } from './streaming-logger.js';

/** A client SPDY session and the protocol the server chose. */
export interface SpdyConnection {
  session: SpdySession;
  protocol: string;
}

/**
 * Upgrades `url` to SPDY/3.1 offering `protocols` (X-Stream-Protocol-Version, most preferred
 * first), as client-go's SPDY round tripper does, and starts a client session.
 */
export async function connectSpdy(
  url: string,
  protocols: readonly string[],
  opts: ClientConnectOptions & { logger?: StreamingLogger } = {},
): Promise<SpdyConnection> {
  const { socket, head, headers } = await upgradeRequest(url, {
    ...opts,
    method: 'POST',
    upgradeHeaders: { Upgrade: 'SPDY/3.1', [Header.PROTOCOL_VERSION]: [...protocols] },
  });
  const chosen = parseProtocolList(headers['x-stream-protocol-version'])[0] ?? '';
  if (protocols.length > 0 && chosen !== '' && !protocols.includes(chosen)) {
    socket.destroy();
    throw new StreamingError(`server chose protocol ${chosen}, which was not offered`);
  }
  const session = new SpdySession(socket, {
    role: 'client',
    head,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return { session, protocol: chosen };
}
