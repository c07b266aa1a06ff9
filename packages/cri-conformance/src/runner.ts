import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CriClient, createCriClient } from '@capstan/cri-api';
import type {
  ConformanceImages,
  ConformanceOptions,
  ConformanceReport,
  ConformanceTest,
  TestResult,
} from './suite-types.js';
import { CATEGORIES } from './suite-types.js';
import { createTestContext, SkipTest } from './test-context.js';
import { allTests } from './tests-all.js';

/** The tests that `options.focus` / `options.skip` select, in run order. */
export function selectTests(
  options: Pick<ConformanceOptions, 'focus' | 'skip'>,
  tests: readonly ConformanceTest[] = allTests,
): ConformanceTest[] {
  return tests
    .filter((t) => {
      const id = `${t.category}/${t.name}`;
      if (options.focus && !options.focus.test(id)) return false;
      if (options.skip?.test(id)) return false;
      return true;
    })
    .sort((a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category));
}

/**
 * Runs the suite against a CRI endpoint: parallel tests first (up to `parallel` at once),
 * then serial ones alone. Each test's pods and containers are removed after it, pass or fail.
 */
export async function runConformance(
  options: ConformanceOptions,
  tests: readonly ConformanceTest[] = allTests,
): Promise<ConformanceReport> {
  const started = performance.now();
  const runId = `${Date.now().toString(36)}-${process.pid}`;
  const ownDir = options.workDir === undefined;
  const baseDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'cri-conformance-'));
  const cri = createCriClient(options.runtimeEndpoint, { deadlineMs: 120_000 });
  const imageCri =
    options.imageEndpoint && options.imageEndpoint !== options.runtimeEndpoint
      ? createCriClient(options.imageEndpoint, { deadlineMs: 300_000 })
      : cri;
  const results: TestResult[] = [];
  try {
    await cri.waitForReady(10_000);
    const images = await prepareImages(imageCri, options.images);
    const resolved = { ...options, images };
    const selected = selectTests(options, tests);
    const run = (t: ConformanceTest) => runOne(t, cri, imageCri, resolved, runId, baseDir);
    const record = (r: TestResult) => {
      results.push(r);
      options.onResult?.(r);
    };
    await pool(
      selected.filter((t) => !t.serial),
      options.parallel ?? 4,
      async (t) => record(await run(t)),
    );
    for (const t of selected.filter((t) => t.serial)) record(await run(t));
  } finally {
    cri.close();
    if (imageCri !== cri) imageCri.close();
    if (ownDir) rmSync(baseDir, { recursive: true, force: true });
  }
  const count = (s: TestResult['status']) => results.filter((r) => r.status === s).length;
  return {
    results,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    durationMs: performance.now() - started,
  };
}

/** Pulls the suite's images (as the kubelet would before creating containers) and fills in
 * the busybox digest reference and image ID from ImageStatus when not given. */
async function prepareImages(
  cri: CriClient,
  given: ConformanceOptions['images'],
): Promise<ConformanceImages> {
  await cri.image.pullImage({ image: { image: given.httpd } });
  const { imageRef } = await cri.image.pullImage({ image: { image: given.busybox } });
  const { image } = await cri.image.imageStatus({ image: { image: given.busybox } });
  const digest = given.busyboxDigest ?? image?.repoDigests[0];
  if (!digest) throw new Error(`ImageStatus of ${given.busybox} reports no repo digest`);
  return { ...given, busyboxDigest: digest, busyboxId: given.busyboxId ?? image?.id ?? imageRef };
}

async function runOne(
  test: ConformanceTest,
  cri: CriClient,
  imageCri: CriClient,
  options: ConformanceOptions & { images: ConformanceImages },
  runId: string,
  baseDir: string,
): Promise<TestResult> {
  const id = `${test.category}/${test.name}`;
  const slug = test.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const started = performance.now();
  const handle = createTestContext(cri, imageCri, options, runId, slug, baseDir);
  const timeoutMs = options.testTimeoutMs ?? 120_000;
  let status: TestResult['status'] = 'passed';
  let message: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      test.run(handle.context),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof SkipTest) {
      status = 'skipped';
      message = err.message;
    } else {
      status = 'failed';
      message = err instanceof Error ? err.message : String(err);
    }
  } finally {
    clearTimeout(timer);
  }
  const cleanupErrors = await handle.cleanup();
  if (cleanupErrors.length > 0 && status !== 'failed') {
    status = 'failed';
    message = `cleanup failed: ${cleanupErrors.join('; ')}`;
  }
  return {
    id,
    category: test.category,
    name: test.name,
    status,
    durationMs: performance.now() - started,
    ...(message === undefined ? {} : { message }),
  };
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}

/** One line per result, as the CLI prints it. */
export function formatResult(r: TestResult): string {
  const tag = r.status === 'passed' ? 'PASS' : r.status === 'failed' ? 'FAIL' : 'SKIP';
  const why = r.message ? ` — ${r.message.split('\n')[0]}` : '';
  return `${tag} ${r.id} (${Math.round(r.durationMs)} ms)${why}`;
}

/** The closing line: `N passed, N failed, N skipped`. */
export function formatSummary(r: ConformanceReport): string {
  return `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
}
