#!/usr/bin/env node
import { createLogger } from '@capstan/logging';
// capstan-docker-shim: a CRI runtime over the Docker Engine. Thin on purpose: parse the
// command line and config, build the shim (src/shim.ts), serve, drain on SIGTERM.
import { Command } from 'commander';
import { ConfigError, exampleConfig, loadConfig, type ShimFlags } from './config/shim-config.js';
import { startShim } from './shim.js';

const program = new Command('capstan-docker-shim')
  .description('A Kubernetes CRI runtime over the Docker Engine (capstan).')
  .option('--config <file>', 'YAML config file (see --print-config); flags override it')
  .option(
    '--listen <endpoint>',
    'CRI socket to serve (default unix:///run/capstan/docker-shim.sock)',
  )
  .option('--docker-endpoint <endpoint>', 'Docker Engine API (default unix:///var/run/docker.sock)')
  .option(
    '--state-dir <dir>',
    'state: checkpoints, per-pod files, CNI cache (default /var/lib/capstan/docker-shim)',
  )
  .option('--cni-conf-dir <dir>', 'CNI network configs (default /etc/cni/net.d)')
  .option(
    '--cni-bin-dir <dirs>',
    'CNI plugin dirs, comma separated (default /opt/cni/bin,/usr/lib/cni)',
  )
  .option('--cni-netns <netns>', 'run CNI plugins inside this network namespace (name or path)')
  .option(
    '--pod-infra-container-image <ref>',
    'sandbox (pause) image (default registry.k8s.io/pause:3.9)',
  )
  .option('--log-level <level>', 'trace|debug|info|warn|error|fatal|silent (default info)')
  .option('--log-file <path>', "the shim's own log, JSON lines rotated by size (default stdout)")
  .option('--log-file-max-size <MiB>', 'rotate the log file at this size (default 10)')
  .option(
    '--sysctl-whitelist <list>',
    "sysctls the shim applies, comma separated; 'prefix.*' allowed (default '*': every namespaced one)",
  )
  .option('--stats-period <duration>', 'stats cache and refresh period, e.g. 10s (default 10s)')
  .option(
    '--image-pull-progress-deadline <duration>',
    'cancel a pull without progress for this long (default 1m)',
  )
  .option(
    '--registry-config-dir <dir>',
    "registry mirrors: <dir>/<host>/hosts.toml as containerd's config_path ('' = none; default /etc/capstan/certs.d)",
  )
  .option(
    '--instance <name>',
    'label value marking this shim’s Docker containers (default capstan-docker-shim)',
  )
  .option(
    '--streaming-address <host:port>',
    'where Exec/Attach/PortForward URLs point; port 0 = any free port (default 127.0.0.1:0)',
  )
  .option('--streaming-tls-cert-file <file>', 'PEM certificate: serve streaming URLs over https')
  .option('--streaming-tls-key-file <file>', 'PEM key of --streaming-tls-cert-file')
  .option('--print-config', 'print the commented default config file and exit')
  .showHelpAfterError();

program.parse();
const flags = program.opts<ShimFlags & { printConfig?: boolean }>();
if (flags.printConfig) {
  process.stdout.write(exampleConfig());
  process.exit(0);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(flags);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`capstan-docker-shim: ${err.message}\n`);
  process.exit(2);
}

const { logger } = createLogger({
  app: 'capstan-docker-shim',
  level: config.logLevel,
  ...(config.logFile !== '' ? { file: config.logFile } : {}),
  maxSizeBytes: config.logFileMaxSizeMiB * 1024 * 1024,
});
try {
  const shim = await startShim(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining: no new calls, waiting for calls in flight');
    void shim.close(5_000).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  logger.fatal({ err }, 'docker shim failed to start');
  process.stderr.write(`capstan-docker-shim: ${(err as Error).message}\n`);
  process.exit(1);
}
