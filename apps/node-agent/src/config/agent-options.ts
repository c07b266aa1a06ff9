import type { Logger } from 'pino';
import type { AgentOptions } from '../agent.js';
import { type AgentConfig, sizeBytes } from './config.js';

/** A KubeletConfiguration map (`{ memory.available: 100Mi }`) in flag syntax. */
const flagSyntax = (v: string | Record<string, string>, op: '<' | '=') =>
  typeof v === 'string'
    ? v
    : Object.entries(v)
        .map(([k, x]) => `${k}${op}${x}`)
        .join(',');

/** The agent's options from a loaded config: every default already applied by the schema. */
export function agentOptions(config: AgentConfig, logger: Logger): AgentOptions {
  return {
    nodeName: config.nodeName,
    runtimeEndpoint: config.containerRuntimeEndpoint,
    ...(config.imageServiceEndpoint ? { imageEndpoint: config.imageServiceEndpoint } : {}),
    rootDir: config.rootDir,
    podLogsDir: config.podLogsDir,
    ...(config.staticPodPath ? { staticPodPath: config.staticPodPath } : {}),
    ...(config.configDir ? { configDir: config.configDir } : {}),
    maxPods: config.maxPods,
    allowedUnsafeSysctls: config.allowedUnsafeSysctls,
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
      hard: flagSyntax(config.evictionHard, '<'),
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
  };
}
