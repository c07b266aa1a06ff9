import {
  closeSync,
  existsSync,
  type FSWatcher,
  constants as fsConstants,
  promises as fsp,
  openSync,
  readSync,
  watch,
} from 'node:fs';

/** A file watch started by {@link CgroupFileSystem.watch}. */
export interface CgroupFileWatch {
  /** Stop watching. */
  close(): void;
}

/**
 * The file operations a manager performs on a cgroup filesystem. The default,
 * {@link nodeCgroupFs}, talks to the kernel; a test can pass a fixture implementation that
 * lays out a cgroup2 tree in a temporary directory and imitates the kernel's side effects.
 * Implementations throw Node system errors (`err.code` = `ENOENT`, `EBUSY`...); the
 * managers map them to typed errors.
 */
export interface CgroupFileSystem {
  /** The whole content of a file. */
  readFile(path: string): Promise<string>;
  /** Write `data` in one write(2) call (the kernel parses each write on its own). */
  writeFile(path: string, data: string): Promise<void>;
  /** Create one directory (its parent exists); fails with EEXIST when it exists. */
  mkdir(path: string): Promise<void>;
  /** Remove one cgroup directory (the kernel removes its interface files with it). */
  rmdir(path: string): Promise<void>;
  /** The names of the subdirectories (child cgroups) of a directory. */
  listDirs(path: string): Promise<string[]>;
  /** The names of the regular files (interface files) of a directory. */
  listFiles(path: string): Promise<string[]>;
  /** Whether the path exists. */
  exists(path: string): Promise<boolean>;
  /** Call `onEvent` when the file is modified (`change`) or removed (`rename`), via inotify. */
  watch(path: string, onEvent: (kind: 'change' | 'rename') => void): CgroupFileWatch;
}

const READ_CHUNK = 64 * 1024;
let scratch: Buffer | undefined;

/**
 * Read a small kernel file with open/read/close on the calling thread. cgroup files are
 * generated from memory by the kernel; going through the libuv threadpool costs more than
 * the read itself (see the package's benchmark), so reads are synchronous under a promise
 * API.
 */
function readKernelFile(path: string): string {
  const fd = openSync(path, fsConstants.O_RDONLY);
  try {
    scratch ??= Buffer.allocUnsafe(READ_CHUNK);
    let total = 0;
    let buf = scratch;
    for (;;) {
      if (total === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    return buf.toString('utf8', 0, total);
  } finally {
    closeSync(fd);
  }
}

/** The real cgroup filesystem, through node:fs. */
export const nodeCgroupFs: CgroupFileSystem = {
  readFile: async (path) => readKernelFile(path),
  writeFile: (path, data) => fsp.writeFile(path, data, { flag: 'w' }),
  mkdir: (path) => fsp.mkdir(path),
  rmdir: (path) => fsp.rmdir(path),
  listDirs: async (path) =>
    (await fsp.readdir(path, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  listFiles: async (path) =>
    (await fsp.readdir(path, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name),
  // existsSync does not throw (an exception per missing cgroup was most of the cost of a
  // presence check, which looks in every hierarchy and every QoS class).
  exists: async (path) => existsSync(path),
  watch: (path, onEvent) => {
    const w: FSWatcher = watch(path, { persistent: true }, (kind) =>
      onEvent(kind === 'rename' ? 'rename' : 'change'),
    );
    // A watched cgroup file that disappears (rmdir) surfaces as 'rename'; errors mean the same.
    w.on('error', () => onEvent('rename'));
    return { close: () => w.close() };
  },
};
