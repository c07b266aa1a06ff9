/**
 * @capstan/cri-log — the CRI container log format, for runtimes that write container logs
 * and for the node agents and tools that read them (`kubectl logs`, `crictl logs`).
 *
 * A CRI log file holds one line per piece of output:
 * `<RFC3339Nano timestamp> <stdout|stderr> <tags> <content>\n`, where `tags` is a
 * `:`-separated list whose first element is `P` (partial: the line goes on in the stream's
 * next piece) or `F` (full). Unknown extra tags (`F:x`) are tolerated, as the kubelet does.
 *
 * - Format: {@link parseCriLogLine}, {@link formatCriLogLines}, RFC3339Nano helpers.
 * - Writer: {@link CriLogEncoder} (stream bytes to lines, split on `\n` and on a maximum
 *   line size) and {@link CriLogFile} (append, reopen after rotation).
 * - Reader: {@link CriLogDecoder} (bytes to logical lines, one partial-line buffer per
 *   stream) and {@link readCriLog} (since, tail, stream, limitBytes, follow across rotation).
 * - Rotation: {@link rotateCriLog} (rename to `<path>.<stamp>`, reopen, keep maxFiles).
 *
 * Malformed lines are skipped by the readers and reported (`onMalformed` or a logger);
 * {@link parseCriLogLine} throws {@link MalformedLogLineError} for them.
 *
 * @packageDocumentation
 */

export {
  CriLogError,
  type CriLogErrorKind,
  InvalidLogOptionError,
  isInvalidArgument,
  isNotFound,
  LogFileNotFoundError,
  LogRotationError,
  MalformedLogLineError,
  type MalformedReason,
} from './errors.js';
export { CriLogDecoder, type CriLogDecoderOptions, type CriLogEntry } from './log-decoder.js';
export { CriLogEncoder, type CriLogEncoderOptions } from './log-encoder.js';
export { CriLogFile, type CriLogFileOptions, lastLogTime } from './log-file.js';
export {
  type CriLogMessage,
  type CriLogRecord,
  type CriLogStream,
  formatCriLogLines,
  parseCriLogLine,
  TAG_FULL,
  TAG_PARTIAL,
} from './log-line.js';
export { type ReadCriLogOptions, readCriLog, renderCriLogEntry } from './log-reader.js';
export {
  pruneRotatedCriLogs,
  type RotateCriLogOptions,
  type RotateCriLogResult,
  rotateCriLog,
  rotatedCriLogs,
  rotationStamp,
} from './log-rotation.js';
export {
  type EpochNanos,
  formatRfc3339Nano,
  monotonicWallClock,
  parseRfc3339Nano,
} from './log-time.js';
export type { CriLogLogger } from './logger.js';
