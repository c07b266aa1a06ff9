import { join } from 'node:path';
import { collectGarbage, type GcReport, type GcRequest } from './cni-gc.js';
import { type CniResult, parseCniResult } from './cni-result.js';
import { versionAtLeast } from './cni-version.js';
import { AttachmentNotFoundError, CacheError, IncompatibleVersionError } from './errors.js';
import { type CniLogger, silentLogger } from './logger.js';
import { DEFAULT_NETNS_DIR, isNetns } from './netns.js';
import { type NetworkConfigList, parseNetworkConfig } from './network-config.js';
import { findPlugin } from './plugin-exec.js';
import {
  type ChainResult,
  delCarriesPrevResult,
  PluginRunner,
  type RuntimeConf,
} from './plugin-runner.js';
import { type TeardownRequest, teardownSandbox } from './pod-teardown.js';
import { validateContainerId, validateIfName, validateNetworkName } from './request-validate.js';
import { type AttachmentKey, type CachedAttachment, ResultCache } from './result-cache.js';
import { type CapabilityArgs, cniArgPairs, type PodIdentity } from './runtime-config.js';
import type { TeardownReport } from './teardown-report.js';

/** Where the driver finds plugins, keeps its cache and runs plugins. */
export interface CniDriverOptions {
  /** Plugin directories, searched in order (CNI_PATH). Default `/opt/cni/bin`, `/usr/lib/cni`. */
  pluginDirs?: readonly string[];
  /** Cache root; results go to `<cacheDir>/results` (libcni's layout). Default `/var/lib/cni`. */
  cacheDir?: string;
  /**
   * The network namespace plugins run in: a name (under `netnsDir`) or a path. Plugins
   * are exec'd through `nsenter --net=<path>`, so the bridge, host-side veths and
   * iptables rules land there. Default: the driver's own namespace.
   */
  pluginNetns?: string;
  /** Where namespace names resolve. Default `/var/run/netns`. */
  netnsDir?: string;
  /** Limit for each plugin call; a plugin still running is killed. Default 60 s. */
  timeoutMs?: number;
  /** Pick the highest version every plugin supports when a config lists `cniVersions`. Default true. */
  negotiateVersion?: boolean;
  /** After a failed ADD, DEL the whole chain (best effort) before throwing. Default true. */
  rollbackFailedAdd?: boolean;
  logger?: CniLogger;
}

/** Per-call limits. */
export interface CallOptions {
  /** Overrides the driver's per-plugin timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Attach a container (sandbox) to a network. */
export interface AddRequest extends CallOptions {
  containerId: string;
  /** Path of the container's network namespace (CNI_NETNS). */
  netns: string;
  /** Interface inside the container. Default `eth0`. */
  ifName?: string;
  /** The Kubernetes pod, sent as K8S_POD_* in CNI_ARGS. */
  pod?: PodIdentity;
  /** Runtime data for plugins with matching capabilities (portMappings, bandwidth, ...). */
  capabilities?: CapabilityArgs;
  /** More CNI_ARGS pairs. */
  args?: Record<string, string>;
}

/** Detach a container. Without a cache record, the request's own fields are used. */
export interface DelRequest extends CallOptions {
  containerId: string;
  ifName?: string;
  /** Overrides the cached netns path; a path that no longer exists is sent as empty. */
  netns?: string;
  pod?: PodIdentity;
  capabilities?: CapabilityArgs;
  args?: Record<string, string>;
}

/** What a DEL did. */
export interface DelOutcome {
  /** True when the cached config and result of the ADD were used. */
  fromCache: boolean;
  /** False when there was nothing to do (no cache record and only a network name given). */
  ran: boolean;
}

const DEFAULT_PLUGIN_DIRS = ['/opt/cni/bin', '/usr/lib/cni'];

/**
 * Drives CNI plugins for a container runtime, like libcni does for containerd and cri-o:
 * ADD runs a network's chain in order threading prevResult and caches what it used; DEL
 * runs it in reverse with the cached config and result; CHECK, STATUS and GC follow the
 * spec's version rules.
 */
export class CniDriver {
  /** The on-disk result cache (one record per attachment). */
  readonly cache: ResultCache;
  /** Where plugins are looked up, in order; also sent as CNI_PATH. */
  readonly pluginDirs: readonly string[];
  /** Path of the namespace plugins run in, or undefined for the driver's own. */
  readonly pluginNetnsPath: string | undefined;
  readonly #runner: PluginRunner;
  readonly #negotiate: boolean;
  readonly #rollback: boolean;
  readonly #logger: CniLogger;

