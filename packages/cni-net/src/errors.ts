import { CapstanError } from '@capstan/errdefs';
import type { TeardownReport } from './teardown-report.js';

/**
 * What kind of failure an error is, in the vocabulary a CRI server maps to gRPC status
 * codes (`not-found` → NOT_FOUND, `deadline-exceeded` → DEADLINE_EXCEEDED, ...).
 */
export type CniErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'invalid-argument'
  | 'failed-precondition'
  | 'unavailable'
  | 'deadline-exceeded'
  | 'cancelled'
  | 'internal';

/** The base of every error this package throws. `kind` says how a caller should treat it. */
export class CniNetError extends CapstanError {
  declare readonly kind: CniErrorKind;
  constructor(kind: CniErrorKind, message: string, options?: ErrorOptions) {
    super(kind, message, options);
  }
}

/** A request was malformed: a bad container ID, interface name, netns name or CNI_ARGS key. */
export class InvalidRequestError extends CniNetError {
  constructor(message: string, options?: ErrorOptions) {
    super('invalid-argument', message, options);
  }
}

/** A network configuration file or document is malformed; `file` names it when known. */
export class ConfigError extends CniNetError {
  /** The file the configuration came from, when it came from a file. */
  readonly file: string | undefined;
  /** What is wrong, without the file name. */
  readonly problem: string;
  constructor(problem: string, file?: string, options?: ErrorOptions) {
    super('invalid-argument', file ? `${file}: ${problem}` : problem, options);
    this.file = file;
    this.problem = problem;
  }
}

/** No usable network configuration was found (yet) in the configuration directory. */
export class NoNetworkConfigError extends CniNetError {
  readonly dir: string;
  constructor(dir: string, detail?: string) {
    super(
      'failed-precondition',
      `no valid CNI network configuration in ${dir}${detail ? `: ${detail}` : ''}`,
    );
    this.dir = dir;
  }
}

/** A configuration asks for a CNI version this driver or an operation cannot use. */
export class IncompatibleVersionError extends CniNetError {
  readonly version: string;
  constructor(version: string, message: string) {
    super('failed-precondition', message);
    this.version = version;
  }
}

/** The plugin binary named by a configuration's `type` is not on any plugin path. */
export class PluginNotFoundError extends CniNetError {
  readonly plugin: string;
  readonly searched: readonly string[];
  constructor(plugin: string, searched: readonly string[]) {
    super(
      'failed-precondition',
      `CNI plugin "${plugin}" not found in ${searched.length ? searched.join(', ') : '(no plugin paths)'}`,
    );
    this.plugin = plugin;
    this.searched = searched;
  }
}

/** Names of the CNI spec's well-known error codes (SPEC.md, "Error"). */
export const CNI_ERROR_CODES: Readonly<Record<number, string>> = {
  0: 'unknown',
  1: 'incompatible CNI version',
  2: 'unsupported field in network configuration',
  3: 'container unknown or does not exist',
  4: 'invalid necessary environment variables',
  5: 'I/O failure',
  6: 'failed to decode content',
  7: 'invalid network config',
  8: 'invalid network namespace',
  11: 'try again later',
  50: 'plugin not available',
  51: 'plugin not available, existing containers may have limited connectivity',
  999: 'internal',
};

function kindForCniCode(code: number): CniErrorKind {
  switch (code) {
    case 3:
      return 'not-found';
    case 11:
    case 50:
    case 51:
      return 'unavailable';
    case 1:
      return 'failed-precondition';
    case 2:
    case 4:
    case 6:
    case 7:
    case 8:
      return 'invalid-argument';
    default:
      return 'internal';
  }
}

/** Which plugin call failed: the plugin type, the CNI command and the network. */
export interface PluginCall {
  plugin: string;
  command: string;
  network: string;
}

function where(call: PluginCall): string {
  return `plugin ${call.plugin} (${call.command}, network ${call.network})`;
}

/** A plugin answered with a CNI error object (`{"code", "msg", "details"}`). */
export class PluginError extends CniNetError {
  readonly plugin: string;
  readonly command: string;
  readonly network: string;
  /** The CNI error code: 1–99 are the spec's, 100 and up the plugin's own. */
  readonly code: number;
  /** The plugin's short message (`msg`). */
  readonly msg: string;
  /** The plugin's longer explanation (`details`), when it gave one. */
  readonly details: string | undefined;
  constructor(call: PluginCall, code: number, msg: string, details?: string) {
    const known = CNI_ERROR_CODES[code];
    super(
      kindForCniCode(code),
      `${where(call)} failed with CNI error ${code}${known ? ` (${known})` : ''}: ${msg}${details ? `: ${details}` : ''}`,
    );
    this.plugin = call.plugin;
    this.command = call.command;
    this.network = call.network;
    this.code = code;
    this.msg = msg;
    this.details = details;
  }
}

