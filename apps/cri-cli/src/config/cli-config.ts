import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { CliError } from '../cli-errors.js';

/** What every command needs to reach the runtime: the resolved global settings. */
export interface CliConfig {
  runtimeEndpoint: string;
  /** The runtime endpoint unless set on its own. */
  imageEndpoint: string;
  /** Connection timeout and deadline of each quick (read-only) call. */
  timeoutMs: number;
  debug: boolean;
  /** `create` pulls the image first (crictl's `pull-image-on-create`). */
  pullImageOnCreate: boolean;
}

export const DEFAULT_ENDPOINT = 'unix:///run/containerd/containerd.sock';
export const DEFAULT_CONFIG_FILE = '/etc/crictl.yaml';

export function defaultConfig(): CliConfig {
  return {
    runtimeEndpoint: DEFAULT_ENDPOINT,
    imageEndpoint: DEFAULT_ENDPOINT,
    timeoutMs: 2_000,
    debug: false,
    pullImageOnCreate: false,
  };
}

/** crictl's /etc/crictl.yaml keys; keys crictl has and we do not use are ignored. */
export const configFileSchema = z.object({
  'runtime-endpoint': z.string().min(1).optional(),
  'image-endpoint': z.string().min(1).optional(),
  /** Seconds (crictl writes an integer); a duration such as `10s` is accepted too. */
  timeout: z.union([z.number().nonnegative(), z.string()]).optional(),
  debug: z.boolean().optional(),
  'pull-image-on-create': z.boolean().optional(),
  'disable-pull-on-run': z.boolean().optional(),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

/** The commented example of the config file (README and `--help` point to it). */
export function exampleConfigFile(): string {
  const d = defaultConfig();
  return [
    '# /etc/crictl.yaml: read by crictl and capstan-cri alike. Flags and the',
    '# CONTAINER_RUNTIME_ENDPOINT / IMAGE_SERVICE_ENDPOINT variables override it.',
    `runtime-endpoint: ${d.runtimeEndpoint}`,
    '# Default: the runtime endpoint.',
    `image-endpoint: ${d.imageEndpoint}`,
    '# Seconds: connection timeout and deadline of quick calls.',
    `timeout: ${d.timeoutMs / 1000}`,
    '# Print every CRI request and response on stderr.',
    `debug: ${d.debug}`,
    '# Pull the image before `create`.',
    `pull-image-on-create: ${d.pullImageOnCreate}`,
    '',
  ].join('\n');
}

/** The global flags as commander parsed them. */
export interface GlobalFlags {
  runtimeEndpoint?: string;
  imageEndpoint?: string;
  timeout?: string;
  debug?: boolean;
  config?: string;
}

/** `2s`, `500ms`, `1m30s`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string): number {
  const raw = text.trim();
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = raw;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new CliError(`"${text}" is not a duration (e.g. 2s, 500ms, 1m)`);
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

async function readConfigFile(path: string, explicit: boolean): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Like crictl: an absent default file means defaults.
    if (!explicit && code === 'ENOENT') return {};
    throw new CliError(`config file ${path}: cannot read it (${code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new CliError(`config file ${path}: not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = configFileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new CliError(`config file ${path}: ${where}${issue.message}`);
  }
  return parsed.data;
}

/**
 * Resolves the global settings the way crictl does: a flag wins, then its environment
 * variable, then the config file (`--config`, `CRI_CONFIG_FILE`, /etc/crictl.yaml), then
 * the defaults. The image endpoint falls back to the runtime endpoint.
 */
export async function resolveConfig(
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv,
  defaultFile = DEFAULT_CONFIG_FILE,
): Promise<CliConfig> {
  const explicitPath = flags.config ?? env.CRI_CONFIG_FILE;
  const file = await readConfigFile(explicitPath ?? defaultFile, explicitPath !== undefined);
  const d = defaultConfig();
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const runtimeEndpoint =
    nonEmpty(flags.runtimeEndpoint) ??
    nonEmpty(env.CONTAINER_RUNTIME_ENDPOINT) ??
    file['runtime-endpoint'] ??
    d.runtimeEndpoint;
  const imageEndpoint =
    nonEmpty(flags.imageEndpoint) ??
    nonEmpty(env.IMAGE_SERVICE_ENDPOINT) ??
    file['image-endpoint'] ??
    runtimeEndpoint;
  const fileTimeout =
    file.timeout === undefined
      ? undefined
      : typeof file.timeout === 'number'
        ? file.timeout * 1000
        : parseDuration(file.timeout);
  const timeoutMs =
    flags.timeout !== undefined ? parseDuration(flags.timeout) : (fileTimeout ?? d.timeoutMs);
  if (timeoutMs <= 0) throw new CliError('timeout must be more than 0');
  return {
    runtimeEndpoint,
    imageEndpoint,
    timeoutMs,
    debug: flags.debug ?? file.debug ?? d.debug,
    pullImageOnCreate: file['pull-image-on-create'] ?? d.pullImageOnCreate,
  };
}
