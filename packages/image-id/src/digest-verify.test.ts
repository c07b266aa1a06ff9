import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { digestOf } from './digest-compute.js';
import { DigestVerifier, verifyStream } from './digest-verify.js';
import {
  DigestMismatchError,
  ImageIdError,
  InvalidDigestError,
  SizeMismatchError,
} from './errors.js';

const chunks = ['hello ', 'layer ', 'bytes'].map((s) => Buffer.from(s));
const content = Buffer.concat(chunks);
const good = digestOf(content);

function sink() {
  const got: Buffer[] = [];
  const writable = new Writable({
    write(chunk: Buffer, _enc, done) {
      got.push(chunk);
      done();
    },
  });
  return { writable, got };
}

describe('DigestVerifier', () => {
  it('passes every byte through and records digest and size', async () => {
    const verifier = new DigestVerifier(good, { size: content.length });
    const out = sink();
    await pipeline(Readable.from(chunks), verifier, out.writable);
    expect(Buffer.concat(out.got)).toEqual(content);
    expect(verifier.actual).toBe(good);
    expect(verifier.bytes).toBe(content.length);
  });

  it('fails the pipeline at the end with DigestMismatchError', async () => {
    const wrong = digestOf('something else');
    const verifier = new DigestVerifier(wrong);
    const err = await pipeline(Readable.from(chunks), verifier, sink().writable).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as DigestMismatchError).actual).toBe(good);
    expect(verifier.actual).toBe(good);
  });

  it('fails as soon as the content runs over the expected size', async () => {
    const verifier = new DigestVerifier(good, { size: 8 });
    const out = sink();
    const err = await pipeline(Readable.from(chunks), verifier, out.writable).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect((err as SizeMismatchError).actual).toBe(12); // detected on the second chunk
    expect(Buffer.concat(out.got).toString()).toBe('hello ');
  });

  it('fails at the end when the content is short', async () => {
    const err = await pipeline(
      Readable.from(chunks),
      new DigestVerifier(good, { size: content.length + 1 }),
      sink().writable,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err).toMatchObject({ expected: content.length + 1, actual: content.length });
  });

  it('supports sha512 and empty content', async () => {
    const verifier = new DigestVerifier(digestOf('', 'sha512'), { size: 0 });
    await pipeline(Readable.from([]), verifier, sink().writable);
    expect(verifier.actual).toBe(digestOf('', 'sha512'));
  });

  it('refuses a bad expected digest or size up front', () => {
    expect(() => new DigestVerifier('sha256:nope')).toThrow(InvalidDigestError);
    expect(() => new DigestVerifier(good, { size: -1 })).toThrow(ImageIdError);
    expect(() => new DigestVerifier(good, { size: 1.5 })).toThrow(ImageIdError);
  });
});

describe('verifyStream', () => {
  it('reads to the end and returns digest and size', async () => {
    expect(await verifyStream(Readable.from(chunks), good, { size: 17 })).toEqual({
      digest: good,
      size: 17,
    });
    expect(await verifyStream(Readable.from(['hello layer bytes']), good)).toEqual({
      digest: good,
      size: 17,
    });
  });

  it('rejects with typed errors', async () => {
    await expect(verifyStream(Readable.from(chunks), digestOf('x'))).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    await expect(verifyStream(Readable.from(chunks), good, { size: 3 })).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    await expect(verifyStream(Readable.from(chunks), good, { size: 30 })).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    await expect(verifyStream(Readable.from(chunks), 'sha1:00')).rejects.toBeInstanceOf(
      InvalidDigestError,
    );
  });

  it('stops reading the source on overrun', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024);
      }
    }
    await expect(verifyStream(endless(), good, { size: 4096 })).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    expect(pulled).toBe(5);
  });
});
