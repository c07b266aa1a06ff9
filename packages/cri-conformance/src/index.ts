/**
 * @capstan/cri-conformance — a CRI conformance suite and side-by-side benchmark.
 *
 * Run {@link runConformance} against any CRI endpoint (or use the `capstan-cri-conformance`
 * CLI); each test is written from the CRI contract and cleans up what it creates.
 *
 * @packageDocumentation
 */

export {
  type BenchEndpoint,
  type BenchOptions,
  type BenchReport,
  benchMarkdown,
  type EndpointResult,
  runBenchmark,
  runtimeRss,
  STEPS,
  type Step,
} from './bench.js';
export { type Distribution, distribution } from './bench-stats.js';
export { toJUnit } from './junit.js';
export { formatResult, formatSummary, runConformance, selectTests } from './runner.js';
export {
  CATEGORIES,
  type Category,
  type ConformanceImages,
  type ConformanceOptions,
  type ConformanceReport,
  type ConformanceTest,
  type HostExec,
  type Pod,
  type TestContext,
  type TestResult,
  type TestStatus,
} from './suite-types.js';
export { RUN_LABEL } from './test-context.js';
export { allTests } from './tests-all.js';
