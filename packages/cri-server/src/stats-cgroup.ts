import { readFileSync } from 'node:fs';
import { type CgroupManager, type CgroupStats, createCgroupManager } from '@capstan/cgroups';
import type { CpuUsage, DeepPartial, MemoryUsage, NetworkUsage } from '@capstan/cri-api';
import type { Logger } from './logger.js';

/** The cgroup path of a process (the memory hierarchy's on v1, the unified one on v2). */
export function cgroupOfPid(pid: number): string | undefined {
  try {
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
    const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
    const line = v1 ?? lines.find((l) => l.startsWith('0::'));
    return line?.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  } catch {
    return undefined;
  }
}

interface Sample {
  at: number;
  stats: CgroupStats;
  /** CPU usage rate over the previous sample, in nanocores. */
  nanoCores?: number;
}

const u64 = (n: number | undefined) =>
  n === undefined ? undefined : { value: BigInt(Math.max(0, Math.round(n))) };

/**
 * Container and pod stats read from cgroup files directly (@capstan/cgroups), not from
 * Docker's stats API (which samples for a second per call). Each cgroup's sample is cached
 * for `periodMs`; the cgroups asked about recently are re-read every period in the
 * background, so CPU rates (nanocores) come from two samples a period apart.
 */
export class CgroupStatsCache {
  readonly #cg: CgroupManager;
  readonly #samples = new Map<string, Sample>();
  readonly #lastAsked = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly periodMs: number,
    private readonly logger: Logger,
    manager?: CgroupManager,
  ) {
    this.#cg = manager ?? createCgroupManager();
    this.#timer = setInterval(() => void this.#refreshAll(), periodMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #read(path: string): Promise<Sample | undefined> {
    let stats: CgroupStats;
    try {
      stats = await this.#cg.stats(path);
    } catch (err) {
      this.logger.debug({ err, cgroup: path }, 'cgroup stats unavailable');
      this.#samples.delete(path);
      return undefined;
    }
    const prev = this.#samples.get(path);
    const sample: Sample = { at: Date.now(), stats };
    if (prev?.stats.cpu && stats.cpu && sample.at > prev.at) {
      sample.nanoCores =
        (stats.cpu.usageNanos - prev.stats.cpu.usageNanos) / ((sample.at - prev.at) / 1000);
    }
    this.#samples.set(path, sample);
    return sample;
  }

  async #refreshAll(): Promise<void> {
    const now = Date.now();
    for (const [path, asked] of this.#lastAsked) {
      if (now - asked > 5 * this.periodMs) {
        this.#lastAsked.delete(path);
        this.#samples.delete(path);
        continue;
      }
      await this.#read(path);
    }
  }

  /** The cgroup's latest sample: cached when younger than the period, else read now. */
  async sample(path: string): Promise<Sample | undefined> {
    this.#lastAsked.set(path, Date.now());
    const cached = this.#samples.get(path);
    if (cached && Date.now() - cached.at < this.periodMs) return cached;
    return this.#read(path);
  }

  /** CRI cpu and memory usage of a cgroup, or {} when it is gone. */
  async usage(path: string | undefined): Promise<Usage> {
    if (!path) return {};
    const s = await this.sample(path);
    if (!s) return {};
    return toUsage(s);
  }
}

export function toUsage(s: Sample): Usage {
  const ts = BigInt(s.at) * 1_000_000n;
  const out: Usage = {};
  const { cpu, memory } = s.stats;
  if (cpu) {
    out.cpu = {
      timestamp: ts,
      usageCoreNanoSeconds: u64(cpu.usageNanos),
      usageNanoCores: u64(s.nanoCores ?? 0),
    };
  }
  if (memory) {
    out.memory = {
      timestamp: ts,
      workingSetBytes: u64(memory.workingSetBytes),
      usageBytes: u64(memory.usageBytes),
      rssBytes: u64(memory.rssBytes),
      pageFaults: u64(memory.pageFaults),
      majorPageFaults: u64(memory.majorPageFaults),
      ...(memory.limitBytes > 0 && memory.limitBytes < 2 ** 62
        ? { availableBytes: u64(memory.limitBytes - memory.workingSetBytes) }
        : {}),
    };
  }
  return out;
}

/** CRI CPU and memory usage, either part absent when unknown. */
export interface Usage {
  cpu?: DeepPartial<CpuUsage> | undefined;
  memory?: DeepPartial<MemoryUsage> | undefined;
}

/** Sums container usages (a pod without a cgroup parent of its own). */
export function sumUsage(parts: readonly Usage[]): Usage {
  const ts = BigInt(Date.now()) * 1_000_000n;
  const add = (get: (p: Usage) => { value?: string | number | bigint } | undefined) => ({
    value: parts.reduce((acc, p) => acc + BigInt(get(p)?.value ?? 0), 0n),
  });
  return {
    cpu: {
      timestamp: ts,
      usageCoreNanoSeconds: add((p) => p.cpu?.usageCoreNanoSeconds),
      usageNanoCores: add((p) => p.cpu?.usageNanoCores),
    },
    memory: {
      timestamp: ts,
      workingSetBytes: add((p) => p.memory?.workingSetBytes),
      usageBytes: add((p) => p.memory?.usageBytes),
      rssBytes: add((p) => p.memory?.rssBytes),
      pageFaults: add((p) => p.memory?.pageFaults),
      majorPageFaults: add((p) => p.memory?.majorPageFaults),
    },
  };
}

/** Interface counters of a process's network namespace (/proc/<pid>/net/dev). */
export function networkUsage(pid: number): DeepPartial<NetworkUsage> | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const ts = BigInt(Date.now()) * 1_000_000n;
  const interfaces = text
    .split('\n')
    .slice(2)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('lo:'))
    .map((l) => {
      const [name, rest] = l.split(':') as [string, string];
      const f = rest.trim().split(/\s+/).map(Number);
      return {
        name: name.trim(),
        rxBytes: u64(f[0]),
        rxErrors: u64(f[2]),
        txBytes: u64(f[8]),
        txErrors: u64(f[10]),
      };
    });
  const first = interfaces.find((i) => i.name === 'eth0') ?? interfaces[0];
  return first ? { timestamp: ts, defaultInterface: first, interfaces } : undefined;
}
