import { InvalidKeyError } from './checkpoint-errors.js';

/**
 * The longest key, in UTF-8 bytes. A key is used as the file name as it is, and Linux file
 * names stop at 255 bytes.
 */
export const MAX_KEY_BYTES = 250;

// C0 controls and DEL: legal in Linux file names, but a trap for every tool that lists them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// A lone surrogate would be written as U+FFFD and read back as another key.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why `key` cannot be a checkpoint key, or `undefined` when it can. */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string') return 'not a string';
  if (key.length === 0) return 'empty';
  if (key.includes('\0')) return 'contains NUL';
  if (key.includes('/') || key.includes('\\')) return 'contains a path separator';
  if (key.startsWith('.')) return 'starts with "." (reserved for temporary and lock files)';
  if (CONTROL.test(key)) return 'contains a control character';
  if (LONE_SURROGATE.test(key)) return 'is not well-formed Unicode (lone surrogate)';
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `is ${bytes} bytes long, more than ${MAX_KEY_BYTES}`;
  return undefined;
}

/**
 * Throws {@link InvalidKeyError} unless `key` can name a checkpoint. A key is a non-empty,
 * well-formed Unicode string of at most {@link MAX_KEY_BYTES} UTF-8 bytes, with no `/`, `\`,
 * NUL or other control character, that does not start with `.` (so `.` and `..` are out, and
 * keys never collide with the store's own temporary and lock files). The key is the file
 * name, so it can never reach outside the store's directory.
 */
export function validateKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new InvalidKeyError(String(key), problem);
}

/** True when `key` can name a checkpoint (see {@link validateKey}). */
export function isValidKey(key: string): boolean {
  return keyProblem(key) === undefined;
}
