import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DaemonProcess, spawnDaemon, waitUntilReady } from './daemon-process.js';
import { privateDir } from './fs-private-dir.js';
import { type Log, noLog } from './log.js';
import { freePort } from './net-free-port.js';
import { teardownTree } from './teardown-tree.js';

/** A private OCI registry (Debian's docker-registry, distribution 2.8) on loopback. */
export interface Registry {
  /** `127.0.0.1:<port>`: the registry part of image references, served over plain HTTP. */
  host: string;
  /** Private dir holding the config, the log and the blob storage; removed by stop(). */
  dir: string;
  pid: number;
  /** Kills the registry (SIGTERM, then SIGKILL), waits for it, removes `dir`. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Private dir to use (created if missing, removed by stop()); default a fresh temp dir. */
  dir?: string;
  log?: Log;
}

const REGISTRY_BIN = '/usr/bin/docker-registry';

function registryConfig(storage: string, addr: string): string {
  // distribution's YAML config; no auth, filesystem storage, nothing but the API on loopback.
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${addr}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    'health:',
    '  storagedriver:',
    '    enabled: false',
    '',
  ].join('\n');
}

async function answersV2(host: string): Promise<boolean> {
  const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/**
 * Starts a private registry on 127.0.0.1:<free port> and resolves once `GET /v2/`
 * answers 200. Retries with another port if the chosen one was taken meanwhile.
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<Registry> {
  const log = opts.log ?? noLog;
  const dir = privateDir('registry', opts.dir);
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const host = `127.0.0.1:${await freePort()}`;
    const configFile = join(dir, 'config.yml');
    writeFileSync(configFile, registryConfig(storage, host));
    const daemon: DaemonProcess = spawnDaemon({
      name: 'docker-registry',
      command: REGISTRY_BIN,
      args: ['serve', configFile],
      logFile: join(dir, 'registry.log'),
      cwd: dir,
    });
    try {
      await waitUntilReady(daemon, `GET http://${host}/v2/`, () => answersV2(host));
    } catch (err) {
      lastError = err;
      log(`registry on ${host} did not start: ${String(err)}`);
      await daemon.terminate(2_000);
      continue;
    }
    log(`registry ${host} ready (pid ${daemon.pid}, dir ${dir})`);
    let stopping: Promise<void> | undefined;
    return {
      host,
      dir,
      pid: daemon.pid,
      stop() {
        stopping ??= teardownTree({ dir, daemons: [daemon], log });
        return stopping;
      },
    };
  }
  await teardownTree({ dir, daemons: [], log });
  throw new Error(`docker-registry did not start in ${dir}`, { cause: lastError });
}
