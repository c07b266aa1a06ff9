import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The agent's config file: KubeletConfiguration field names where they mean the same
 * (staticPodPath, containerRuntimeEndpoint, podLogsDir, maxPods, cgroupRoot, cgroupDriver,
 * healthzPort, healthzBindAddress), plus Capstan's own (podApi, rootDir, configDir).
 */
export const configSchema = z
  .object({
    kind: z.literal('KubeletConfiguration').optional(),
    apiVersion: z.string().optional(),
    nodeName: z.string().min(1).default(hostname()),
    containerRuntimeEndpoint: z.string().min(1).default('unix:///run/containerd/containerd.sock'),
    imageServiceEndpoint: z.string().optional(),
    staticPodPath: z.string().optional(),
    podLogsDir: z.string().default('/var/log/pods'),
    rootDir: z.string().default('/var/lib/capstan/node-agent'),
    configDir: z.string().optional(),
    maxPods: z.number().int().positive().max(10_000).default(110),
    cgroupRoot: z.string().default('kubepods'),
    cgroupDriver: z.enum(['cgroupfs', 'systemd']).default('cgroupfs'),
    healthzPort: z.number().int().min(0).max(65535).default(10248),
    healthzBindAddress: z.string().default('127.0.0.1'),
    /** Also serve the healthz endpoints (/healthz, /metrics, /pods, ...) on this unix socket. */
    statusSocket: z.string().optional(),
    relistPeriodMs: z.number().int().positive().default(1000),
    containerLogMaxSize: z
      .string()
      .regex(/^\d+(Ki|Mi|Gi)?$/, 'a size such as 10Mi')
      .default('10Mi'),
    containerLogMaxFiles: z.number().int().min(2).default(5),
    imageGCHighThresholdPercent: z.number().int().min(1).max(100).default(85),
    imageGCLowThresholdPercent: z.number().int().min(0).max(100).default(80),
    housekeepingPeriodMs: z.number().int().positive().default(10_000),
    // Eviction, as the kubelet's flags (`memory.available<100Mi,...`) or its config maps.
    evictionHard: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
    evictionSoft: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
    evictionSoftGracePeriod: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
    evictionMinimumReclaim: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
    evictionPressureTransitionPeriod: z.string().optional(),
    evictionMaxPodGracePeriod: z.number().int().min(0).optional(),
    /** The cgroup whose memory is the node's; '/' on a real node. Pod cgroups go under it. */
    nodeCgroup: z.string().default('/'),
    hostIP: z.string().default('127.0.0.1'),
    podApi: z
      .object({
        enabled: z.boolean().default(false),
        socket: z.string().default('/run/capstan/node-agent-api.sock'),
        port: z.number().int().min(0).max(65535).optional(),
        tokenFile: z.string().optional(),
        kubeconfig: z.string().optional(),
      })
      .default({ enabled: false, socket: '/run/capstan/node-agent-api.sock' }),
  })
  .strict();

export type AgentConfig = z.infer<typeof configSchema>;

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
      throw new ConfigError(`config file ${path}: ${(err as Error).message}`);
    }
    try {
      raw = (parse(text) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(
        `config file ${path}: not YAML: ${(err as Error).message.split('\n')[0]}`,
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
