/**
 * @capstan/cri-conformance — a CRI conformance suite and side-by-side benchmark.
 *
 * Run {@link runConformance} against any CRI endpoint (or use the `capstan-cri-conformance`
 * CLI); each test is written from the CRI contract and cleans up what it creates.
 *
 * @packageDocumentation
 */

export { runBenchmark } from './bench.js';
export { removeCgroupTree } from './bench-cgroup-parent.js';
export { stackMemory } from './bench-density.js';
export {
  benchMarkdown,
  densityTable,
  lifecycleTable,
  mdTable,
  processesCounted,
} from './bench-markdown.js';
export {
  type CommGroup,
  cgroupMemory,
  describeGroups,
  type MemorySample,
  type ProcessMemory,
  parseSmapsPss,
  parseStatusRss,
  processMemory,
} from './bench-memory.js';
export { runtimeRss, socketMemory, socketProcesses } from './bench-socket.js';
export {
  type Distribution,
  distribution,
  fmtMiB,
  fmtMs,
  type Growth,
  growth,
  mean,
} from './bench-stats.js';
export {
  type BenchEndpoint,
  type BenchOptions,
  type BenchReport,
  type DensityResult,
  type EndpointResult,
  STEPS,
  type Step,
} from './bench-types.js';
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
