import { versionAtLeast } from './cni-version.js';
import type { NetworkConfigList } from './network-config.js';
import type { PluginRunner } from './plugin-runner.js';
import type { AttachmentKey, CachedAttachment } from './result-cache.js';

/** An attachment the runtime still uses; without `network` or `ifName` it matches any. */
export interface ValidAttachment {
  containerId: string;
  ifName?: string;
  network?: string;
}

/** What GC keeps and which networks get the GC command. */
export interface GcRequest {
  /** Attachments still in use (the runtime's live sandboxes). Every other cached one is DEL'd. */
  validAttachments: readonly ValidAttachment[];
  /** Networks to send the CNI 1.1 GC command to (skipped below 1.1.0 or with `disableGC`). */
  networks?: readonly NetworkConfigList[];
  /** Limit per plugin call. */
  timeoutMs?: number;
}

/** What GC did. */
export interface GcReport {
  /** Leaked attachments that were DEL'd and forgotten. */
  deleted: AttachmentKey[];
  /** Leaked attachments whose DEL failed; their records stay for the next GC. */
  failed: { attachment: AttachmentKey; error: Error }[];
  /** Plugins whose GC command failed. */
  pluginErrors: { network: string; plugin: string; error: Error }[];
}

/** The part of the driver GC needs. */
export interface GcHost {
  readonly runner: PluginRunner;
  cachedAttachments(containerId?: string): Promise<CachedAttachment[]>;
  delCached(entry: CachedAttachment, opts?: { timeoutMs?: number }): Promise<void>;
  chooseVersion(list: NetworkConfigList): Promise<string>;
}

const matches = (v: ValidAttachment, a: AttachmentKey): boolean =>
  v.containerId === a.containerId &&
  (v.ifName === undefined || v.ifName === a.ifName) &&
  (v.network === undefined || v.network === a.network);

/**
 * libcni's GC in two steps: DEL (from the cache, with the config and result ADD used)
 * every cached attachment not in `validAttachments`, newest first; then, for networks on
 * CNI 1.1.0+, send each plugin GC with `cni.dev/valid-attachments` so it can drop state
 * the cache never knew about (libcni also sends the older `cni.dev/attachments` key).
 */
export async function collectGarbage(host: GcHost, req: GcRequest): Promise<GcReport> {
  const report: GcReport = { deleted: [], failed: [], pluginErrors: [] };
  const cached = await host.cachedAttachments();
  const opts = req.timeoutMs === undefined ? {} : { timeoutMs: req.timeoutMs };
  for (const entry of [...cached].reverse()) {
    if (req.validAttachments.some((v) => matches(v, entry))) continue;
    const key = { network: entry.network, containerId: entry.containerId, ifName: entry.ifName };
    try {
      await host.delCached(entry, opts);
      report.deleted.push(key);
    } catch (err) {
      report.failed.push({ attachment: key, error: err as Error });
    }
  }
  for (const list of req.networks ?? []) {
    if (list.disableGC) continue;
    const version = await host.chooseVersion(list);
    if (!versionAtLeast(version, '1.1.0')) continue;
    const valid = validFor(list.name, req.validAttachments, cached);
    for (const plugin of list.plugins) {
      const stdin = {
        ...plugin.raw,
        name: list.name,
        cniVersion: version,
        'cni.dev/valid-attachments': valid,
        'cni.dev/attachments': valid,
      };
      try {
        await host.runner.run('GC', list, plugin, stdin, undefined, opts);
      } catch (err) {
        report.pluginErrors.push({ network: list.name, plugin: plugin.type, error: err as Error });
      }
    }
  }
  return report;
}

// The spec's GC attachment objects for one network: listed ones with an interface name,
// and for those without, the interfaces the cache knows for that container.
function validFor(
  network: string,
  valid: readonly ValidAttachment[],
  cached: readonly CachedAttachment[],
): { containerID: string; ifname: string }[] {
  const out = new Map<string, { containerID: string; ifname: string }>();
  for (const v of valid) {
    if (v.network !== undefined && v.network !== network) continue;
    const ifNames = v.ifName
      ? [v.ifName]
      : cached
          .filter((c) => c.network === network && c.containerId === v.containerId)
          .map((c) => c.ifName);
    for (const ifname of ifNames)
      out.set(`${v.containerId}/${ifname}`, { containerID: v.containerId, ifname });
  }
  return [...out.values()];
}
