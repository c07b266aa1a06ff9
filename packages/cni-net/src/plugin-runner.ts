import { performance } from 'node:perf_hooks';
import { type CniResult, convertResult, parseCniResult } from './cni-result.js';
import { versionAtLeast } from './cni-version.js';
import { NetnsNotFoundError, type PluginCall, PluginOutputError } from './errors.js';
import type { CniLogger } from './logger.js';
import { isNetns } from './netns.js';
import type { NetworkConfigList, PluginConfig } from './network-config.js';
import { execPlugin, findPlugin, parsePluginJson } from './plugin-exec.js';
import { type CapabilityArgs, formatCniArgs, runtimeConfigFor } from './runtime-config.js';

/** The CNI commands. */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';

/** The per-container half of an invocation (libcni's RuntimeConf). */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  cniArgs: readonly (readonly [string, string])[];
  capabilityArgs: CapabilityArgs;
}

/** How to run plugins: where they are, where they run, how long they may take. */
export interface RunnerSettings {
  pluginDirs: readonly string[];
  /** Path of the namespace plugins run in; undefined = the driver's own. */
  pluginNetnsPath: string | undefined;
  timeoutMs: number;
  logger: CniLogger;
}

/** A parsed ADD result and the exact document the plugin printed (for prevResult and the cache). */
export interface ChainResult {
  result: CniResult;
  raw: Record<string, unknown>;
}

/** Runs single plugins of a network with the CNI protocol; the driver composes chains from it. */
export class PluginRunner {
  readonly #s: RunnerSettings;
  readonly #versions = new Map<string, Promise<readonly string[]>>();

  constructor(settings: RunnerSettings) {
    this.#s = settings;
  }

  get settings(): RunnerSettings {
    return this.#s;
  }

  /**
   * The stdin document for one plugin: its own object with the network's `name`, the
   * chosen `cniVersion`, `prevResult` (converted to that version) and the `runtimeConfig`
   * keys its capabilities ask for injected, as libcni's buildOneConfig does.
   */
  pluginConfig(
    list: NetworkConfigList,
    plugin: PluginConfig,
    version: string,
    prevResult: Record<string, unknown> | undefined,
    capabilityArgs: CapabilityArgs | undefined,
    extra?: Record<string, unknown>,
  ): Record<string, unknown> {
    const conf: Record<string, unknown> = { ...plugin.raw, name: list.name, cniVersion: version };
    if (prevResult) conf.prevResult = convertResult(prevResult, version);
    const rc = runtimeConfigFor(plugin, capabilityArgs);
    if (rc) conf.runtimeConfig = rc;
    return { ...conf, ...extra };
  }

  /** Runs one plugin with `command`; returns its stdout. */
  async run(
    command: CniCommand,
    list: NetworkConfigList,
    plugin: PluginConfig,
    stdin: Record<string, unknown>,
    rt: RuntimeConf | undefined,
    opts: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<string> {
    const call: PluginCall = { plugin: plugin.type, command, network: list.name };
    const path = await findPlugin(plugin.type, this.#s.pluginDirs);
    const nsPath = this.#s.pluginNetnsPath;
    if (nsPath && !(await isNetns(nsPath)))
      throw new NetnsNotFoundError(nsPath, 'plugins are set to run there');
    const env: Record<string, string> = {
      CNI_COMMAND: command,
      CNI_PATH: this.#s.pluginDirs.join(':'),
    };
    if (rt) {
      env.CNI_CONTAINERID = rt.containerId;
      env.CNI_NETNS = rt.netns;
      env.CNI_IFNAME = rt.ifName;
      env.CNI_ARGS = formatCniArgs(rt.cniArgs);
    }
    const started = performance.now();
    try {
      return await execPlugin({
        call,
        path,
        env,
        stdin: JSON.stringify(stdin),
        timeoutMs: opts.timeoutMs ?? this.#s.timeoutMs,
        netnsPath: this.#s.pluginNetnsPath,
        signal: opts.signal,
      });
    } finally {
      this.#s.logger.debug(
        {
          plugin: plugin.type,
          command,
          network: list.name,
          containerId: rt?.containerId,
          ms: performance.now() - started,
        },
        'CNI plugin call',
      );
    }
  }

  /** Runs ADD on one plugin and validates its result. */
  async add(
    list: NetworkConfigList,
    plugin: PluginConfig,
    stdin: Record<string, unknown>,
    rt: RuntimeConf,
    opts: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined },
  ): Promise<ChainResult> {
    const stdout = await this.run('ADD', list, plugin, stdin, rt, opts);
    const call: PluginCall = { plugin: plugin.type, command: 'ADD', network: list.name };
    const doc = parsePluginJson(call, stdout);
    try {
      const result = parseCniResult(doc);
      return { result, raw: doc as Record<string, unknown> };
    } catch (err) {
      throw new PluginOutputError(
        call,
        `printed an invalid result: ${(err as Error).message}`,
        { exitCode: 0, signal: null, stdout, stderr: '' },
        { cause: err },
      );
    }
  }

  /** The spec versions a plugin binary supports (its VERSION answer), cached per binary. */
  supportedVersions(type: string): Promise<readonly string[]> {
    let p = this.#versions.get(type);
    if (!p) {
      p = this.#queryVersions(type);
      this.#versions.set(type, p);
      p.catch(() => this.#versions.delete(type));
    }
    return p;
  }

  async #queryVersions(type: string): Promise<readonly string[]> {
    const call: PluginCall = { plugin: type, command: 'VERSION', network: '' };
    const path = await findPlugin(type, this.#s.pluginDirs);
    const stdout = await execPlugin({
      call,
      path,
      env: { CNI_COMMAND: 'VERSION', CNI_PATH: this.#s.pluginDirs.join(':') },
      stdin: JSON.stringify({ cniVersion: '1.0.0' }),
      timeoutMs: this.#s.timeoutMs,
    });
    const doc = parsePluginJson(call, stdout) as { supportedVersions?: unknown };
    const versions = doc.supportedVersions;
    if (!Array.isArray(versions) || versions.some((v) => typeof v !== 'string')) {
      throw new PluginOutputError(call, 'VERSION answer has no "supportedVersions" list', {
        exitCode: 0,
        signal: null,
        stdout,
        stderr: '',
      });
    }
    return versions as string[];
  }

  /**
   * The version to run a network with. With one candidate, that one (libcni's rule). When
   * the configuration offers several (`cniVersions`), the highest one every plugin of the
   * chain says it supports, so a `["1.0.0", "1.1.0"]` list still works with plugins that
   * stop at 1.0.0; if none is common, the highest (and the plugin will say what is wrong).
   */
  async chooseVersion(list: NetworkConfigList, negotiate: boolean): Promise<string> {
    if (!negotiate || list.cniVersions.length <= 1) return list.cniVersion;
    let supported: (readonly string[])[];
    try {
      supported = await Promise.all(list.plugins.map((p) => this.supportedVersions(p.type)));
    } catch {
      return list.cniVersion;
    }
    const common = list.cniVersions.find((v) => supported.every((s) => s.includes(v)));
    return common ?? list.cniVersion;
  }
}

/** True when DEL should carry the cached result as prevResult (spec 0.4.0 and later). */
export const delCarriesPrevResult = (version: string): boolean => versionAtLeast(version, '0.4.0');
