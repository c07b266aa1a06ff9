import { createHash } from 'node:crypto';
import type { CorruptReason } from './checkpoint-errors.js';

// A checkpoint file is one ASCII header line and the payload:
//
//   capstan-checkpoint/1 <codec> <schema version> <payload bytes> sha256:<64 hex>\n<payload>
//
// The sha256 covers everything before "sha256:" and the payload, so a changed codec name,
// version or length is caught as surely as a changed payload byte. Every field has exactly
// one spelling (no leading zeros, lower-case hex, single spaces), so any single changed byte
// makes the header either unparseable or inconsistent with its checksum.

/** The first bytes of every checkpoint file, before the format version. */
const FORMAT_MAGIC = 'capstan-checkpoint/';
/** The envelope format this package writes and reads. */
const FORMAT_VERSION = 1;
const MAX_HEADER_BYTES = 256;
const HEADER =
  /^capstan-checkpoint\/1 ([a-z0-9][a-z0-9._+-]{0,31}) ([1-9][0-9]{0,14}) (0|[1-9][0-9]{0,14}) sha256:([0-9a-f]{64})$/;

/** A well-formed, checksummed checkpoint file, taken apart. */
export interface Envelope {
  codec: string;
  version: number;
  payload: Uint8Array;
}

/** Why bytes are not a well-formed checkpoint file. */
export interface EnvelopeProblem {
  reason: CorruptReason;
  detail: string;
}

function digest(prefix: string, payload: Uint8Array): string {
  return createHash('sha256').update(prefix, 'latin1').update(payload).digest('hex');
}

/** The bytes of a checkpoint file holding `payload`. */
export function encodeEnvelope(codec: string, version: number, payload: Uint8Array): Buffer {
  const prefix = `${FORMAT_MAGIC}${FORMAT_VERSION} ${codec} ${version} ${payload.byteLength} `;
  const header = `${prefix}sha256:${digest(prefix, payload)}\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), payload]);
}

function isPrefixOfMagic(bytes: Buffer): boolean {
  const n = Math.min(bytes.length, FORMAT_MAGIC.length);
  return bytes.subarray(0, n).toString('latin1') === FORMAT_MAGIC.slice(0, n);
}

/** Takes a checkpoint file apart and checks its checksum; a problem otherwise. */
export function decodeEnvelope(bytes: Buffer): Envelope | EnvelopeProblem {
  if (bytes.length === 0) return { reason: 'empty', detail: 'file is empty' };
  const newline = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(0x0a);
  if (newline < 0) {
    if (bytes.length < MAX_HEADER_BYTES && isPrefixOfMagic(bytes)) {
      return { reason: 'truncated', detail: `header cut short after ${bytes.length} bytes` };
    }
    return { reason: 'not-a-checkpoint', detail: 'no checkpoint header line' };
  }
  const line = bytes.subarray(0, newline).toString('latin1');
  const m = HEADER.exec(line);
  if (!m) {
    const format = /^capstan-checkpoint\/([0-9]+) /.exec(line);
    if (format && format[1] !== String(FORMAT_VERSION)) {
      return { reason: 'unsupported-format', detail: `envelope format ${format[1]} is unknown` };
    }
    return { reason: 'not-a-checkpoint', detail: `malformed header ${JSON.stringify(line)}` };
  }
  const [, codec, version, length, sum] = m as unknown as [string, string, string, string, string];
  const payload = bytes.subarray(newline + 1);
  const declared = Number(length);
  if (payload.length < declared) {
    return {
      reason: 'truncated',
      detail: `payload is ${payload.length} bytes, header declares ${declared}`,
    };
  }
  if (payload.length > declared) {
    return {
      reason: 'length-mismatch',
      detail: `payload is ${payload.length} bytes, header declares ${declared}`,
    };
  }
  const prefix = line.slice(0, line.length - 'sha256:'.length - 64);
  const actual = digest(prefix, payload);
  if (actual !== sum) {
    return { reason: 'checksum-mismatch', detail: `sha256 is ${actual}, header says ${sum}` };
  }
  return { codec, version: Number(version), payload };
}

/** Narrows a {@link decodeEnvelope} result to the problem case. */
export function isEnvelopeProblem(r: Envelope | EnvelopeProblem): r is EnvelopeProblem {
  return 'reason' in r;
}
