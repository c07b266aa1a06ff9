import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ContainerState,
  type CriClient,
  connectCriClient,
  NamespaceMode,
  parseEndpoint,
} from '@capstan/cri-api';
import { type Distribution, distribution, fmtMs, fmtRatio } from './bench-stats.js';

/** One runtime under test. */
export interface BenchEndpoint {
  name: string;
  endpoint: string;
}

export interface BenchOptions {
  endpoints: BenchEndpoint[];
  /** A busybox image every endpoint can pull (it is pulled before measuring). */
  image: string;
  /** Lifecycle rounds per endpoint. Default 20. */
  rounds?: number;
  /** Pods in the density test. Default 100; 0 skips it. */
  density?: number;
  /** Measure RunPodSandbox with the pod network too (needs CNI on every endpoint). Default true. */
  podNetwork?: boolean;
  /** Progress lines for a person. */
  onProgress?: (line: string) => void;
}

/** The lifecycle steps measured, in order. */
export const STEPS = [
  'RunPodSandbox (pod network)',
  'RunPodSandbox (host network)',
  'PullImage (present)',
  'CreateContainer',
  'StartContainer',
  'ExecSync true',
  'StopContainer',
  'RemoveContainer',
  'StopPodSandbox',
  'RemovePodSandbox',
  'start to running (sum)',
] as const;
export type Step = (typeof STEPS)[number];

export interface EndpointResult {
  name: string;
  endpoint: string;
  runtime: string;
  steps: Record<Step, Distribution>;
  density?: {
    pods: number;
    allRunningMs: number;
    rssBytesPerPod: number;
    rssBytesBefore: number;
    rssBytesAt: number;
    listContainersMs: Distribution;
    listPodSandboxMs: Distribution;
    teardownMs: number;
  };
}

export interface BenchReport {
  rounds: number;
  density: number;
  results: EndpointResult[];
}

const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
};

