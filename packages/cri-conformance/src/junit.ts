import type { ConformanceReport } from './suite-types.js';

const esc = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** A JUnit XML document of a report, one testsuite per category. */
export function toJUnit(report: ConformanceReport, suiteName = 'cri-conformance'): string {
  const byCategory = Map.groupBy(report.results, (r) => r.category);
  const suites = [...byCategory].map(([category, results]) => {
    const cases = results.map((r) => {
      const head = `    <testcase classname="${esc(`${suiteName}.${category}`)}" name="${esc(r.name)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
      if (r.status === 'passed') return `${head}/>`;
      const inner =
        r.status === 'failed'
          ? `<failure message="${esc(r.message ?? '')}"/>`
          : `<skipped message="${esc(r.message ?? '')}"/>`;
      return `${head}>${inner}</testcase>`;
    });
    const count = (s: string) => results.filter((r) => r.status === s).length;
    return `  <testsuite name="${esc(category)}" tests="${results.length}" failures="${count('failed')}" skipped="${count('skipped')}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(suiteName)}" tests="${report.results.length}" failures="${report.failed}" skipped="${report.skipped}" time="${(report.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
