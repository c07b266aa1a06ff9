/**
 * @capstan/checkpoint — durable keyed state for container runtimes and node agents, after the
 * kubelet's checkpoint manager and dockershim's sandbox checkpoints.
 *
 * - {@link openCheckpointStore}: one directory, one file per key; `put`, `get`, `list`,
 *   `remove`, `update` (read-modify-write under a cross-process lock) and `sweep`.
 * - Every file carries a header with its codec, schema version, length and a sha256; a file
 *   that does not read back is a {@link CorruptCheckpointError} naming key and path, and
 *   `list()` reports such keys beside the good ones.
 * - Writes are atomic and durable (temporary file, fsync, rename, fsync of the directory).
 * - Values go through a {@link CheckpointCodec} ({@link jsonCodec} by default), with a schema
 *   version and a `migrate` hook for older files.
 *
 * @packageDocumentation
 */

export { type CheckpointCodec, jsonCodec } from './checkpoint-codec.js';
export {
  CheckpointError,
  CheckpointNotFoundError,
  CorruptCheckpointError,
  type CorruptReason,
  InvalidKeyError,
  InvalidValueError,
  isCheckpointNotFound,
  isCorruptCheckpoint,
  LockTimeoutError,
} from './checkpoint-errors.js';
export { isValidKey, MAX_KEY_BYTES, validateKey } from './checkpoint-key.js';
export type { CheckpointLogger } from './checkpoint-logger.js';
export {
  type CheckpointListing,
  type CheckpointStore,
  type CheckpointStoreOptions,
  openCheckpointStore,
} from './checkpoint-store.js';
export type { SweepResult } from './store-sweep.js';