/** A plugin printed something that is neither a result nor a CNI error, or died without one. */
export class PluginOutputError extends CniNetError {
  readonly plugin: string;
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The start of what the plugin wrote to stdout and stderr (at most 4 KiB each). */
  readonly stdout: string;
  readonly stderr: string;
  constructor(
    call: PluginCall,
    problem: string,
    out: { exitCode: number | null; signal: string | null; stdout: string; stderr: string },
    options?: ErrorOptions,
  ) {
    const stderr = out.stderr.trim();
    super(
      'internal',
      `${where(call)}: ${problem}${stderr ? ` (stderr: ${stderr.slice(0, 200)})` : ''}`,
      options,
    );
    this.plugin = call.plugin;
    this.command = call.command;
    this.exitCode = out.exitCode;
    this.signal = out.signal;
    this.stdout = out.stdout.slice(0, 4096);
    this.stderr = out.stderr.slice(0, 4096);
  }
}

/** A plugin ran past the per-call timeout and was killed (its whole process group). */
export class PluginTimeoutError extends CniNetError {
  readonly plugin: string;
  readonly command: string;
  readonly timeoutMs: number;
  constructor(call: PluginCall, timeoutMs: number) {
    super(
      'deadline-exceeded',
      `${where(call)} did not finish within ${timeoutMs} ms and was killed`,
    );
    this.plugin = call.plugin;
    this.command = call.command;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired while a plugin ran; the plugin was killed. */
export class PluginCancelledError extends CniNetError {
  readonly plugin: string;
  readonly command: string;
  constructor(call: PluginCall, options?: ErrorOptions) {
    super('cancelled', `${where(call)} was cancelled and killed`, options);
    this.plugin = call.plugin;
    this.command = call.command;
  }
}

/** A named network namespace already exists. */
export class NetnsExistsError extends CniNetError {
  readonly path: string;
  constructor(path: string) {
    super('already-exists', `network namespace ${path} already exists`);
    this.path = path;
  }
}

/** A network namespace does not exist (or the path is not a namespace mount). */
export class NetnsNotFoundError extends CniNetError {
  readonly path: string;
  constructor(path: string, detail?: string) {
    super('not-found', `network namespace ${path} not found${detail ? `: ${detail}` : ''}`);
    this.path = path;
  }
}

/** A system tool (`unshare`, `umount`, `mount`) failed while managing a namespace. */
export class NetnsCommandError extends CniNetError {
  readonly command: readonly string[];
  readonly stderr: string;
  constructor(command: readonly string[], stderr: string, options?: ErrorOptions) {
    super('internal', `${command.join(' ')} failed: ${stderr.trim() || 'no output'}`, options);
    this.command = command;
    this.stderr = stderr;
  }
}

/** A result-cache entry exists but cannot be read back. */
export class CacheError extends CniNetError {
  readonly file: string;
  constructor(file: string, problem: string, options?: ErrorOptions) {
    super('internal', `CNI result cache ${file}: ${problem}`, options);
    this.file = file;
  }
}

/** Returns true when `e` is one of this package's errors. */
export const isCniNetError = (e: unknown): e is CniNetError => e instanceof CniNetError;
export { isAlreadyExists, isDeadlineExceeded, isNotFound, isUnavailable } from '@capstan/errdefs';

/** No cached ADD exists for a (network, container, interface) attachment that needs one. */
export class AttachmentNotFoundError extends CniNetError {
  constructor(network: string, containerId: string, ifName: string) {
    super(
      'not-found',
      `no cached attachment of container ${containerId} (${ifName}) to network ${network}`,
    );
  }
}

/** A non-forced teardown stopped at its first failure; `report` says what was done so far. */
export class TeardownError extends CniNetError {
  readonly report: TeardownReport;
  constructor(report: TeardownReport) {
    const first = report.failures[0];
    super(
      first && first.error instanceof CniNetError ? first.error.kind : 'internal',
      `teardown of ${report.containerId} stopped: ${first ? `${first.what}: ${first.error.message}` : 'unknown failure'}`,
      { cause: first?.error },
    );
    this.report = report;
  }
}
