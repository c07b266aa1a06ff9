import { createRequire } from 'node:module';
import { UnavailableError } from './errors.js';

// Linux x86_64/arm64 constants (asm-generic values).
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLLIN = 0x1;
/** `struct epoll_event` is packed on x86_64: u32 events + u64 data = 12 bytes. */
const EVENT_SIZE = 12;
const MAX_EVENTS = 64;

interface Libc {
  eventfd(initval: number, flags: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, ev: Buffer | null): number;
  epoll_wait: ((epfd: number, out: Buffer, max: number, timeout: number) => number) & {
    async(
      epfd: number,
      out: Buffer,
      max: number,
      timeout: number,
      cb: (err: unknown, n: number) => void,
    ): void;
  };
  read(fd: number, buf: Buffer, n: number): number;
  write(fd: number, buf: Buffer, n: number): number;
  close(fd: number): number;
  errno(): number;
}

let libc: Libc | undefined;

/** Load the libc functions once, on first use (importing the package loads no native code). */
function loadLibc(): Libc {
  if (libc) return libc;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    let lib: ReturnType<typeof koffi.load> | undefined;
    for (const name of ['libc.so.6', 'libc.so']) {
      try {
        lib = koffi.load(name);
        break;
      } catch {
        // try the next name (musl ships libc.so)
      }
    }
    if (!lib) throw new Error('libc not found');
    libc = {
      eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
      epoll_create1: lib.func('int epoll_create1(int flags)'),
      epoll_ctl: lib.func('int epoll_ctl(int epfd, int op, int fd, void *ev)'),
      epoll_wait: lib.func(
        'int epoll_wait(int epfd, void *events, int maxevents, int timeout)',
      ) as Libc['epoll_wait'],
      read: lib.func('long read(int fd, void *buf, unsigned long count)'),
      write: lib.func('long write(int fd, void *buf, unsigned long count)'),
      close: lib.func('int close(int fd)'),
      errno: () => koffi.errno(),
    };
    return libc;
  } catch (err) {
    throw new UnavailableError(
      'cannot load libc through koffi for eventfd/epoll (cgroup v1 memory events)',
      { cause: err },
    );
  }
}

/** Create a non-blocking, close-on-exec eventfd. */
export function createEventFd(): number {
  const c = loadLibc();
  const fd = c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw new UnavailableError(`eventfd() failed (errno ${c.errno()})`);
  return fd;
}

/** Read (and so reset) an eventfd counter; 0 when nothing was signalled. */
export function drainEventFd(fd: number): bigint {
  const buf = Buffer.alloc(8);
  return loadLibc().read(fd, buf, 8) === 8 ? buf.readBigUInt64LE(0) : 0n;
}

/** Close a file descriptor made here. */
export function closeFd(fd: number): void {
  loadLibc().close(fd);
}

/**
 * One epoll set for every eventfd of the process, waited on with koffi's asynchronous call:
 * the wait runs on a worker thread, the event loop stays free, and the callback runs on
 * the main thread when an eventfd is written. No per-cgroup thread, no polling. While at
 * least one fd is registered one libuv threadpool thread is parked in `epoll_wait`; with
 * none registered the loop stops and nothing keeps the process alive.
 */
export class EpollLoop {
  static #shared: EpollLoop | undefined;
  readonly #c: Libc;
  readonly #epfd: number;
  readonly #wakeFd: number;
  readonly #handlers = new Map<number, () => void>();
  readonly #out = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);
  #waiting = false;

  /** The process-wide loop. */
  static shared(): EpollLoop {
    EpollLoop.#shared ??= new EpollLoop();
    return EpollLoop.#shared;
  }

  private constructor() {
    this.#c = loadLibc();
    this.#epfd = this.#c.epoll_create1(EPOLL_CLOEXEC);
    if (this.#epfd < 0)
      throw new UnavailableError(`epoll_create1() failed (errno ${this.#c.errno()})`);
    this.#wakeFd = createEventFd();
    this.#ctl(EPOLL_CTL_ADD, this.#wakeFd);
  }

  /** Number of registered fds (besides the internal wake-up fd). */
  get size(): number {
    return this.#handlers.size;
  }

  #ctl(op: number, fd: number): void {
    const ev = Buffer.alloc(EVENT_SIZE);
    ev.writeUInt32LE(EPOLLIN, 0);
    ev.writeBigUInt64LE(BigInt(fd), 4);
    if (this.#c.epoll_ctl(this.#epfd, op, fd, ev) !== 0 && op === EPOLL_CTL_ADD) {
      throw new UnavailableError(`epoll_ctl(ADD, ${fd}) failed (errno ${this.#c.errno()})`);
    }
  }

  /** Call `onReadable` (on the main thread) each time `fd` becomes readable. */
  add(fd: number, onReadable: () => void): void {
    this.#handlers.set(fd, onReadable);
    this.#ctl(EPOLL_CTL_ADD, fd);
    this.#arm();
  }

  /** Stop watching `fd` (the caller closes it). */
  remove(fd: number): void {
    if (!this.#handlers.delete(fd)) return;
    this.#ctl(EPOLL_CTL_DEL, fd);
    if (this.#handlers.size === 0 && this.#waiting) {
      // Wake the parked epoll_wait so the loop can stop and release its thread.
      const one = Buffer.alloc(8);
      one.writeBigUInt64LE(1n, 0);
      this.#c.write(this.#wakeFd, one, 8);
    }
  }

  #arm(): void {
    if (this.#waiting || this.#handlers.size === 0) return;
    this.#waiting = true;
    this.#c.epoll_wait.async(this.#epfd, this.#out, MAX_EVENTS, -1, (err, n) => {
      this.#waiting = false;
      if (err || n < 0) {
        // EINTR and the like: try again shortly rather than spin.
        setTimeout(() => this.#arm(), 50);
        return;
      }
      for (let i = 0; i < n; i++) {
        const fd = Number(this.#out.readBigUInt64LE(i * EVENT_SIZE + 4));
        if (fd === this.#wakeFd) {
          drainEventFd(fd);
          continue;
        }
        try {
          this.#handlers.get(fd)?.();
        } catch {
          // A handler reports its own failures through its watcher; the loop carries on.
        }
      }
      this.#arm();
    });
  }
}
