// capstan-node-agent's command line: load config, build the agent, serve; SIGTERM/SIGINT
// stop it. Entered through main.ts, which sets the V8 heap flags first.
import { Command } from 'commander';
import { pino } from 'pino';
import { Agent } from './agent.js';
import { ConfigError, loadConfig, sizeBytes } from './config/config.js';
import { startHttpServer } from './http-server.js';

/** A KubeletConfiguration map (`{ memory.available: 100Mi }`) in flag syntax. */
const flagSyntax = (v: string | Record<string, string>, op: '<' | '=') =>
  typeof v === 'string'
    ? v
    : Object.entries(v)
        .map(([k, x]) => `${k}${op}${x}`)
        .join(',');

const program = new Command('capstan-node-agent')
  .description('Capstan node agent: a standalone kubelet that drives any CRI runtime.')
  .option('--config <file>', 'config file (YAML, KubeletConfiguration field names)')
  .option('--container-runtime-endpoint <endpoint>', 'CRI endpoint (containerRuntimeEndpoint)')
  .option('--pod-manifest-path <dir>', 'static pod directory (staticPodPath)')
  .option('--root-dir <dir>', 'agent state (rootDir)')
  .option('--pod-logs-dir <dir>', 'pod log root (podLogsDir)')
  .option('--config-dir <dir>', 'configMap/secret data for pods (configDir)')
  .option('--node-name <name>', 'node name (nodeName)')
  .option(
    '--cgroup-root <name>',
    "pod cgroup root, '' to leave cgroups to the runtime (cgroupRoot)",
  )
  .option('--healthz-port <port>', 'healthz/metrics port, 0 for any (healthzPort)', Number)
  .option('--max-pods <n>', 'pods this node admits (maxPods)', Number)
  .option('--enable-pod-api', 'serve the local pod API (off by default)')
  .option('--pod-api-socket <path>', 'unix socket of the pod API')
  .option(
    '--pod-api-port <port>',
    'also serve the pod API on this loopback port (bearer token)',
    Number,
  )
  .option('--kubeconfig <path>', 'where to write a kubeconfig for the pod API')
  .option('--log-level <level>', 'trace, debug, info, warn, error', 'info');

program.parse();
const o = program.opts();
const logger = pino({ level: o.logLevel, base: { component: 'node-agent' } });

try {
  const config = loadConfig(o.config, {
    containerRuntimeEndpoint: o.containerRuntimeEndpoint,
    staticPodPath: o.podManifestPath,
    rootDir: o.rootDir,
    podLogsDir: o.podLogsDir,
    configDir: o.configDir,
    nodeName: o.nodeName,
    cgroupRoot: o.cgroupRoot,
    healthzPort: o.healthzPort,
    maxPods: o.maxPods,
    'podApi.enabled': o.enablePodApi,
    'podApi.socket': o.podApiSocket,
    'podApi.port': o.podApiPort,
    'podApi.kubeconfig': o.kubeconfig,
  });
  const agent = await Agent.start({
    nodeName: config.nodeName,
    runtimeEndpoint: config.containerRuntimeEndpoint,
    ...(config.imageServiceEndpoint ? { imageEndpoint: config.imageServiceEndpoint } : {}),
    rootDir: config.rootDir,
    podLogsDir: config.podLogsDir,
    ...(config.staticPodPath ? { staticPodPath: config.staticPodPath } : {}),
    ...(config.configDir ? { configDir: config.configDir } : {}),
    maxPods: config.maxPods,
    cgroupRoot: config.cgroupRoot,
    cgroupDriver: config.cgroupDriver,
    relistPeriodMs: config.relistPeriodMs,
    hostIP: config.hostIP,
    logger,
    logRotation: {
      maxSize: sizeBytes(config.containerLogMaxSize),
      maxFiles: config.containerLogMaxFiles,
    },
    imageGc: {
      highThresholdPercent: config.imageGCHighThresholdPercent,
      lowThresholdPercent: config.imageGCLowThresholdPercent,
    },
    housekeepingPeriodMs: config.housekeepingPeriodMs,
    nodeCgroup: config.nodeCgroup,
    eviction: {
      ...(config.evictionHard ? { hard: flagSyntax(config.evictionHard, '<') } : {}),
      ...(config.evictionSoft ? { soft: flagSyntax(config.evictionSoft, '<') } : {}),
      ...(config.evictionSoftGracePeriod
        ? { softGracePeriod: flagSyntax(config.evictionSoftGracePeriod, '=') }
        : {}),
      ...(config.evictionMinimumReclaim
        ? { minimumReclaim: flagSyntax(config.evictionMinimumReclaim, '=') }
        : {}),
      ...(config.evictionPressureTransitionPeriod
        ? { pressureTransitionPeriod: config.evictionPressureTransitionPeriod }
        : {}),
      ...(config.evictionMaxPodGracePeriod !== undefined
        ? { maxPodGracePeriodSeconds: config.evictionMaxPodGracePeriod }
        : {}),
    },
  });
  const http = await startHttpServer(agent, config.healthzBindAddress, config.healthzPort);
  const statusHttp = config.statusSocket
    ? await startHttpServer(agent, '', 0, config.statusSocket)
    : undefined;
  const addr = http.address();
  logger.info(
    {
      healthz:
        typeof addr === 'object' && addr ? `http://${addr.address}:${addr.port}/healthz` : addr,
    },
    'serving healthz and metrics',
  );
  // Loaded only when enabled (the seed's default is off): the API's code stays out of memory.
  const api = config.podApi.enabled
    ? await (await import('./pod-api-start.js')).startPodApi(agent, config, logger)
    : undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping (pods keep running)');
    setTimeout(() => process.exit(0), 10_000).unref();
    await api?.close();
    http.close();
    statusHttp?.close();
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`capstan-node-agent: ${err.message}\n`);
    process.exit(2);
  }
  logger.fatal({ err }, 'node agent failed to start');
  process.exit(1);
}
