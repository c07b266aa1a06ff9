import { ERROR_KINDS, InternalError, NotFoundError, PermissionDeniedError } from '@capstan/errdefs';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  fromServiceError,
  grpcStatusName,
  grpcStatusOf,
  kindOfGrpcStatus,
  toServiceError,
} from './errors.js';

describe('kinds <-> gRPC status', () => {
  it('maps every kind to a distinct status and back', () => {
    const codes = new Set(ERROR_KINDS.map(grpcStatusOf));
    expect(codes.size).toBe(ERROR_KINDS.length);
    expect(codes.has(status.OK)).toBe(false);
    for (const kind of ERROR_KINDS) expect(kindOfGrpcStatus(grpcStatusOf(kind))).toBe(kind);
    expect(kindOfGrpcStatus(999 as status)).toBe('unknown');
    expect(grpcStatusName('not-found')).toBe('NotFound');
    expect(grpcStatusName('deadline-exceeded')).toBe('DeadlineExceeded');
  });

  it('answers with the kind of any package error, INTERNAL for the untyped', () => {
    class CgroupLike extends Error {
      readonly kind = 'permission-denied';
    }
    expect(toServiceError(new CgroupLike('no')).code).toBe(status.PERMISSION_DENIED);
    expect(toServiceError(new NotFoundError('x')).code).toBe(status.NOT_FOUND);
    const errno = Object.assign(new Error('ENOENT: gone'), { code: 'ENOENT' });
    expect(toServiceError(errno).code).toBe(status.INTERNAL);
    // A full disk or an exhausted fd table is the node's resource, not the runtime's bug.
    for (const code of ['ENOSPC', 'EDQUOT', 'EMFILE']) {
      const full = Object.assign(new Error(`${code}: no room, mkdir '/x'`), { code });
      expect(toServiceError(full)).toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
        details: `${code}: no room, mkdir '/x'`,
      });
    }
    const abort = Object.assign(new Error('stop'), { name: 'AbortError' });
    expect(toServiceError(abort).code).toBe(status.CANCELLED);
  });

  it('types what a client received, naming method and endpoint', () => {
    const wire = Object.assign(new Error('x'), { code: status.PERMISSION_DENIED, details: 'nope' });
    const e = fromServiceError(wire, 'RunPodSandbox', 'unix:///x.sock');
    expect(e).toBeInstanceOf(PermissionDeniedError);
    expect(e.message).toBe('RunPodSandbox on unix:///x.sock: nope');
    expect(e.cause).toBe(wire);
    expect(fromServiceError('weird', 'M', 'e')).toBeInstanceOf(InternalError);
  });
});
