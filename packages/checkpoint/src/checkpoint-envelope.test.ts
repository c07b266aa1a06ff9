import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, isEnvelopeProblem } from './checkpoint-envelope.js';

const payloads = fc.uint8Array({ maxLength: 300 });
const codecs = fc.constantFrom('json', 'cbor', 'x.y+z-1');
const versions = fc.integer({ min: 1, max: 2 ** 40 });

describe('checkpoint envelope', () => {
  it('round-trips any payload, codec name and version', () => {
    fc.assert(
      fc.property(payloads, codecs, versions, (payload, codec, version) => {
        const decoded = decodeEnvelope(encodeEnvelope(codec, version, payload));
        expect(decoded).toEqual({ codec, version, payload: Buffer.from(payload) });
      }),
    );
  });

  it('detects any single changed byte, header or payload', () => {
    fc.assert(
      fc.property(
        payloads,
        codecs,
        versions,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (payload, codec, version, at, mask) => {
          const bytes = encodeEnvelope(codec, version, payload);
          const i = at % bytes.length;
          bytes[i] = (bytes[i] ?? 0) ^ mask;
          expect(isEnvelopeProblem(decodeEnvelope(bytes))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('detects every truncation and every appended byte', () => {
    const bytes = encodeEnvelope('json', 3, Buffer.from('{"a":[1,2,3]}'));
    for (let len = 0; len < bytes.length; len++) {
      const r = decodeEnvelope(bytes.subarray(0, len));
      expect(isEnvelopeProblem(r) && r.reason).toBe(len === 0 ? 'empty' : 'truncated');
    }
    const longer = decodeEnvelope(Buffer.concat([bytes, Buffer.from('\n')]));
    expect(isEnvelopeProblem(longer) && longer.reason).toBe('length-mismatch');
  });

  it('rejects foreign content as not-a-checkpoint', () => {
    for (const text of ['{"a":1}\n', 'hello', 'capstan-checkpoint/1 json 01 2 sha256:00\n{}']) {
      const r = decodeEnvelope(Buffer.from(text));
      expect(isEnvelopeProblem(r) && r.reason).toBe('not-a-checkpoint');
    }
    const binary = decodeEnvelope(Buffer.alloc(1000, 0xff));
    expect(isEnvelopeProblem(binary) && binary.reason).toBe('not-a-checkpoint');
  });
});
