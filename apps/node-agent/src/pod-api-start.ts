import type { Logger } from 'pino';
import type { Agent } from './agent.js';
import type { AgentConfig } from './config/config.js';

/** Starts the local pod API when enabled (wired to src/api once it lands). */
export async function startPodApi(
  agent: Agent,
  config: AgentConfig,
  logger: Logger,
): Promise<{ close(): Promise<void> }> {
  void agent;
  logger.warn({ socket: config.podApi.socket }, 'the pod API is not built into this agent yet');
  return { close: async () => {} };
}
