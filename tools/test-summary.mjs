#!/usr/bin/env node
// Prints the closing line of the test command, `N passed, N failed[, N skipped]`, from
// vitest's JSON report. Exits non-zero when the report is missing, a test failed, or no
// test ran at all.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  process.stdout.write(`0 passed, 1 failed\n`);
  process.stderr.write(`test-summary: cannot read ${file}: ${err.message}\n`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that failed without a failed test (it did not load, a hook threw) counts as one
// failure: its tests never ran. (numFailedTestSuites also counts describe blocks, so the
// files are counted from testResults.)
const failed = (report.numFailedTests ?? 0) + countFailedFilesWithoutFailedTests(report);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
process.stdout.write(
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

function countFailedFilesWithoutFailedTests(r) {
  return (r.testResults ?? []).filter(
    (s) => s.status === 'failed' && !(s.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
}
