import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse } from 'yaml';
import { z } from 'zod';

/** A kubelet eviction setting: flag syntax (`memory.available<100Mi,...`) or a config map. */
const statements = z.union([z.string(), z.record(z.string(), z.string())]);

/**
 * The agent's config file, and the one place its defaults are written: KubeletConfiguration
 * field names where they mean the same (staticPodPath, containerRuntimeEndpoint, podLogsDir,
 * maxPods, cgroupRoot, cgroupDriver, healthzPort, healthzBindAddress, eviction*...), plus
 * Capstan's own (podApi, rootDir, configDir). `--help` prints every field with its default.
 */
export const configSchema = z
  .object({
    kind: z.literal('KubeletConfiguration').optional(),
    apiVersion: z.string().optional(),
    nodeName: z.string().min(1).default(hostname()).describe('node name (default: the hostname)'),
    containerRuntimeEndpoint: z
      .string()
      .min(1)
      .default('unix:///run/containerd/containerd.sock')
      .describe('CRI endpoint'),
    imageServiceEndpoint: z.string().optional().describe('CRI image endpoint, when separate'),
    staticPodPath: z.string().optional().describe('static pod directory (watched)'),
    podLogsDir: z.string().default('/var/log/pods').describe('pod log root'),
    rootDir: z.string().default('/var/lib/capstan/node-agent').describe('agent state'),
    configDir: z
      .string()
      .optional()
      .describe('configMaps/secrets for pods: configmaps/<ns>/<name>/<key>, secrets/...'),
    maxPods: z.number().int().positive().max(10_000).default(110).describe('pods admitted'),
    allowedUnsafeSysctls: z
      .array(z.string().regex(/^[a-z0-9_.*/-]+$/i, 'a sysctl name or prefix*'))
      .default([])
      .describe('unsafe sysctls pods may set besides the safe ones (names or prefix*)'),
    cgroupRoot: z
      .string()
      .default('kubepods')
      .describe("pod cgroup root; '' leaves cgroups to the runtime"),
    cgroupDriver: z.enum(['cgroupfs', 'systemd']).default('cgroupfs'),
    healthzPort: z.number().int().min(0).max(65535).default(10248).describe('0 for any'),
    healthzBindAddress: z.string().default('127.0.0.1'),
    statusSocket: z
      .string()
      .optional()
      .describe('also serve the healthz endpoints (/healthz, /metrics, /pods...) here'),
    relistPeriodMs: z.number().int().positive().default(1000).describe('PLEG relist period'),
    containerLogMaxSize: z
      .string()
      .regex(/^\d+(Ki|Mi|Gi)?$/, 'a size such as 10Mi')
      .default('10Mi')
      .describe('rotate a container log past this size'),
    containerLogMaxFiles: z.number().int().min(2).default(5).describe('log files per container'),
    imageGCHighThresholdPercent: z.number().int().min(1).max(100).default(85),
    imageGCLowThresholdPercent: z.number().int().min(0).max(100).default(80),
    housekeepingPeriodMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('log rotation and image GC period'),
    // Eviction, as the kubelet's flags (`memory.available<100Mi,...`) or its config maps.
    evictionHard: statements
      .default(
        'memory.available<100Mi,nodefs.available<10%,imagefs.available<15%,nodefs.inodesFree<5%',
      )
      .describe('hard eviction thresholds (with pod cgroups)'),
    evictionSoft: statements.optional(),
    evictionSoftGracePeriod: statements.optional(),
    evictionMinimumReclaim: statements.optional(),
    evictionPressureTransitionPeriod: z.string().optional().describe('a Go duration (5m)'),
    evictionMaxPodGracePeriod: z.number().int().min(0).optional(),
    nodeCgroup: z
      .string()
      .default('/')
      .describe("the cgroup whose memory is the node's; pod cgroups go under it"),
    hostIP: z.string().default('127.0.0.1'),
    podApi: z
      .object({
        enabled: z.boolean().default(false).describe('serve the local pod API (off by default)'),
        socket: z.string().default('/run/capstan/node-agent-api.sock'),
        port: z.number().int().min(0).max(65535).optional().describe('also https on loopback'),
        tokenFile: z.string().optional().describe('bearer token (default: made in rootDir)'),
        kubeconfig: z.string().optional().describe('where to write a kubeconfig'),
        metricsPeriodMs: z
          .number()
          .int()
          .min(100)
          .default(10_000)
          .describe('how often usage is read for metrics.k8s.io (kubectl top)'),
      })
      .prefault({}),
  })
  .strict();

export type AgentConfig = z.infer<typeof configSchema>;

/** The config with nothing set: every default. */
export function defaultConfig(): AgentConfig {
  return configSchema.parse({});
}

/** Thrown with one line saying what is wrong with the config. */
export class ConfigError extends Error {}

/** Reads and validates the config file (YAML or JSON); flags are merged over it. */
export function loadConfig(
  path: string | undefined,
  overrides: Record<string, unknown>,
): AgentConfig {
  let raw: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`config file ${path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      raw = (parse(text) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(
        `config file ${path}: not YAML: ${(err as Error).message.split('\n')[0]}`,
        { cause: err },
      );
    }
  }
  const merged: Record<string, unknown> = { ...raw };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    if (k.startsWith('podApi.')) merged.podApi = { ...(merged.podApi as object), [k.slice(7)]: v };
    else merged[k] = v;
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(
      `${path ? `config file ${path}` : 'config'}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return result.data;
}

/** `10Mi` -> bytes. */
export function sizeBytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q)!;
  return Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'Ki'] ?? 1);
}

/** Every config field with its default (or `(unset)`) and what it is: `--help` prints it. */
export function describeConfig(): string {
  const d = defaultConfig() as Record<string, unknown>;
  const lines: string[] = [];
  const walk = (shape: Record<string, z.ZodType>, values: Record<string, unknown>, pad: string) => {
    for (const [key, field] of Object.entries(shape)) {
      if (key === 'kind' || key === 'apiVersion') continue;
      const inner = unwrapObject(field);
      if (inner) {
        lines.push(`${pad}${key}:`);
        walk(inner, (values[key] ?? {}) as Record<string, unknown>, `${pad}  `);
        continue;
      }
      const v = values[key];
      const text = v === undefined ? '(unset)' : JSON.stringify(v);
      lines.push(`${pad}${key}: ${text}${field.description ? `  # ${field.description}` : ''}`);
    }
  };
  walk(configSchema.shape, d, '  ');
  return lines.join('\n');
}

/** The shape of an object field (through its default), or undefined for a plain field. */
function unwrapObject(field: z.ZodType): Record<string, z.ZodType> | undefined {
  let t: z.ZodType = field;
  while (t instanceof z.ZodDefault || t instanceof z.ZodPrefault || t instanceof z.ZodOptional)
    t = t.unwrap() as z.ZodType;
  return t instanceof z.ZodObject ? (t.shape as Record<string, z.ZodType>) : undefined;
}
