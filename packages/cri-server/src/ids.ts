import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@capstan/cri-api';

/** A new object ID: 64 lower-case hex characters, like containerd and Docker. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Finds the one ID in `ids` equal to `idOrPrefix` or starting with it (crictl and the kubelet
 * may pass truncated IDs). Undefined when none matches; an error when several do.
 */
export function matchId(
  ids: Iterable<string>,
  idOrPrefix: string,
  kind: string,
): string | undefined {
  if (idOrPrefix === '') return undefined;
  let found: string | undefined;
  for (const id of ids) {
    if (id === idOrPrefix) return id;
    if (id.startsWith(idOrPrefix)) {
      if (found) throw new InvalidArgumentError(`${kind} ID prefix ${idOrPrefix} is ambiguous`);
      found = id;
    }
  }
  return found;
}

/** Like matchId, but NOT_FOUND when nothing matches. */
export function requireId(ids: Iterable<string>, idOrPrefix: string, kind: string): string {
  const id = matchId(ids, idOrPrefix, kind);
  if (!id) throw new NotFoundError(`${kind} ${JSON.stringify(idOrPrefix)} not found`);
  return id;
}
