import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { type DeepPartial, type Mount, MountPropagation } from '@capstan/cri-api';
import { FailedPreconditionError } from '@capstan/errdefs';
import { localObjectDir } from './local-objects.js';
import { EnvError, fieldValue, resourceValue } from './pod-env.js';
import { nsOf } from './pod-naming.js';
import type { Container, Pod, Volume } from './pod-types.js';

const run = promisify(execFile);

/** Where volumes of pods live, and where configMaps and secrets are read from. */
export interface VolumeOptions {
  /** Per-pod directories: <podsDir>/<uid>/volumes/<kind>/<name>. */
  podsDir: string;
  /**
   * Local source of configMap and secret data for pods without an API server:
   * <dir>/configmaps/<namespace>/<name>/<key> and <dir>/secrets/<namespace>/<name>/<key>.
   */
  configDir?: string;
  /** What a container without a limit may use, for resourceFieldRef (node allocatable). */
  allocatable?: { cpuMillis: number; memoryBytes: bigint };
}

/** Thrown when a pod's volumes cannot be set up (the pod waits with this reason). */
export class VolumeError extends FailedPreconditionError {}

const safe = (p: string) => !normalize(p).startsWith('..') && !p.startsWith('/');

/** Creates every volume of a pod (idempotent) and returns each volume's host path. */
export async function setUpVolumes(pod: Pod, o: VolumeOptions): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  const base = join(o.podsDir, pod.metadata.uid!, 'volumes');
  for (const v of pod.spec.volumes ?? []) {
    if (v.hostPath) {
      paths.set(v.name, v.hostPath.path);
      if (v.hostPath.type === 'DirectoryOrCreate') mkdirSync(v.hostPath.path, { recursive: true });
      continue;
    }
    const dir = join(base, kindOf(v), v.name);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    paths.set(v.name, dir);
    if (v.emptyDir?.medium === 'Memory' && !(await isMountpoint(dir))) {
      const size = v.emptyDir.sizeLimit
        ? [`-o`, `size=${v.emptyDir.sizeLimit.replace(/i$/, '')}`]
        : [];
      await run('mount', ['-t', 'tmpfs', ...size, 'tmpfs', dir]);
    }
    for (const src of volumeSources(v)) {
      if (src.serviceAccountToken)
        throw new VolumeError(
          `volume ${v.name}: serviceAccountToken projections need an API server; this node agent has none`,
        );
      for (const [kind, ref, mode] of [
        ['configmaps', src.configMap, 0o644],
        ['secrets', src.secret, 0o600],
      ] as const) {
        if (!ref) continue;
        const what = `${kind === 'configmaps' ? 'configMap' : 'secret'} ${ref.name}`;
        const from = localObjectDir(o.configDir, kind, nsOf(pod), ref.name);
        fillFrom(dir, from, ref, what, mode);
      }
      if (src.downwardAPI) fillDownward(pod, dir, src.downwardAPI.items, o);
    }
  }
  return paths;
}

type Source = NonNullable<Volume['projected']>['sources'][number];

/** A volume's data sources: a projected volume's list, or the one a plain volume is. */
function volumeSources(v: Volume): Source[] {
  if (v.projected) return v.projected.sources;
  return [
    {
      ...(v.configMap ? { configMap: v.configMap } : {}),
      ...(v.secret ? { secret: { ...v.secret, name: v.secret.secretName } } : {}),
      ...(v.downwardAPI ? { downwardAPI: v.downwardAPI } : {}),
    },
  ];
}

/** Writes downwardAPI items (field paths, resource values) into a volume directory. */
function fillDownward(
  pod: Pod,
  dir: string,
  items: NonNullable<Volume['downwardAPI']>['items'],
  o: VolumeOptions,
): void {
  for (const item of items) {
    if (!safe(item.path)) throw new VolumeError(`downwardAPI path ${item.path} leaves the volume`);
    let value: string;
    try {
      if (item.resourceFieldRef) {
        const ref = item.resourceFieldRef;
        const target = pod.spec.containers.find((c) => c.name === ref.containerName);
        if (!target)
          throw new VolumeError(`downwardAPI ${item.path}: no container ${ref.containerName}`);
        value = resourceValue(
          target,
          ref.resource,
          ref.divisor,
          o.allocatable ?? { cpuMillis: 0, memoryBytes: 0n },
        );
      } else {
        // Volumes see the pod's metadata (no IPs: a volume is written before them).
        value = fieldValue(pod, item.fieldRef?.fieldPath ?? '', { podIP: '', hostIP: '' }, true);
      }
    } catch (err) {
      if (err instanceof EnvError)
        throw new VolumeError(`downwardAPI ${item.path}: ${err.message}`);
      throw err;
    }
    mkdirSync(dirname(join(dir, item.path)), { recursive: true });
    writeFileSync(join(dir, item.path), value);
  }
}

function kindOf(v: Volume): string {
  if (v.emptyDir) return 'empty-dir';
  if (v.configMap) return 'configmap';
  if (v.secret) return 'secret';
  if (v.downwardAPI) return 'downward-api';
  if (v.projected) return 'projected';
  throw new VolumeError(
    `volume ${v.name}: only emptyDir, hostPath, configMap, secret, downwardAPI and projected are supported`,
  );
}

function fillFrom(
  dir: string,
  source: string,
  spec: { items?: { key: string; path: string }[]; optional?: boolean },
  what: string,
  mode = 0o644,
) {
  if (!existsSync(source)) {
    if (spec.optional) return;
    throw new VolumeError(`${what} not found (looked in ${source})`);
  }
  const keys = readdirSync(source);
  const items = spec.items ?? keys.map((k) => ({ key: k, path: k }));
  for (const it of items) {
    if (!keys.includes(it.key)) throw new VolumeError(`${what} has no key ${it.key}`);
    if (!safe(it.path)) throw new VolumeError(`${what}: path ${it.path} leaves the volume`);
    mkdirSync(dirname(join(dir, it.path)), { recursive: true });
    writeFileSync(join(dir, it.path), readFileSync(join(source, it.key)), { mode });
  }
}

/** CRI mounts of one container from the pod's volume paths. */
export function mountsFor(c: Container, paths: Map<string, string>): DeepPartial<Mount>[] {
  return (c.volumeMounts ?? []).map((vm) => {
    const host = paths.get(vm.name);
    if (!host) throw new VolumeError(`container ${c.name} mounts unknown volume ${vm.name}`);
    if (vm.subPath && !safe(vm.subPath))
      throw new VolumeError(`subPath ${vm.subPath} leaves the volume`);
    return {
      containerPath: vm.mountPath,
      hostPath: vm.subPath ? join(host, vm.subPath) : host,
      readonly: vm.readOnly ?? false,
      propagation:
        vm.mountPropagation === 'Bidirectional'
          ? MountPropagation.PROPAGATION_BIDIRECTIONAL
          : vm.mountPropagation === 'HostToContainer'
            ? MountPropagation.PROPAGATION_HOST_TO_CONTAINER
            : MountPropagation.PROPAGATION_PRIVATE,
    };
  });
}

/** Removes a pod's volumes; memory-backed emptyDirs are always unmounted first. */
export async function tearDownVolumes(uid: string, o: VolumeOptions): Promise<void> {
  const base = join(o.podsDir, uid);
  if (!existsSync(base)) return;
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && p.startsWith(`${base}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => {});
  rmSync(base, { recursive: true, force: true });
}

async function isMountpoint(dir: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === dir);
}
