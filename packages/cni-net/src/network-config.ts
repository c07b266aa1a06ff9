import {
  CNI_SPEC_VERSION,
  compareCniVersions,
  parseCniVersion,
  versionCandidates,
} from './cni-version.js';
import { ConfigError } from './errors.js';

/** One plugin of a network: its binary name, declared capabilities and its config as written. */
export interface PluginConfig {
  /** The plugin binary's name (`type`), looked up on the plugin paths. */
  readonly type: string;
  /** Capabilities the plugin declares (`"capabilities": {"portMappings": true}`). */
  readonly capabilities: Readonly<Record<string, boolean>>;
  /** The plugin object exactly as configured; the driver injects `name`, `cniVersion`, ... */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A network: a named, ordered chain of plugins (a `.conflist`, or a `.conf` up-converted). */
export interface NetworkConfigList {
  readonly name: string;
  /** The version libcni would use: the highest of `cniVersion`/`cniVersions` this driver knows. */
  readonly cniVersion: string;
  /** Every usable version the configuration offers, highest first (`cniVersion` included). */
  readonly cniVersions: readonly string[];
  readonly disableCheck: boolean;
  readonly disableGC: boolean;
  readonly plugins: readonly PluginConfig[];
  /** The whole list as one JSON document (plugins inlined); what the result cache stores. */
  readonly json: string;
  /** The file it was loaded from, when it came from a file. */
  readonly file?: string;
}

/** How a document is shaped: a list with `plugins`, or one plugin (`.conf`, `.json`). */
export type ConfigFormat = 'list' | 'single';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function readBool(doc: Json, key: string, fail: (p: string) => never): boolean {
  const v = doc[key];
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return fail(`"${key}" must be true or false, got ${JSON.stringify(v)}`);
}

/** Validates one plugin object; `where` names it in messages ("plugins[1]"). */
export function parsePluginConfig(
  raw: unknown,
  where: string,
  fail: (p: string) => never,
): PluginConfig {
  if (!isObject(raw)) return fail(`${where} must be an object`);
  const type = raw.type;
  if (typeof type !== 'string' || type === '') return fail(`${where} has no "type"`);
  if (/[/\\]/.test(type) || type === '.' || type === '..') {
    return fail(
      `${where} has an invalid "type" ${JSON.stringify(type)}: must be a plain file name`,
    );
  }
  const capabilities: Record<string, boolean> = {};
  if (raw.capabilities !== undefined) {
    if (!isObject(raw.capabilities)) return fail(`${where}: "capabilities" must be an object`);
    for (const [k, v] of Object.entries(raw.capabilities)) {
      if (typeof v !== 'boolean') return fail(`${where}: capability "${k}" must be true or false`);
      capabilities[k] = v;
    }
  }
  return { type, capabilities, raw };
}

function readVersion(
  doc: Json,
  fail: (p: string) => never,
): { cniVersion: string; cniVersions: string[] } {
  const v = doc.cniVersion;
  if (v !== undefined && typeof v !== 'string') return fail(`"cniVersion" must be a string`);
  const listed: string[] = [];
  if (doc.cniVersions !== undefined) {
    if (!Array.isArray(doc.cniVersions)) return fail(`"cniVersions" must be a list of strings`);
    for (const [i, e] of doc.cniVersions.entries()) {
      if (typeof e !== 'string' || !parseCniVersion(e)) {
        return fail(`"cniVersions"[${i}] is not a version: ${JSON.stringify(e)}`);
      }
      listed.push(e);
    }
  }
  if (!v && listed.length === 0) return fail('no "cniVersion"');
  if (v && !parseCniVersion(v)) return fail(`"cniVersion" is not a version: ${JSON.stringify(v)}`);
  const candidates = versionCandidates(v ?? '', listed).filter(
    (c) => compareCniVersions(c, '0.3.0') >= 0,
  );
  const chosen = candidates[0];
  if (!chosen) {
    return fail(
      `no usable CNI version in ${JSON.stringify([v, ...listed].filter(Boolean))}: this driver speaks 0.3.0 to ${CNI_SPEC_VERSION}`,
    );
  }
  return { cniVersion: chosen, cniVersions: candidates };
}

/**
 * Parses a network configuration document, the way libcni reads `.conflist` files
 * (`format: 'list'`) and up-converts `.conf`/`.json` files (`format: 'single'`). Without
 * a format, a document with a `plugins` key is a list. Throws {@link ConfigError} naming
 * `file` and the problem.
 */
export function parseNetworkConfig(
  text: string,
  options: { file?: string; format?: ConfigFormat; extraPlugins?: readonly unknown[] } = {},
): NetworkConfigList {
  const { file } = options;
  const fail = (problem: string): never => {
    throw new ConfigError(problem, file);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid JSON: ${(err as Error).message}`, file, { cause: err });
  }
  if (!isObject(doc)) return fail('a network configuration must be a JSON object');
  const format = options.format ?? ('plugins' in doc ? 'list' : 'single');
  const name = doc.name;
  if (typeof name !== 'string' || name === '') return fail('no "name"');
  if (!NAME.test(name)) {
    return fail(
      `invalid network name ${JSON.stringify(name)}: letters, digits, '_', '.', '-' only`,
    );
  }
  const { cniVersion, cniVersions } = readVersion(doc, fail);
  let listDoc: Json;
  let rawPlugins: unknown[];
  if (format === 'single') {
    rawPlugins = [doc];
    listDoc = { cniVersion: doc.cniVersion ?? cniVersion, name, plugins: rawPlugins };
  } else {
    if (doc.plugins === undefined) rawPlugins = [];
    else if (Array.isArray(doc.plugins)) rawPlugins = doc.plugins;
    else return fail('"plugins" must be a list');
    listDoc = doc;
  }
  if (options.extraPlugins?.length) {
    rawPlugins = [...rawPlugins, ...options.extraPlugins];
    listDoc = { ...listDoc, plugins: rawPlugins };
  }
  if (rawPlugins.length === 0) return fail('no plugins in the list');
  const plugins = rawPlugins.map((p, i) => parsePluginConfig(p, `plugins[${i}]`, fail));
  return {
    name,
    cniVersion,
    cniVersions,
    disableCheck: readBool(doc, 'disableCheck', fail),
    disableGC: readBool(doc, 'disableGC', fail),
    plugins,
    json: JSON.stringify(listDoc),
    ...(file === undefined ? {} : { file }),
  };
}

/** True when a list document asks not to have drop-in plugins appended (`loadOnlyInlinedPlugins`). */
export function loadsOnlyInlinedPlugins(text: string): boolean {
  try {
    const doc: unknown = JSON.parse(text);
    const v = isObject(doc) ? doc.loadOnlyInlinedPlugins : undefined;
    return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
  } catch {
    return false;
  }
}
