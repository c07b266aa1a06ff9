import { readFileSync } from 'node:fs';
import { ALL_NAMESPACED_SYSCTLS, parseStreamingAddress } from '@capstan/cri-server';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A duration: seconds as a number, or `<n>ms|s|m` as a string. */
const duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/)]);

/** Milliseconds of a {@link duration}. */
export function durationMs(v: number | string): number {
  if (typeof v === 'number') return v * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(v);
  if (!m) throw new Error(`not a duration: ${v}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** The shim's configuration: file (YAML) sections, overridden by flags. */
export const shimConfigSchema = z
  .object({
    /** CRI socket to serve. */
    listen: z.string().min(1),
    /** Docker Engine API endpoint: `unix:///path`, a bare path, or `tcp://host:port`. */
    dockerEndpoint: z.string().min(1),
    /** Checkpointed CRI state, per-sandbox files, the CNI result cache. */
    stateDir: z.string().startsWith('/'),
    /** The sandbox (infra) image. */
    podInfraContainerImage: z.string().min(1),
    cni: z
      .object({
        confDir: z.string().min(1),
        binDirs: z.array(z.string().min(1)).min(1),
        /** Run plugins inside this netns (name or path); empty: the shim's own. */
        netns: z.string(),
      })
      .strict(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    /** The shim's own log: JSON lines to this file, rotated by size; '' = stdout. */
    logFile: z.string(),
    /** Rotate the log file at this many MiB. */
    logFileMaxSizeMiB: z.number().int().min(1).max(10_240),
    /** Sysctls the shim applies (default `*`: every namespaced one): names or `prefix*`. */
    sysctlWhitelist: z.array(z.string().min(1)),
    /** How long a stats sample is reused; also the background refresh period. */
    statsPeriod: duration,
    /** A pull is cancelled after this long without progress. */
    imagePullProgressDeadline: duration,
    /**
     * containerd's `config_path`: `<dir>/<registry host>/hosts.toml` (or `_default`) lists
     * mirrors a pull tries before the registry itself. '' = no mirrors.
     */
    registryConfigDir: z.string(),
    /** Never ask for an oom_score_adj below the shim's own (containerd's restrict_oom_score_adj). */
    restrictOomScoreAdj: z.boolean(),
    /** Value of the `io.capstan.cri.managed-by` label: which Docker objects are this shim's. */
    instance: z.string().regex(/^[a-zA-Z0-9_.-]+$/),
    /** The streaming server behind Exec, Attach and PortForward. */
    streaming: z
      .object({
        /** `host:port` to listen on (port 0: any free one). */
        address: z.string().refine(isStreamingAddress, 'expected host:port, [ipv6]:port or host'),
        /** PEM certificate and key: serve https (both or neither). */
        tlsCertFile: z.string(),
        tlsKeyFile: z.string(),
      })
      .strict()
      .refine((s) => (s.tlsCertFile === '') === (s.tlsKeyFile === ''), {
        message: 'tlsCertFile and tlsKeyFile go together',
        path: ['tlsKeyFile'],
      }),
  })
  .strict();

function isStreamingAddress(address: string): boolean {
  try {
    parseStreamingAddress(address);
    return true;
  } catch {
    return false;
  }
}

export type ShimConfig = z.infer<typeof shimConfigSchema>;

/** Every setting's default. */
export function defaultConfig(): ShimConfig {
  return {
    listen: 'unix:///run/capstan/docker-shim.sock',
    dockerEndpoint: 'unix:///var/run/docker.sock',
    stateDir: '/var/lib/capstan/docker-shim',
    podInfraContainerImage: 'registry.k8s.io/pause:3.9',
    cni: { confDir: '/etc/cni/net.d', binDirs: ['/opt/cni/bin', '/usr/lib/cni'], netns: '' },
    logLevel: 'info',
    logFile: '',
    logFileMaxSizeMiB: 10,
    sysctlWhitelist: [...ALL_NAMESPACED_SYSCTLS],
    statsPeriod: '10s',
    imagePullProgressDeadline: '1m',
    registryConfigDir: '/etc/capstan/certs.d',
    restrictOomScoreAdj: true,
    instance: 'capstan-docker-shim',
    streaming: { address: '127.0.0.1:0', tlsCertFile: '', tlsKeyFile: '' },
  };
}

/** The commented example config file (`capstan-docker-shim --print-config`). */
export function exampleConfig(): string {
  const d = defaultConfig();
  return `# capstan-docker-shim configuration (YAML). Every key is optional; flags override.
# CRI socket the kubelet talks to (--listen).
listen: ${d.listen}
# Docker Engine API: unix:///path, a bare path or tcp://host:port (--docker-endpoint).
dockerEndpoint: ${d.dockerEndpoint}
# CRI state checkpoints, per-sandbox resolv.conf/hosts/hostname, CNI result cache (--state-dir).
stateDir: ${d.stateDir}
# The pause image every sandbox runs (--pod-infra-container-image).
podInfraContainerImage: ${d.podInfraContainerImage}
cni:
  # The first valid .conflist/.conf/.json here is the pod network (--cni-conf-dir).
  confDir: ${d.cni.confDir}
  # Where plugins are looked up, in order (--cni-bin-dir, comma separated).
  binDirs: [${d.cni.binDirs.join(', ')}]
  # Run plugins inside this network namespace (name or path); '' = the shim's (--cni-netns).
  netns: ''
# trace | debug | info | warn | error | fatal | silent (--log-level).
logLevel: ${d.logLevel}
# The shim's own log as JSON lines in this file, rotated by size; '' = stdout (--log-file).
logFile: ''
# Rotate the log file at this size, keeping 5 old ones (--log-file-max-size).
logFileMaxSizeMiB: ${d.logFileMaxSizeMiB}
# Sysctls the shim applies: names, or prefixes ending in '*' (--sysctl-whitelist, comma
# separated). Default '*': every namespaced sysctl, as containerd and cri-o; which ones a pod
# may ask for is the node agent's admission (--allowed-unsafe-sysctls). Others: INVALID_ARGUMENT.
sysctlWhitelist:
${d.sysctlWhitelist.map((s) => `  - ${JSON.stringify(s)}`).join('\n')}
# Stats samples are reused for this long and refreshed in the background (--stats-period).
statsPeriod: ${d.statsPeriod}
# Cancel a pull that made no progress for this long (--image-pull-progress-deadline).
imagePullProgressDeadline: ${d.imagePullProgressDeadline}
# Registry mirrors, containerd's certs.d layout: <dir>/<registry host>/hosts.toml (else
# <dir>/_default/hosts.toml) with server = "https://..." and [host."http://mirror:5000"]
# entries (capabilities = ["pull", "resolve"]), tried in order; '' = none (--registry-config-dir).
registryConfigDir: ${d.registryConfigDir}
# Never ask for an oom_score_adj below the shim's own (needed without CAP_SYS_RESOURCE).
restrictOomScoreAdj: ${d.restrictOomScoreAdj}
# Label value marking this shim's Docker containers (--instance).
instance: ${d.instance}
streaming:
  # Where the Exec/Attach/PortForward URLs point: host:port, port 0 = any free port
  # (--streaming-address). Loopback by default: the kubelet on this node opens them.
  address: ${d.streaming.address}
  # PEM certificate and key to serve https instead (both or neither); use them when the
  # address is reachable from beyond the node (--streaming-tls-cert-file/-key-file).
  tlsCertFile: ''
  tlsKeyFile: ''
`;
}

/** Flags as commander parses them (all optional strings). */
export interface ShimFlags {
  config?: string;
  listen?: string;
  dockerEndpoint?: string;
  stateDir?: string;
  cniConfDir?: string;
  cniBinDir?: string;
  cniNetns?: string;
  podInfraContainerImage?: string;
  logLevel?: string;
  logFile?: string;
  logFileMaxSize?: string;
  sysctlWhitelist?: string;
  statsPeriod?: string;
  imagePullProgressDeadline?: string;
  registryConfigDir?: string;
  instance?: string;
  streamingAddress?: string;
  streamingTlsCertFile?: string;
  streamingTlsKeyFile?: string;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A config problem, said in one line (main prints it and exits 2). */
export class ConfigError extends Error {}

/** Defaults, then the file, then flags; validated. */
export function loadConfig(flags: ShimFlags): ShimConfig {
  const base = defaultConfig();
  let file: Record<string, unknown> = {};
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${flags.config}: ${(err as Error).message}`);
    }
    const parsed: unknown = parseYaml(text);
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(`config file ${flags.config}: not a YAML mapping`);
    }
    file = (parsed ?? {}) as Record<string, unknown>;
  }
  const fileCni = (file.cni ?? {}) as Record<string, unknown>;
  const fileStreaming = (file.streaming ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = {
    ...base,
    ...file,
    cni: {
      ...base.cni,
      ...fileCni,
      ...(flags.cniConfDir !== undefined ? { confDir: flags.cniConfDir } : {}),
      ...(flags.cniBinDir !== undefined ? { binDirs: list(flags.cniBinDir) } : {}),
      ...(flags.cniNetns !== undefined ? { netns: flags.cniNetns } : {}),
    },
    streaming: {
      ...base.streaming,
      ...fileStreaming,
      ...(flags.streamingAddress !== undefined ? { address: flags.streamingAddress } : {}),
      ...(flags.streamingTlsCertFile !== undefined
        ? { tlsCertFile: flags.streamingTlsCertFile }
        : {}),
      ...(flags.streamingTlsKeyFile !== undefined ? { tlsKeyFile: flags.streamingTlsKeyFile } : {}),
    },
    ...(flags.listen !== undefined ? { listen: flags.listen } : {}),
    ...(flags.dockerEndpoint !== undefined ? { dockerEndpoint: flags.dockerEndpoint } : {}),
    ...(flags.stateDir !== undefined ? { stateDir: flags.stateDir } : {}),
    ...(flags.podInfraContainerImage !== undefined
      ? { podInfraContainerImage: flags.podInfraContainerImage }
      : {}),
    ...(flags.logLevel !== undefined ? { logLevel: flags.logLevel } : {}),
    ...(flags.logFile !== undefined ? { logFile: flags.logFile } : {}),
    ...(flags.logFileMaxSize !== undefined
      ? { logFileMaxSizeMiB: numeric(flags.logFileMaxSize) }
      : {}),
    ...(flags.sysctlWhitelist !== undefined
      ? { sysctlWhitelist: list(flags.sysctlWhitelist) }
      : {}),
    ...(flags.statsPeriod !== undefined ? { statsPeriod: numeric(flags.statsPeriod) } : {}),
    ...(flags.imagePullProgressDeadline !== undefined
      ? { imagePullProgressDeadline: numeric(flags.imagePullProgressDeadline) }
      : {}),
    ...(flags.registryConfigDir !== undefined
      ? { registryConfigDir: flags.registryConfigDir }
      : {}),
    ...(flags.instance !== undefined ? { instance: flags.instance } : {}),
  };
  const result = shimConfigSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(
      `invalid configuration: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return result.data;
}

/** `10` from a flag is 10 seconds; `10s`, `500ms` stay strings. */
const numeric = (s: string): number | string => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : s);
