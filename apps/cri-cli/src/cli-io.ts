/** Where a command writes: stdout for results, stderr for errors and debug lines. */
export interface Io {
  out(data: string | Uint8Array): void;
  err(data: string | Uint8Array): void;
}

/** The process's own streams. */
export const processIo: Io = {
  out: (data) => {
    process.stdout.write(data);
  },
  err: (data) => {
    process.stderr.write(data);
  },
};