  constructor(options: CniDriverOptions = {}) {
    this.pluginDirs = options.pluginDirs ?? DEFAULT_PLUGIN_DIRS;
    this.cache = new ResultCache(options.cacheDir ?? '/var/lib/cni');
    const ns = options.pluginNetns;
    this.pluginNetnsPath =
      ns === undefined
        ? undefined
        : ns.includes('/')
          ? ns
          : join(options.netnsDir ?? DEFAULT_NETNS_DIR, ns);
    this.#logger = options.logger ?? silentLogger;
    this.#negotiate = options.negotiateVersion ?? true;
    this.#rollback = options.rollbackFailedAdd ?? true;
    this.#runner = new PluginRunner({
      pluginDirs: this.pluginDirs,
      pluginNetnsPath: this.pluginNetnsPath,
      timeoutMs: options.timeoutMs ?? 60_000,
      logger: this.#logger,
    });
  }

  /** The plugin runner (single-plugin calls, VERSION queries); for tools built on the driver. */
  get runner(): PluginRunner {
    return this.#runner;
  }

  /**
   * ADD: runs the chain in order, each plugin getting the previous one's result as
   * `prevResult`; caches config, args and result for DEL; returns the final result. On a
   * failure the chain is DEL'd (best effort) and the plugin's typed error is thrown.
   */
  async add(network: NetworkConfigList, req: AddRequest): Promise<CniResult> {
    const rt = this.#runtimeConf(network.name, req);
    const version = await this.#runner.chooseVersion(network, this.#negotiate);
    let last: ChainResult | undefined;
    try {
      for (const plugin of network.plugins) {
        const stdin = this.#runner.pluginConfig(
          network,
          plugin,
          version,
          last?.raw,
          rt.capabilityArgs,
        );
        last = await this.#runner.add(network, plugin, stdin, rt, req);
      }
    } catch (err) {
      if (this.#rollback) await this.#rollbackAdd(network, version, rt, req);
      throw err;
    }
    if (!last) throw new Error('unreachable: a network has at least one plugin');
    const added = last;
    // Without a record a later DEL could not send what ADD used: undo the ADD instead.
    await this.cache
      .write({
        network: network.name,
        containerId: rt.containerId,
        ifName: rt.ifName,
        netns: rt.netns,
        cniArgs: rt.cniArgs.map(([k, v]) => [k, v]),
        capabilityArgs: rt.capabilityArgs,
        config: network.json,
        cniVersion: version,
        result: last.raw,
        addedAt: Date.now(),
      })
      .catch(async (err: unknown) => {
        await this.#rollbackAdd(network, version, rt, req, added.raw);
        throw err;
      });
    return last.result;
  }

  /**
   * DEL: runs the chain in reverse. With a cache record (after a restart too) it sends the
   * config, CNI_ARGS, capabilities and prevResult that ADD used; otherwise the given
   * network without prevResult, so plugins clean up what they can. A netns that no longer
   * exists is sent as empty. The record is removed only when every plugin succeeded.
   */
  async del(network: NetworkConfigList | string, req: DelRequest): Promise<DelOutcome> {
    const name = typeof network === 'string' ? network : network.name;
    const ifName = req.ifName ?? 'eth0';
    validateNetworkName(name);
    validateContainerId(req.containerId);
    validateIfName(ifName);
    const key: AttachmentKey = { network: name, containerId: req.containerId, ifName };
    let cached: CachedAttachment | undefined;
    try {
      cached = await this.cache.read(key);
    } catch (err) {
      if (!(err instanceof CacheError)) throw err;
      this.#logger.warn({ file: err.file, err }, 'unreadable CNI cache record; DEL without it');
      await this.cache.remove(key);
    }
    if (cached) {
      await this.#delCached(cached, req);
      return { fromCache: true, ran: true };
    }
    if (typeof network === 'string') return { fromCache: false, ran: false };
    const rt = this.#runtimeConf(name, { ...req, netns: req.netns ?? '' });
    rt.netns = await existingOrEmpty(rt.netns);
    const version = await this.#runner.chooseVersion(network, this.#negotiate);
    await this.#delChain(network, version, undefined, rt, req);
    return { fromCache: false, ran: true };
  }

  /** DELs one cached attachment with exactly what its ADD used, then forgets it. */
  async delCached(entry: CachedAttachment, opts: CallOptions = {}): Promise<void> {
    await this.#delCached(entry, opts);
  }

  async #delCached(entry: CachedAttachment, req: CallOptions & { netns?: string }): Promise<void> {
    const list = parseNetworkConfig(entry.config, { format: 'list' });
    const rt: RuntimeConf = {
      containerId: entry.containerId,
      ifName: entry.ifName,
      netns: await existingOrEmpty(req.netns ?? entry.netns),
      cniArgs: entry.cniArgs,
      capabilityArgs: entry.capabilityArgs,
    };
    const version = entry.cniVersion || list.cniVersion;
    const prev = delCarriesPrevResult(version) ? entry.result : undefined;
    await this.#delChain(list, version, prev, rt, req);
    await this.cache.remove(entry);
  }

  async #delChain(
    list: NetworkConfigList,
    version: string,
    prevResult: Record<string, unknown> | undefined,
    rt: RuntimeConf,
    opts: CallOptions,
  ): Promise<void> {
    for (const plugin of [...list.plugins].reverse()) {
      const stdin = this.#runner.pluginConfig(list, plugin, version, prevResult, rt.capabilityArgs);
      await this.#runner.run('DEL', list, plugin, stdin, rt, opts);
    }
  }

  async #rollbackAdd(
    list: NetworkConfigList,
    version: string,
    rt: RuntimeConf,
    opts: CallOptions,
    prevResult?: Record<string, unknown>,
  ): Promise<void> {
    const prev = prevResult && delCarriesPrevResult(version) ? prevResult : undefined;
    for (const plugin of [...list.plugins].reverse()) {
      const stdin = this.#runner.pluginConfig(list, plugin, version, prev, rt.capabilityArgs);
      try {
        await this.#runner.run('DEL', list, plugin, stdin, rt, { timeoutMs: opts.timeoutMs });
      } catch (err) {
        this.#logger.warn(
          { network: list.name, plugin: plugin.type, containerId: rt.containerId, err },
          'DEL after a failed ADD failed',
        );
      }
    }
  }

  /**
   * CHECK (spec 0.4.0+): runs the chain with the cached result as prevResult. Does nothing
   * when the network sets `disableCheck`; {@link AttachmentNotFoundError} without an ADD.
   */
  async check(
    network: NetworkConfigList | string,
    req: { containerId: string; ifName?: string } & CallOptions,
  ): Promise<void> {
    const name = typeof network === 'string' ? network : network.name;
    const key = { network: name, containerId: req.containerId, ifName: req.ifName ?? 'eth0' };
    const cached = await this.cache.read(key);
    if (!cached) throw new AttachmentNotFoundError(key.network, key.containerId, key.ifName);
    const list =
      typeof network === 'string' ? parseNetworkConfig(cached.config, { format: 'list' }) : network;
    const version = cached.cniVersion || list.cniVersion;
    if (!versionAtLeast(version, '0.4.0')) {
      throw new IncompatibleVersionError(
        version,
        `network ${name} uses CNI ${version}; CHECK needs 0.4.0 or later`,
      );
    }
    if (list.disableCheck) return;
    const rt: RuntimeConf = {
      containerId: cached.containerId,
      ifName: cached.ifName,
      netns: cached.netns,
      cniArgs: cached.cniArgs,
      capabilityArgs: cached.capabilityArgs,
    };
    for (const plugin of list.plugins) {
      const stdin = this.#runner.pluginConfig(
        list,
        plugin,
        version,
        cached.result,
        rt.capabilityArgs,
      );
      await this.#runner.run('CHECK', list, plugin, stdin, rt, req);
    }
  }

  /**
   * STATUS: whether the network can take ADDs now. With CNI 1.1.0+ each plugin is asked
   * (a {@link PluginError} with code 50/51 means not available); before 1.1.0 there is no
   * such command, so it checks that every plugin binary is installed.
   */
  async status(network: NetworkConfigList, opts: CallOptions = {}): Promise<void> {
    const version = await this.#runner.chooseVersion(network, this.#negotiate);
    for (const plugin of network.plugins) {
      if (!versionAtLeast(version, '1.1.0')) {
        await findPlugin(plugin.type, this.pluginDirs);
        continue;
      }
      const stdin = { ...plugin.raw, name: network.name, cniVersion: version };
      await this.#runner.run('STATUS', network, plugin, stdin, undefined, opts);
    }
  }

  /** The CNI version the driver would run `network` with (see `negotiateVersion`). */
  chooseVersion(network: NetworkConfigList): Promise<string> {
    return this.#runner.chooseVersion(network, this.#negotiate);
  }

  /**
   * GC, typically once at startup with the runtime's live sandboxes: DEL every cached
   * attachment not in `validAttachments`, then send the CNI 1.1 GC command to the
   * `networks` that support it. Never throws for a single failure; see the report.
   */
  gc(req: GcRequest): Promise<GcReport> {
    return collectGarbage(this, req);
  }

  /**
   * Takes a sandbox's network down (every cached attachment, then its namespace). With
   * `force`, never blocks on a broken network: what cannot be removed is reported and left
   * for {@link CniDriver.gc}; without it, the first failure throws `TeardownError`.
   */
  teardown(req: TeardownRequest): Promise<TeardownReport> {
    return teardownSandbox(this, req);
  }

  /** The result an ADD cached for an attachment, in the 1.x shape, or undefined. */
  async cachedResult(key: AttachmentKey): Promise<CniResult | undefined> {
    const entry = await this.cache.read(key);
    return entry ? parseCniResult(entry.result) : undefined;
  }

  /** Cached attachments (all, or one container's), oldest first. */
  async cachedAttachments(containerId?: string): Promise<CachedAttachment[]> {
    const { attachments, errors } = await this.cache.list(containerId);
    for (const e of errors)
      this.#logger.warn({ file: e.file, err: e }, 'unreadable CNI cache record skipped');
    return attachments;
  }

  #runtimeConf(network: string, req: Omit<AddRequest, 'netns'> & { netns: string }): RuntimeConf {
    validateNetworkName(network);
    validateContainerId(req.containerId);
    const ifName = req.ifName ?? 'eth0';
    validateIfName(ifName);
    return {
      containerId: req.containerId,
      netns: req.netns,
      ifName,
      cniArgs: cniArgPairs(req.containerId, req.pod, req.args),
      capabilityArgs: req.capabilities ?? {},
    };
  }
}

// DEL after the namespace is gone: send no CNI_NETNS, so plugins release what they can.
async function existingOrEmpty(path: string): Promise<string> {
  return path && (await isNetns(path)) ? path : '';
}
