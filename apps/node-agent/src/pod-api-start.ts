import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createCgroupManager } from '@capstan/cgroups';
import { cgroupSample, ResourceSampler } from '@capstan/pod-lifecycle';
import type { Logger } from 'pino';
import type { Agent } from './agent.js';
import { createPodApi } from './api/index.js';
import type { AgentConfig } from './config/config.js';

/**
 * Starts the local pod API (off unless enabled): the unix socket always; a loopback https
 * port with a bearer token when a port or a kubeconfig is asked for, since kubectl talks
 * TCP. The token is read from tokenFile or made once and kept in the agent's root dir.
 * Its metrics.k8s.io usage is sampled every podApi.metricsPeriodMs while it serves.
 */
export async function startPodApi(
  agent: Agent,
  config: AgentConfig,
  logger: Logger,
): Promise<{ close(): Promise<void> }> {
  const api = config.podApi;
  const wantTcp = api.port !== undefined || api.kubeconfig !== undefined;
  let token: string | undefined;
  if (wantTcp) {
    const tokenFile = api.tokenFile ?? join(config.rootDir, 'pod-api-token');
    if (!existsSync(tokenFile)) {
      mkdirSync(dirname(tokenFile), { recursive: true });
      writeFileSync(tokenFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    }
    token = readFileSync(tokenFile, 'utf8').trim();
  }
  mkdirSync(dirname(api.socket), { recursive: true });
  // kubectl top's numbers: container counters from the runtime, the node's from its cgroup.
  const cgroups = createCgroupManager();
  const sampler = new ResourceSampler({
    runtime: agent.cri.runtime,
    nodeSample: async () => cgroupSample(await cgroups.stats(config.nodeCgroup)),
    periodMs: api.metricsPeriodMs,
    logger,
  });
  sampler.start();
  const server = createPodApi({
    metrics: sampler,
    manager: agent.pods,
    events: agent.events,
    nodeName: config.nodeName,
    unixSocket: api.socket,
    ...(token ? { tcp: { host: '127.0.0.1', port: api.port ?? 0, token } } : {}),
    logger,
  });
  const address = await server.listen();
  if (api.kubeconfig) {
    await server.writeKubeconfig(api.kubeconfig);
    logger.info({ kubeconfig: api.kubeconfig, url: address.url }, 'kubeconfig written');
  }
  logger.info({ socket: address.socket, url: address.url }, 'pod API serving');
  return {
    async close() {
      await sampler.stop();
      await server.close();
    },
  };
}
