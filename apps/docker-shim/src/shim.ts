import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CriServer } from '@capstan/cri-api';
import {
  CniPodNetwork,
  createRuntimeService,
  currentOomScoreAdj,
  type Logger,
  type RecoveryReport,
  type RuntimeService,
  serveRuntime,
} from '@capstan/cri-server';
import Docker from 'dockerode';
import { durationMs, type ShimConfig } from './config/shim-config.js';
import { DockerBackend } from './docker-backend.js';
import { fromDocker } from './docker-errors.js';

/** A Docker client for `unix:///path`, a bare path, or `tcp://host:port`. */
export function dockerClient(endpoint: string): Docker {
  if (endpoint.startsWith('unix://'))
    return new Docker({ socketPath: endpoint.slice('unix://'.length) });
  if (endpoint.startsWith('/')) return new Docker({ socketPath: endpoint });
  const m = /^tcp:\/\/([^:/]+):(\d+)$/.exec(endpoint);
  if (m) return new Docker({ host: m[1]!, port: Number(m[2]), protocol: 'http' });
  throw new Error(`--docker-endpoint ${endpoint}: expected unix:///path or tcp://host:port`);
}

/** A running shim: the CRI service, its server, and what it was built from. */
export interface Shim {
  service: RuntimeService;
  server: CriServer;
  backend: DockerBackend;
  network: CniPodNetwork;
  recovery: RecoveryReport;
  /** Stops serving (calls in flight finish, up to graceMs), then stops log followers. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Builds the shim from its config, in order: Docker client (version, data root, cgroup
 * driver), CNI pod network, the Docker backend, the CRI service; recovers state from the
 * checkpoints and Docker's labels, garbage-collects CNI attachments of vanished sandboxes,
 * and only then serves.
 */
export async function startShim(config: ShimConfig, logger: Logger): Promise<Shim> {
  const docker = dockerClient(config.dockerEndpoint);
  let version: Docker.DockerVersion;
  let info: { DockerRootDir?: string; CgroupDriver?: string };
  try {
    [version, info] = await Promise.all([docker.version(), docker.info() as Promise<typeof info>]);
  } catch (err) {
    throw fromDocker(err, `connecting to Docker at ${config.dockerEndpoint}`);
  }
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const network = new CniPodNetwork({
    confDir: config.cni.confDir,
    binDirs: config.cni.binDirs,
    ...(config.cni.netns ? { pluginNetns: config.cni.netns } : {}),
    cacheDir: join(config.stateDir, 'cni'),
    logger,
  });
  await network.start();
  const backend = new DockerBackend({
    docker,
    logger,
    instance: config.instance,
    podInfraImage: config.podInfraContainerImage,
    stateDir: config.stateDir,
    sysctlWhitelist: config.sysctlWhitelist,
    oomScoreFloor: config.restrictOomScoreAdj ? currentOomScoreAdj() : undefined,
    statsPeriodMs: durationMs(config.statsPeriod),
    pullProgressTimeoutMs: durationMs(config.imagePullProgressDeadline),
    registryConfigDir: config.registryConfigDir,
    version: version.Version,
    dataRoot: info.DockerRootDir ?? '/var/lib/docker',
  });
  let service: RuntimeService | undefined;
  try {
    const { tlsCertFile, tlsKeyFile } = config.streaming;
    service = await createRuntimeService({
      backend,
      network,
      stateDir: join(config.stateDir, 'cri'),
      logger,
      cgroupDriver: info.CgroupDriver === 'systemd' ? 'systemd' : 'cgroupfs',
      streaming: {
        address: config.streaming.address,
        ...(tlsCertFile
          ? { tls: { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) } }
          : {}),
      },
    });
    const recovery = await service.recover();
    const live = await backend.inventory();
    await network
      .gc(live.sandboxIds)
      .catch((err: unknown) => logger.warn({ err }, 'CNI garbage collection failed'));
    if (config.listen.startsWith('unix://'))
      mkdirSync(dirname(config.listen.slice(7)), { recursive: true });
    const server = await serveRuntime(service, config.listen);
    logger.info(
      {
        listen: config.listen,
        streaming: service.streamingUrl,
        docker: version.Version,
        ...recovery,
      },
      'docker shim serving',
    );
    const started = service;
    let closing: Promise<void> | undefined;
    return {
      service,
      server,
      backend,
      network,
      recovery,
      close(graceMs = 10_000) {
        closing ??= (async () => {
          // CriServer.close waits for its listener to close, which Node only reports once
          // every client hung up: bound the wait, so a connected kubelet cannot hold us.
          await Promise.race([
            server.close(graceMs),
            new Promise((r) => setTimeout(r, graceMs + 1_000).unref()),
          ]);
          // Ends streaming sessions (their exec'd processes are killed); idempotent.
          await started.close();
          await backend.close();
          network.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await service?.close();
    await backend.close();
    network.close();
    throw err;
  }
}
