import type { ConformanceTest } from './suite-types.js';
import { badInputTests } from './tests-bad-input.js';
import { containerTests } from './tests-container.js';
import { execTests } from './tests-exec.js';
import { imageTests } from './tests-image.js';
import { logTests } from './tests-logs.js';
import { multiContainerTests } from './tests-multi.js';
import { networkTests } from './tests-network.js';
import { resourceTests } from './tests-resources.js';
import { runtimeTests } from './tests-runtime.js';
import { sandboxTests } from './tests-sandbox.js';
import { securityTests } from './tests-security.js';
import { statsTests } from './tests-stats.js';
import { streamingTests } from './tests-streaming.js';

/** Every conformance test, by category. */
export const allTests: readonly ConformanceTest[] = [
  ...runtimeTests,
  ...imageTests,
  ...sandboxTests,
  ...containerTests,
  ...execTests,
  ...streamingTests,
  ...logTests,
  ...networkTests,
  ...securityTests,
  ...resourceTests,
  ...statsTests,
  ...multiContainerTests,
  ...badInputTests,
];
