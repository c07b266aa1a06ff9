import { expect, it } from 'vitest';
import { LEAK_KINDS } from '../src/audit.js';
import { runCampaign } from '../src/campaign.js';
import type { DiskReport } from '../src/disk-phase.js';
import { fuzzPassed } from '../src/report.js';
import { campaignPassed, summaryMarkdown } from '../src/summary.js';

// The short campaign that CI runs (the full one: bash tools/chaos.sh, 50 rounds): one
// kill -9 of every component during churn, load, the full disk, every pod removed, the leak
// audit.

/**
 * containerd 1.6, restarted on a full disk, fails to write each running container's status
 * file while loading it ("Failed to load container ... failed to checkpoint status ... no
 * space left on device") and drops the container from its store although its task runs on:
 * the agent replaces it, and the old one's rootfs mount stays until the node goes (found by
 * this campaign). The only problem the containerd run may show, and only as leaked mounts.
 */
const CONTAINERD_DROPPED_ON_FULL_DISK =
  /^mounts: \S+\/io\.containerd\.runtime\.v2\.task\/k8s\.io\/[0-9a-f]{64}\/rootfs$/;
const knownProblems = (runtime: string, problems: string[]) =>
  runtime === 'containerd'
    ? problems.filter((p) => !CONTAINERD_DROPPED_ON_FULL_DISK.test(p))
    : problems;

for (const runtime of ['containerd', 'docker'] as const) {
  it(`${runtime}: kill -9 of every component loses nothing and leaks nothing`, async () => {
    const report = await runCampaign({
      runtime,
      rounds: 1,
      seed: 7,
      // containerd 1.6 dies under concurrent ListPodSandboxStats ("fatal error: concurrent map
      // writes" in sandbox.Store.UpdateContainerStats, found by this campaign): CI loads it
      // with one client; `bash tools/chaos.sh --runtime containerd` shows the crash.
      loadClients: runtime === 'containerd' ? 1 : 5,
      loadSeconds: 5,
      // A few fuzz cases against the node's CRI server and pod API (the fuzz tests run more,
      // and wait out the token TTL).
      diskSteps: 8,
      fuzzCases: 40,
      fuzzTokenExpiry: false,
      recoverTimeoutMs: 120_000,
      log: () => {},
    });
    const table = summaryMarkdown(report);
    expect(report.components.map((c) => c.component)).toEqual(
      runtime === 'docker'
        ? ['node-agent', 'docker-shim', 'dockerd']
        : ['node-agent', 'containerd'],
    );
    for (const c of report.components) {
      expect({ component: c.component, lost: c.lost, failures: c.failures }).toEqual({
        component: c.component,
        lost: 0,
        failures: [],
      });
    }
    expect(report.crashed).toEqual([]);
    expect(knownProblems(runtime, report.finalProblems), table).toEqual([]);
    for (const k of LEAK_KINDS)
      if (runtime === 'docker' || k !== 'mounts') expect(report.finalLeaks[k], k).toBe(0);
    // The full disk: every component came back on it, the failed writes are Events that
    // say so, no checkpoint is torn and no temporary file left, and with space again the
    // node converges.
    const disk = report.disk as DiskReport;
    expect(disk.steps).toBe(8);
    expect(disk.filled.bytes).toBeGreaterThan(64 << 20);
    expect(disk.restarts, table).toEqual(
      report.components.map((c) => ({ component: c.component, ok: true })),
    );
    expect(disk.noSpaceEvents, table).toBeGreaterThan(0);
    for (const e of disk.eventSamples) expect(e).toMatch(/no space left on device/);
    expect(disk.crashed).toEqual([]);
    expect(disk.corruptCheckpoints).toEqual([]);
    expect(disk.tempFiles).toEqual([]);
    if (runtime === 'docker') expect(disk.recovered, table).toBe(true);
    expect(
      knownProblems(
        runtime,
        disk.problems.flatMap((p) =>
          p.replace(/^not converged after space returned: /, '').split('; '),
        ),
      ),
      table,
    ).toEqual([]);
    expect(report.load?.calls).toBeGreaterThan(0);
    expect(report.fuzz.map((f) => [f.target, f.cases])).toEqual([
      [runtime === 'docker' ? 'docker-shim CRI' : 'containerd CRI', 40],
      ['node-agent pod API', 40],
    ]);
    for (const f of report.fuzz) expect(fuzzPassed(f), table).toBe(true);
    // containerd 1.6 answers some List/stats calls with errors during churn beyond its known
    // ListPodSandboxStats failure (under investigation, see the table); the docker-shim none.
    if (runtime === 'docker') {
      expect(report.load?.errors, table).toBe(0);
      expect(campaignPassed(report), table).toBe(true);
    }
  }, 900_000);
}
