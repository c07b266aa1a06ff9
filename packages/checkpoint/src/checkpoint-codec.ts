/**
 * Turns values into payload bytes and back. The store wraps each payload in a checksummed
 * header, so a codec only deals with its own bytes.
 *
 * @typeParam T - the values the store holds.
 */
export interface CheckpointCodec<T> {
  /**
   * Written into every file's header; a file written by a codec of another name is reported
   * as corrupt (`codec-mismatch`). 1 to 32 characters of `a-z 0-9 . _ + -`, starting with a
   * letter or digit.
   */
  readonly name: string;
  /** The payload for `value`. Throws when the value cannot be encoded. */
  encode(value: T): Uint8Array;
  /**
   * The value in `payload`. Throws when the payload is not valid for this codec. The result
   * is `unknown`: a current-version value is trusted as written (its checksum matched), an
   * older one goes through the store's `migrate` hook.
   */
  decode(payload: Uint8Array): unknown;
}

/** Codec names are written into a one-line header; keep them short and plain. */
export const CODEC_NAME = /^[a-z0-9][a-z0-9._+-]{0,31}$/;

/**
 * The default codec: UTF-8 JSON text. Values follow `JSON.stringify` semantics (`-0` becomes
 * `0`, `undefined` object members are dropped, `Date`s become strings); a value that has no
 * JSON text at all (`undefined`, a function, a `bigint`, a cycle) makes `encode` throw.
 */
export const jsonCodec: CheckpointCodec<unknown> = {
  name: 'json',
  encode(value) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} has no JSON representation`);
    return Buffer.from(text, 'utf8');
  },
  decode(payload) {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  },
};
