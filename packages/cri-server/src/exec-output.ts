import { readdirSync, readFileSync } from 'node:fs';

// What every runtime's ExecSync needs: output capped per stream, and the exec'd process
// tree to kill when the timeout passes.

/** Per stream: stdout and stderr together stay under the kubelet's 16 MiB message limit. */
export const EXEC_OUTPUT_CAP = 4 * 1024 * 1024;

/** Appends to a buffer list up to a cap; what goes past it is dropped (and counted). */
export class CappedSink {
  readonly chunks: Buffer[] = [];
  size = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(b: Buffer) {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.dropped += b.length;
      return;
    }
    const part = b.length > room ? b.subarray(0, room) : b;
    this.dropped += b.length - part.length;
    this.chunks.push(part);
    this.size += part.length;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The PID and every descendant (from /proc), so a timed-out `sh -c` takes its children along. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}