/**
 * Runs the endpoints side by side: every round visits each endpoint in turn (A, B, A, B...)
 * so noise on the machine hits all of them alike.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const rounds = options.rounds ?? 20;
  const density = options.density ?? 100;
  const podNetwork = options.podNetwork ?? true;
  const say = options.onProgress ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'cri-bench-'));
  const clients: CriClient[] = [];
  try {
    for (const e of options.endpoints)
      clients.push(await connectCriClient(e.endpoint, { deadlineMs: 300_000 }));
    const samples = options.endpoints.map(
      () => Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<Step, number[]>,
    );
    const runtimes: string[] = [];
    for (const [i, c] of clients.entries()) {
      const v = await c.runtime.version({ version: 'v1' });
      runtimes[i] = `${v.runtimeName} ${v.runtimeVersion}`;
      await c.image.pullImage({ image: { image: options.image } });
    }
    for (let round = 0; round < rounds; round++) {
      for (const [i, c] of clients.entries()) {
        await lifecycleRound(c, options.image, dir, `${i}-${round}`, podNetwork, samples[i]!);
      }
      say(`lifecycle round ${round + 1}/${rounds}`);
    }
    const results: EndpointResult[] = options.endpoints.map((e, i) => ({
      name: e.name,
      endpoint: e.endpoint,
      runtime: runtimes[i]!,
      steps: Object.fromEntries(STEPS.map((s) => [s, distribution(samples[i]![s])])) as Record<
        Step,
        Distribution
      >,
    }));
    if (density > 0) {
      for (const [i, c] of clients.entries()) {
        say(`density: ${density} pods on ${options.endpoints[i]!.name}`);
        results[i]!.density = await densityRun(
          c,
          options.endpoints[i]!.endpoint,
          options.image,
          dir,
          density,
          podNetwork,
        );
      }
    }
    return { rounds, density, results };
  } finally {
    for (const c of clients) c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function podConfig(dir: string, name: string, hostNetwork: boolean) {
  return {
    metadata: { name, uid: `${name}-${process.pid}`, namespace: 'cri-bench', attempt: 0 },
    logDirectory: join(dir, name),
    labels: { 'capstan.io/cri-bench': String(process.pid) },
    linux: hostNetwork
      ? { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } }
      : {},
  };
}

async function lifecycleRound(
  c: CriClient,
  image: string,
  dir: string,
  tag: string,
  podNetwork: boolean,
  out: Record<Step, number[]>,
) {
  const r = c.runtime;
  if (podNetwork) {
    const cfg = podConfig(dir, `net-${tag}`, false);
    const [{ podSandboxId }, ms] = await time(() => r.runPodSandbox({ config: cfg }));
    out['RunPodSandbox (pod network)'].push(ms);
    await r.stopPodSandbox({ podSandboxId });
    await r.removePodSandbox({ podSandboxId });
  }
  const cfg = podConfig(dir, `host-${tag}`, true);
  const [{ podSandboxId }, runMs] = await time(() => r.runPodSandbox({ config: cfg }));
  out['RunPodSandbox (host network)'].push(runMs);
  try {
    const [, pullMs] = await time(() => c.image.pullImage({ image: { image } }));
    out['PullImage (present)'].push(pullMs);
    const config = {
      metadata: { name: 'sleep', attempt: 0 },
      image: { image },
      command: ['sleep', '3600'],
      logPath: 'sleep.log',
    };
    const [{ containerId }, createMs] = await time(() =>
      r.createContainer({ podSandboxId, config, sandboxConfig: cfg }),
    );
    out.CreateContainer.push(createMs);
    const [, startMs] = await time(() => r.startContainer({ containerId }));
    out.StartContainer.push(startMs);
    out['start to running (sum)'].push(runMs + pullMs + createMs + startMs);
    const [, execMs] = await time(() => r.execSync({ containerId, cmd: ['true'], timeout: 10n }));
    out['ExecSync true'].push(execMs);
    const [, stopMs] = await time(() => r.stopContainer({ containerId, timeout: 0n }));
    out.StopContainer.push(stopMs);
    const [, rmMs] = await time(() => r.removeContainer({ containerId }));
    out.RemoveContainer.push(rmMs);
  } finally {
    const [, stopPodMs] = await time(() => r.stopPodSandbox({ podSandboxId }));
    out.StopPodSandbox.push(stopPodMs);
    const [, rmPodMs] = await time(() => r.removePodSandbox({ podSandboxId }));
    out.RemovePodSandbox.push(rmPodMs);
  }
}

async function densityRun(
  c: CriClient,
  endpoint: string,
  image: string,
  dir: string,
  pods: number,
  podNetwork: boolean,
): Promise<NonNullable<EndpointResult['density']>> {
  const r = c.runtime;
  const rssBefore = runtimeRss(endpoint);
  const ids: string[] = [];
  const t0 = performance.now();
  try {
    // Eight at a time: roughly what a kubelet's pod workers do on a busy node.
    let next = 0;
    const worker = async () => {
      while (next < pods) {
        const n = next++;
        const cfg = podConfig(dir, `density-${n}`, !podNetwork);
        const { podSandboxId } = await r.runPodSandbox({ config: cfg });
        ids.push(podSandboxId);
        const { containerId } = await r.createContainer({
          podSandboxId,
          config: {
            metadata: { name: 'sleep', attempt: 0 },
            image: { image },
            command: ['sleep', '3600'],
            logPath: 'sleep.log',
          },
          sandboxConfig: cfg,
        });
        await r.startContainer({ containerId });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const running = await r.listContainers({
      filter: { state: { state: ContainerState.CONTAINER_RUNNING } },
    });
    const allRunningMs = performance.now() - t0;
    if (running.containers.length < pods)
      throw new Error(`only ${running.containers.length}/${pods} containers running`);
    const rssAt = runtimeRss(endpoint);
    const listC: number[] = [];
    const listP: number[] = [];
    for (let i = 0; i < 20; i++) {
      listC.push((await time(() => r.listContainers({})))[1]);
      listP.push((await time(() => r.listPodSandbox({})))[1]);
    }
    const t1 = performance.now();
    await teardown(c, ids.splice(0));
    return {
      pods,
      allRunningMs,
      rssBytesBefore: rssBefore,
      rssBytesAt: rssAt,
      rssBytesPerPod: (rssAt - rssBefore) / pods,
      listContainersMs: distribution(listC),
      listPodSandboxMs: distribution(listP),
      teardownMs: performance.now() - t1,
    };
  } finally {
    await teardown(c, ids);
  }
}

async function teardown(c: CriClient, ids: string[]) {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await c.runtime.stopPodSandbox({ podSandboxId: id });
      await c.runtime.removePodSandbox({ podSandboxId: id });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Resident memory of a runtime: the process listening on its unix socket, that process's
 * descendants, and every process whose command line names the socket (containerd's shims
 * re-parent to init but carry `-address <socket>`), without the shims' own children (the
 * containers). Bytes; 0 when the endpoint is not a local unix socket.
 */
