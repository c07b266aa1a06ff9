/** The node agent as a library (tests and embedding). */
export { Agent, type AgentOptions } from './agent.js';
export { AgentPods } from './agent-pods.js';
export { agentOptions } from './config/agent-options.js';
export {
  type AgentConfig,
  ConfigError,
  configSchema,
  defaultConfig,
  describeConfig,
  loadConfig,
} from './config/config.js';
export { startHttpServer } from './http-server.js';
export type { PodManager } from './pod/pod-manager.js';
export type { Pod } from './pod/types.js';
