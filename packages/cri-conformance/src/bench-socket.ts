import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseEndpoint } from '@capstan/cri-api';
import { type MemorySample, processMemory, summarize } from './bench-memory.js';

/**
 * The fallback when no stack cgroup is given: the process listening on the runtime's unix
 * socket, that process's descendants, and every process whose command line names the
 * socket (containerd's shims re-parent to init but carry `-address <socket>`), without
 * the shims' own children (the containers). It misses whatever a runtime reaches over
 * another socket (a shim's dockerd, Docker's containerd and shims), so figures from it are
 * not comparable across runtimes: give each endpoint its stack's cgroup instead.
 * [] when the endpoint is not a local unix socket.
 */
export function socketProcesses(endpoint: string): number[] {
  const ep = parseEndpoint(endpoint);
  if (ep.kind !== 'unix') return [];
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const info = new Map<number, { ppid: number; cmdline: string; sockets: Set<string> }>();
  for (const pid of procs) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1] ?? 0);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      info.set(pid, { ppid, cmdline, sockets: socketInodes(pid) });
    } catch {
      // The process ended while we looked.
    }
  }
  const listenInodes = unixListenInodes(ep.path, [...info.keys()]);
  const roots = [...info].filter(
    ([, p]) => [...p.sockets].some((i) => listenInodes.has(i)) || p.cmdline.includes(ep.path),
  );
  const counted = new Set<number>();
  const daemonPids = new Set(roots.map(([pid]) => pid));
  for (const [pid] of roots) counted.add(pid);
  // Descendants of a daemon are its helpers and count; descendants of a shim are the
  // containers themselves and do not.
  const isShim = (pid: number) => /shim/.test(info.get(pid)?.cmdline ?? '');
  for (const [pid, p] of info) {
    let a = p.ppid;
    while (a > 1 && !daemonPids.has(a)) a = info.get(a)?.ppid ?? 0;
    if (a > 1 && !isShim(a)) counted.add(pid);
  }
  return [...counted];
}

/** {@link socketProcesses}' RSS and PSS, marked `source: 'socket'`. */
export function socketMemory(endpoint: string): MemorySample {
  return summarize(
    'socket',
    socketProcesses(endpoint)
      .map((pid) => processMemory(pid))
      .filter((p) => p !== undefined),
  );
}

/**
 * Resident memory (bytes) of {@link socketProcesses}. Kept for callers of 0.1; the
 * benchmark itself counts a stack cgroup when it has one.
 */
export function runtimeRss(endpoint: string): number {
  return socketMemory(endpoint).rssBytes;
}

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) out.add(m[1]!);
      } catch {}
    }
  } catch {}
  return out;
}

/**
 * Inodes of unix sockets listening on `path`. /proc/net/unix lists only the sockets of one
 * network namespace, so it is read once per namespace found among the processes (a runtime
 * may run in its own, as a node's containerd in a test netns does).
 */
function unixListenInodes(path: string, pids: number[]): Set<string> {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const pid of pids) {
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      continue;
    }
    if (seen.has(ns)) continue;
    seen.add(ns);
    try {
      for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
        const parts = line.trim().split(/\s+/);
        if (parts[7] === path && parts[5] === '01') out.add(parts[6]!);
      }
    } catch {}
  }
  return out;
}
