import { describe, expect, it } from 'vitest';
import {
  CapstanError,
  classify,
  ERROR_KINDS,
  errorOfKind,
  hasKind,
  isNotFound,
  isUnimplemented,
  kindOf,
  NotFoundError,
  UnimplementedError,
  withContext,
} from './index.js';

describe('errdefs', () => {
  it('every kind builds an error that carries it, named after its class', () => {
    for (const kind of ERROR_KINDS) {
      const e = errorOfKind(kind, `m-${kind}`);
      expect(e).toBeInstanceOf(CapstanError);
      expect(kindOf(e)).toBe(kind);
      expect(e.message).toBe(`m-${kind}`);
    }
    expect(errorOfKind('not-found', 'x')).toBeInstanceOf(NotFoundError);
    expect(new UnimplementedError('x').name).toBe('UnimplementedError');
  });

  it('checks go by the kind field, so a copy of the class from another package copy agrees', () => {
    class Foreign extends Error {
      readonly kind = 'not-found';
    }
    expect(isNotFound(new Foreign('gone'))).toBe(true);
    expect(isUnimplemented(new Foreign('gone'))).toBe(false);
    expect(kindOf({ kind: 'not-found' })).toBeUndefined(); // not an Error
    expect(kindOf(Object.assign(new Error('x'), { kind: 'nope' }))).toBeUndefined();
    expect(kindOf(null)).toBeUndefined();
    expect(hasKind(new NotFoundError('x'), 'not-found')).toBe(true);
  });

  it('classifies system errors by errno, aborts as cancelled, the rest as internal', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(classify(errno('ENOENT'))).toBe('not-found');
    expect(classify(errno('ENOSPC'))).toBe('resource-exhausted');
    expect(classify(errno('EACCES'))).toBe('permission-denied');
    expect(classify(errno('ECONNREFUSED'))).toBe('unavailable');
    expect(classify(errno('EWHATEVER'))).toBe('internal');
    const abort = new Error('stop');
    abort.name = 'AbortError';
    expect(classify(abort)).toBe('cancelled');
    expect(classify('a string')).toBe('internal');
    expect(classify(new NotFoundError('x'))).toBe('not-found');
  });

  it('withContext keeps the kind and the cause and names what failed', () => {
    const cause = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    const e = withContext(cause, 'read /x');
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toBe('read /x: no such file');
    expect(e.cause).toBe(cause);
  });
});
