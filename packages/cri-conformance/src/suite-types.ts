import type {
  ContainerConfig,
  ContainerStatus,
  DeepPartial,
  ExecSyncResponse,
  ImageServiceClient,
  PodSandboxConfig,
  RuntimeServiceClient,
} from '@capstan/cri-api';

/** The suite's categories, in the order they run. */
export const CATEGORIES = [
  'runtime',
  'image',
  'sandbox',
  'container',
  'exec',
  'streaming',
  'logs',
  'network',
  'security',
  'resources',
  'stats',
  'multi-container',
  'bad-input',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Images the suite runs. Every one must be pullable by the runtime under test. */
export interface ConformanceImages {
  /** A busybox image by tag: sh, sleep, echo, cat, id, wget, nc, head, tr... */
  busybox: string;
  /** The same image by digest (`repo@sha256:...`). Default: read from ImageStatus. */
  busyboxDigest: string;
  /** Its image ID (`sha256:<config digest>`). Default: read from ImageStatus. */
  busyboxId: string;
  /** A web server answering `GET /` on port 8080 with a body containing `httpd ok`. */
  httpd: string;
}

/** Runs a command where the node's host network is (for reachability checks). */
export type HostExec = (
  argv: string[],
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  runtimeEndpoint: string;
  /** Defaults to runtimeEndpoint. */
  imageEndpoint?: string;
  /** The images; the busybox digest and ID are found by pulling it when not given. */
  images: Pick<ConformanceImages, 'busybox' | 'httpd'> & Partial<ConformanceImages>;
  /** Run only tests whose `category/name` matches. */
  focus?: RegExp;
  /** Skip tests whose `category/name` matches. */
  skip?: RegExp;
  /** Tests run at once (image tests always run alone, after the others). Default 4. */
  parallel?: number;
  /** Per-test timeout. Default 120 s. */
  testTimeoutMs?: number;
  /** Where log directories and host-path volumes are made. Default: a temp dir. */
  workDir?: string;
  /** Runs a command in the node's network namespace; network tests skip without it. */
  hostExec?: HostExec;
  /** Called as each test finishes (the CLI prints one line per call). */
  onResult?: (result: TestResult) => void;
}

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  /** `category/name` */
  id: string;
  category: Category;
  name: string;
  status: TestStatus;
  durationMs: number;
  /** Why it failed or was skipped. */
  message?: string;
}

export interface ConformanceReport {
  results: TestResult[];
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
}

/** A running pod made by {@link TestContext.runPod}; removed after the test. */
export interface Pod {
  id: string;
  config: PodSandboxConfig;
}

/** What each test gets: clients, images, and helpers whose objects are cleaned up after it. */
export interface TestContext {
  readonly runtime: RuntimeServiceClient;
  readonly image: ImageServiceClient;
  readonly images: ConformanceImages;
  readonly hostExec: HostExec | undefined;
  /** A unique suffix for names in this test. */
  readonly uid: string;
  /** A fresh directory of this test (log directory of its pods, host-path volumes). */
  readonly dir: string;
  /** Registers a cleanup, run in reverse order after the test, pass or fail. */
  defer(fn: () => Promise<unknown> | unknown): void;
  /** Ends the test as skipped, with the reason printed. */
  skip(reason: string): never;
  /** Pod sandbox config with unique metadata, a log directory and the suite's labels. */
  podConfig(overrides?: DeepPartial<PodSandboxConfig>): PodSandboxConfig;
  /** RunPodSandbox with podConfig(overrides); stopped and removed after the test. */
  runPod(overrides?: DeepPartial<PodSandboxConfig>): Promise<Pod>;
  /** Container config of the busybox image with a log path; `command` is run by sh -c. */
  containerConfig(name: string, overrides?: DeepPartial<ContainerConfig>): ContainerConfig;
  /** CreateContainer (removed after the test); returns its ID. */
  createContainer(pod: Pod, config: ContainerConfig): Promise<string>;
  /** CreateContainer + StartContainer. */
  startContainer(pod: Pod, config: ContainerConfig): Promise<string>;
  /** Polls ContainerStatus until the container has exited. */
  waitExited(containerId: string, timeoutMs?: number): Promise<ContainerStatus>;
  /** Polls ContainerStatus until `predicate` holds. */
  waitStatus(
    containerId: string,
    predicate: (s: ContainerStatus) => boolean,
    timeoutMs?: number,
  ): Promise<ContainerStatus>;
  /** ExecSync with `sh -c script`, timeout in seconds (default 10). */
  sh(
    containerId: string,
    script: string,
    timeoutSec?: number,
  ): Promise<ExecSyncResponse & { out: string; err: string }>;
  /** Absolute path of a container's log file. */
  logPathOf(pod: Pod, config: ContainerConfig): string;
}

/** One conformance test. */
export interface ConformanceTest {
  category: Category;
  name: string;
  /** Runs alone, after the parallel tests (tests that change shared state, like images). */
  serial?: boolean;
  run(t: TestContext): Promise<void>;
}
