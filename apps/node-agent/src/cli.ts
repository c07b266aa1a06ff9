// capstan-node-agent's command line: load config, build the agent, serve; SIGTERM/SIGINT
// stop it. Entered through main.ts, which sets the V8 heap flags first.

import { createLogger, LOG_LEVELS } from '@capstan/logging';
import { Command } from 'commander';
import { Agent } from './agent.js';
import { agentOptions } from './config/agent-options.js';
import { ConfigError, defaultConfig, describeConfig, loadConfig } from './config/config.js';
import { startHttpServer } from './http-server.js';

// Flags name the config field they override; their defaults are the config's (config.ts),
// shown here and in full after the options. A flag left out never overrides the file.
const d = defaultConfig();
const program = new Command('capstan-node-agent')
  .description('Capstan node agent: a standalone kubelet that drives any CRI runtime.')
  .option('--config <file>', 'config file (YAML, KubeletConfiguration field names)')
  .option(
    '--container-runtime-endpoint <endpoint>',
    `CRI endpoint (containerRuntimeEndpoint, default ${d.containerRuntimeEndpoint})`,
  )
  .option('--pod-manifest-path <dir>', 'static pod directory (staticPodPath)')
  .option('--root-dir <dir>', `agent state (rootDir, default ${d.rootDir})`)
  .option('--pod-logs-dir <dir>', `pod log root (podLogsDir, default ${d.podLogsDir})`)
  .option('--config-dir <dir>', 'configMap/secret data for pods (configDir)')
  .option('--node-name <name>', `node name (nodeName, default ${d.nodeName})`)
  .option(
    '--cgroup-root <name>',
    `pod cgroup root, '' to leave cgroups to the runtime (cgroupRoot, default ${d.cgroupRoot})`,
  )
  .option(
    '--healthz-port <port>',
    `healthz/metrics port, 0 for any (healthzPort, default ${d.healthzPort})`,
    Number,
  )
  .option('--max-pods <n>', `pods this node admits (maxPods, default ${d.maxPods})`, Number)
  .option(
    '--allowed-unsafe-sysctls <list>',
    "unsafe sysctls pods may set, comma separated names or 'prefix*' (allowedUnsafeSysctls, default none)",
    (v: string) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
  )
  .option('--enable-pod-api', 'serve the local pod API (podApi.enabled, off by default)')
  .option('--pod-api-socket <path>', `unix socket of the pod API (default ${d.podApi.socket})`)
  .option(
    '--pod-api-port <port>',
    'also serve the pod API on this loopback port (bearer token)',
    Number,
  )
  .option('--kubeconfig <path>', 'where to write a kubeconfig for the pod API')
  .option('--log-level <level>', LOG_LEVELS.join(', '), 'info')
  .option('--log-file <path>', "the agent's own log (JSON lines, rotated by size; default stdout)")
  .option('--log-file-max-size <MiB>', 'rotate the log file at this size', Number, 10)
  .option('--log-file-max-files <n>', 'rotated log files kept beside it', Number, 5)
  .addHelpText('after', `\nConfig file fields and their defaults:\n${describeConfig()}\n`);

program.parse();
const o = program.opts();
let log: ReturnType<typeof createLogger>;
try {
  log = createLogger({
    app: 'capstan-node-agent',
    level: o.logLevel,
    file: o.logFile,
    maxSizeBytes: Math.round(o.logFileMaxSize * 1024 * 1024),
    maxFiles: o.logFileMaxFiles,
  });
} catch (err) {
  process.stderr.write(`capstan-node-agent: ${(err as Error).message}\n`);
  process.exit(2);
}
const logger = log.logger;

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
    allowedUnsafeSysctls: o.allowedUnsafeSysctls,
    'podApi.enabled': o.enablePodApi,
    'podApi.socket': o.podApiSocket,
    'podApi.port': o.podApiPort,
    'podApi.kubeconfig': o.kubeconfig,
  });
  logger.info(
    {
      nodeName: config.nodeName,
      runtimeEndpoint: config.containerRuntimeEndpoint,
      rootDir: config.rootDir,
      log: log.destination,
    },
    'starting: connecting to the container runtime',
  );
  const agent = await Agent.start(agentOptions(config, logger));
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
