import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@capstan/cri-api';

/** A new object ID: 64 lower-case hex characters, like containerd and Docker. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Finds the one ID in `ids` equal to `idOrPrefix` or starting with it (crictl and the kubelet
 * may pass truncated IDs). Undefined when none matches; INVALID_ARGUMENT when several do, or
 * when the ID is empty: an empty ID is a malformed request, not an unknown object (without
 * this, StopPodSandbox or RemoveContainer with no ID at all would "succeed" idempotently).
 */
export function matchId(
  ids: Iterable<string>,
  idOrPrefix: string,
  kind: string,
): string | undefined {
  if (idOrPrefix === '') throw new InvalidArgumentError(`${kind} ID is empty`);
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