export function runtimeRss(endpoint: string): number {
  const ep = parseEndpoint(endpoint);
  if (ep.kind !== 'unix') return 0;
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const info = new Map<
    number,
    { ppid: number; cmdline: string; rss: number; sockets: Set<string> }
  >();
  for (const pid of procs) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1] ?? 0);
      const rss = Number(/^VmRSS:\s*(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      info.set(pid, { ppid, cmdline, rss, sockets: socketInodes(pid) });
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
  let total = 0;
  for (const pid of counted) total += info.get(pid)?.rss ?? 0;
  return total;
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

/** The report as a markdown table, with each endpoint's ratio to the first. */
export function benchMarkdown(report: BenchReport): string {
  const base = report.results[0];
  const head = [
    'step',
    ...report.results.flatMap((r) => [`${r.name} p50`, `p90`, `p99`, `max`]),
    ...report.results.slice(1).map((r) => `${r.name}/${base?.name} p50`),
  ];
  const rows: string[][] = [];
  for (const step of STEPS) {
    if (report.results.every((r) => r.steps[step].n === 0)) continue;
    rows.push([
      step,
      ...report.results.flatMap((r) =>
        [r.steps[step].p50, r.steps[step].p90, r.steps[step].p99, r.steps[step].max].map(fmtMs),
      ),
      ...report.results.slice(1).map((r) => fmtRatio(r.steps[step].p50, base!.steps[step].p50)),
    ]);
  }
  const table = (h: string[], rs: string[][]) =>
    [
      `| ${h.join(' | ')} |`,
      `| ${h.map(() => '---').join(' | ')} |`,
      ...rs.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  let out = `Lifecycle latency (ms, ${report.rounds} rounds, interleaved)\n\n${table(head, rows)}\n`;
  const dens = report.results.filter((r) => r.density);
  if (dens.length > 0) {
    const dh = [
      'density',
      ...dens.map((r) => r.name),
      ...dens.slice(1).map((r) => `${r.name}/${dens[0]!.name}`),
    ];
    const metric = (
      label: string,
      get: (d: NonNullable<EndpointResult['density']>) => number,
      fmt: (v: number) => string,
    ) => [
      label,
      ...dens.map((r) => fmt(get(r.density!))),
      ...dens.slice(1).map((r) => fmtRatio(get(r.density!), get(dens[0]!.density!))),
    ];
    const mib = (v: number) => (v / 1024 / 1024).toFixed(2);
    out += `\nDensity (${report.density} pods, one sleeping container each)\n\n${table(dh, [
      metric('time to all running (ms)', (d) => d.allRunningMs, fmtMs),
      metric('runtime RSS per pod (MiB)', (d) => d.rssBytesPerPod, mib),
      metric('runtime RSS at density (MiB)', (d) => d.rssBytesAt, mib),
      metric('ListContainers p50 (ms)', (d) => d.listContainersMs.p50, fmtMs),
      metric('ListPodSandbox p50 (ms)', (d) => d.listPodSandboxMs.p50, fmtMs),
      metric('teardown (ms)', (d) => d.teardownMs, fmtMs),
    ])}\n`;
  }
  return out;
}
