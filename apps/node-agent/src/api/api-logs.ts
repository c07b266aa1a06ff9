import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRfc3339Nano } from '@capstan/cri-log';
import type { LogOptions } from '../pod/pod-manager.js';
import type { Pod } from '../pod/types.js';
import type { ApiContext } from './api-context.js';
import type { Query } from './api-http.js';
import { ApiStatusError, badRequest, methodNotAllowed, notFound } from './api-status.js';

/**
 * The container a pods/log, exec or attach request means: the `container` parameter, or
 * the pod's only container. 400 like the API server's when it is ambiguous or unknown.
 */
export function containerOf(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata.name;
  const main = pod.spec.containers.map((c) => c.name);
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  const ephemeral = ((pod.spec.ephemeralContainers as { name: string }[] | undefined) ?? []).map(
    (c) => c.name,
  );
  if (requested === undefined || requested === '') {
    if (main.length === 1) return main[0] as string;
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]` +
        (init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : ''),
    );
  }
  if (![...main, ...init, ...ephemeral].includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

/** How long a follow request waits for a first line before sending headers anyway. */
const FOLLOW_HEADER_DELAY_MS = 100;

/**
 * GET pods/{name}/log: the container's log as chunked text/plain, line by line from the
 * manager, followed until the manager's stream ends or the client goes away. Errors the
 * manager raises at once (unknown container, no previous instance) are sent as a Status.
 */
export async function handleLogs(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
  query: Query,
): Promise<void> {
  if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'pods/log');
  const pod = ctx.manager.get(namespace, name);
  if (!pod) throw notFound('pods', name);
  const container = containerOf(pod, query.string('container'));
  const follow = query.bool('follow');
  const tailLines = query.int('tailLines', 0);
  const limitBytes = query.int('limitBytes', 1);
  const sinceSeconds = query.int('sinceSeconds', 1);
  const sinceText = query.string('sinceTime');
  let sinceTime: bigint | undefined;
  if (sinceText !== undefined && sinceText !== '') {
    if (sinceSeconds !== undefined) {
      throw new ApiStatusError(
        422,
        'Invalid',
        'at most one of `sinceTime` or `sinceSeconds` may be specified',
      );
    }
    // Kept to the nanosecond, as the API server hands it to the kubelet.
    sinceTime = parseRfc3339Nano(sinceText);
    if (sinceTime === undefined)
      throw badRequest(`sinceTime: "${sinceText}" is not an RFC 3339 time`);
  }
  const abort = new AbortController();
  const opts: LogOptions = {
    container,
    follow,
    timestamps: query.bool('timestamps'),
    previous: query.bool('previous'),
    signal: abort.signal,
    ...(tailLines === undefined ? {} : { tailLines }),
    ...(limitBytes === undefined ? {} : { limitBytes }),
    ...(sinceSeconds === undefined ? {} : { sinceSeconds }),
    ...(sinceTime === undefined ? {} : { sinceTime }),
  };
  const lines = ctx.manager.logs(namespace, name, opts)[Symbol.asyncIterator]();
  let firstNext: Promise<IteratorResult<string>> | undefined = lines.next();
  let first: IteratorResult<string> | undefined;
  try {
    if (follow) {
      let timer: NodeJS.Timeout | undefined;
      first = await Promise.race([
        firstNext,
        new Promise<undefined>((r) => {
          timer = setTimeout(() => r(undefined), FOLLOW_HEADER_DELAY_MS);
        }),
      ]);
      clearTimeout(timer);
    } else {
      first = await firstNext;
    }
  } catch (err) {
    abort.abort();
    throw err;
  }
  if (first !== undefined) firstNext = undefined;
  else firstNext?.catch(() => {});

  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  ctx.streams.add(res);
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
  res.once('close', () => abort.abort());
  let remaining = limitBytes ?? Number.POSITIVE_INFINITY;
  try {
    let next = first ?? (await firstNext);
    while (next && !next.done && !res.destroyed) {
      const line = next.value.endsWith('\n') ? next.value : `${next.value}\n`;
      let buf = Buffer.from(line);
      if (buf.length > remaining) buf = buf.subarray(0, remaining);
      remaining -= buf.length;
      if (!res.write(buf)) await Promise.race([once(res, 'drain'), closed]);
      if (remaining <= 0) break;
      next = await lines.next();
    }
  } catch (err) {
    if (!abort.signal.aborted) {
      ctx.logger.warn(
        { namespace, name, container, err: (err as Error).message },
        'pod log stream failed',
      );
      // A chunked response cut short tells the client the log did not end cleanly.
      res.destroy();
      return;
    }
  } finally {
    abort.abort();
    await lines.return?.().catch(() => {});
    ctx.streams.delete(res);
  }
  res.end();
}
