import { CapstanError, type ErrorKind } from '@capstan/errdefs';

/**
 * The base of every error this package throws on purpose. Each subclass names the key it is
 * about; those that concern a file also name its path.
 */
export class CheckpointError extends CapstanError {
  /** The checkpoint key the operation was about. */
  readonly key: string;
  /** An error of `kind` about `key`; `options.cause` keeps the underlying error. */
  constructor(kind: ErrorKind, key: string, message: string, options?: ErrorOptions) {
    super(kind, message, options);
    this.key = key;
  }
}

/**
 * `get(key)` found no checkpoint under `key` (the kubelet's `ErrCheckpointNotFound`).
 * `get` never returns `undefined`: an absent key is always this error.
 */
export class CheckpointNotFoundError extends CheckpointError {
  /** The file that does not exist. */
  readonly path: string;
  /** `key` has no file at `path`. */
  constructor(key: string, path: string, options?: ErrorOptions) {
    super('not-found', key, `checkpoint ${JSON.stringify(key)} not found at ${path}`, options);
    this.path = path;
  }
}

/**
 * Why a checkpoint file could not be read back:
 * - `empty`: the file has no bytes.
 * - `not-a-checkpoint`: no checkpoint header (a foreign file, or a damaged header).
 * - `unsupported-format`: a checkpoint header of a format version this package does not know.
 * - `truncated`: fewer payload bytes than the header declares.
 * - `length-mismatch`: more payload bytes than the header declares.
 * - `checksum-mismatch`: the sha256 in the header does not match the header and payload.
 * - `codec-mismatch`: written by another codec than the store's.
 * - `future-version`: a schema version newer than the store's.
 * - `no-migration`: an older schema version, and the store has no `migrate` hook.
 * - `undecodable`: the checksum matches but the codec cannot decode the payload.
 * - `migration-failed`: the store's `migrate` hook threw.
 * - `not-a-file`: the key names a directory or another non-regular file.
 */
export type CorruptReason =
  | 'empty'
  | 'not-a-checkpoint'
  | 'unsupported-format'
  | 'truncated'
  | 'length-mismatch'
  | 'checksum-mismatch'
  | 'codec-mismatch'
  | 'future-version'
  | 'no-migration'
  | 'undecodable'
  | 'migration-failed'
  | 'not-a-file';

/**
 * The file under a key exists but is not a readable checkpoint for this store: damaged,
 * truncated, foreign, of an unknown version, or undecodable. Never a silent empty value.
 */
export class CorruptCheckpointError extends CheckpointError {
  /** The file that could not be read back. */
  readonly path: string;
  /** What exactly is wrong with it. */
  readonly reason: CorruptReason;
  /** The file at `path` for `key` is corrupt for `reason`; `detail` says how, with values. */
  constructor(
    key: string,
    path: string,
    reason: CorruptReason,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      'data-loss',
      key,
      `corrupt checkpoint ${JSON.stringify(key)} at ${path}: ${detail}`,
      options,
    );
    this.path = path;
    this.reason = reason;
  }
}

/** A key that cannot name a checkpoint file (see {@link validateKey} for the rules). */
export class InvalidKeyError extends CheckpointError {
  /** `key` breaks `rule` (a phrase such as "contains a path separator"). */
  constructor(key: string, rule: string) {
    super('invalid-argument', key, `invalid checkpoint key ${JSON.stringify(key)}: ${rule}`);
  }
}

/** The codec could not encode a value given to `put` or returned by an `update` function. */
export class InvalidValueError extends CheckpointError {
  /** The value for `key` could not be encoded, as `message` says. */
  constructor(key: string, message: string, options?: ErrorOptions) {
    super('invalid-argument', key, message, options);
  }
}

/** `update`, `put` or `remove` waited longer than `lockTimeoutMs` for the key's lock. */
export class LockTimeoutError extends CheckpointError {
  /** The lock directory that stayed held. */
  readonly path: string;
  /** The PID recorded by the holder, when it could be read. */
  readonly holderPid: number | undefined;
  /** The lock at `path` for `key` stayed held by `holderPid` for `timeoutMs`. */
  constructor(key: string, path: string, timeoutMs: number, holderPid: number | undefined) {
    const holder = holderPid === undefined ? '' : ` by pid ${holderPid}`;
    super(
      'deadline-exceeded',
      key,
      `lock ${path} for checkpoint ${JSON.stringify(key)} held${holder} for ${timeoutMs} ms`,
    );
    this.path = path;
    this.holderPid = holderPid;
  }
}

/** True when `err` is a {@link CheckpointNotFoundError}. */
export function isCheckpointNotFound(err: unknown): err is CheckpointNotFoundError {
  return err instanceof CheckpointNotFoundError;
}

/** True when `err` is a {@link CorruptCheckpointError}. */
export function isCorruptCheckpoint(err: unknown): err is CorruptCheckpointError {
  return err instanceof CorruptCheckpointError;
}
