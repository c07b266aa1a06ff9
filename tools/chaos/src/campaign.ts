// The kill -9 campaign: pod churn through the agent while one component at a time is
// SIGKILLed mid-churn and started again; after each restart, the time until the node has
// converged (every wanted pod Running and Ready, agent and runtime agreeing, nothing extra)
// and, if it never does, what was lost and what leaked. Then load during churn, then every
// pod removed and a final leak audit.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCriClient } from '@capstan/cri-api';
import { isAlive } from '@capstan/testenv';
import { auditNode, type LeakKind } from './audit.js';
import { fuzzNode } from './campaign-fuzz.js';
import { type RuntimeName, startChaosNode } from './chaos-node.js';
import { PodChurn, seededRandom } from './churn.js';
import { converge } from './converge.js';
import { type DiskReport, diskPassed, runDiskPhase } from './disk-phase.js';
import { type LoadReport, percentile, runLoad } from './load.js';
import { type FuzzReport, fuzzPassed } from './report.js';

export interface CampaignOptions {
  runtime: RuntimeName;
  /** Kill rounds per component. */
  rounds: number;
  seed: number;
  /** Concurrent load clients and seconds (0 seconds: no load phase). */
  loadClients: number;
  loadSeconds: number;
  /** Churn steps with the small disk full (every component killed once meanwhile); 0: none. */
  diskSteps: number;
  /** Fuzz cases per target (the runtime's CRI, the agent's pod API) after the load; 0: none. */
  fuzzCases: number;
  /** Wait out the streaming token TTL in the fuzz phase to check that tokens expire. */
  fuzzTokenExpiry: boolean;
  /** Aborted (Ctrl-C): no further rounds, load or fuzzing; the pods go and the audit runs. */
  signal?: AbortSignal;
  /** Give up on a round's convergence after this long. */
  recoverTimeoutMs: number;
  log(msg: string): void;
}

export interface ComponentResult {
  component: string;
  rounds: number;
  /** Rounds after which a wanted pod never came back Running and Ready. */
  lost: number;
  /** Rounds that did not converge in time, with what they showed. */
  failures: string[];
  recoveryP50Ms: number;
  recoveryMaxMs: number;
}

export interface CampaignReport {
  runtime: RuntimeName;
  seed: number;
  components: ComponentResult[];
  load?: LoadReport;
  disk?: DiskReport;
  fuzz: FuzzReport[];
  /** Components whose process died on its own during the campaign. */
  crashed: string[];
  /** Stopped early through `signal`: the figures cover the rounds that ran. */
  interrupted: boolean;
  /** After every pod was removed at the end. */
  finalLeaks: Record<LeakKind, number>;
  finalProblems: string[];
  ok: boolean;
}

/** Copies every *.log of the node (agent, runtime daemons) out of `dir` before it goes. */
function keepLogs(dir: string, runtime: string): string {
  const out = mkdtempSync(join(tmpdir(), `capstan-chaos-logs-${runtime}-`));
  const walk = (d: string, depth: number) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isFile() && e.name.endsWith('.log'))
        copyFileSync(p, join(out, p.slice(dir.length + 1).replaceAll('/', '_')));
      else if (e.isDirectory() && depth < 2) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const dir = mkdtempSync(join(tmpdir(), `capstan-chaos-${o.runtime}-`));
  const random = seededRandom(o.seed);
  const node = await startChaosNode({ runtime: o.runtime, dir, podCidr: '10.250.0.0/24' });
  let passed = false;
  try {
    const churn = new PodChurn({
      manifests: node.manifests,
      image: node.images.httpd.ref,
      maxPods: 6,
      hostPortBase: 30_000,
      random,
    });
    const audit = () => auditNode(node, churn.desired);
    for (let i = 0; i < 3; i++) churn.add();
    const first = await converge(audit, o.recoverTimeoutMs);
    if (!first.audit.converged) {
      throw new Error(
        `the node never converged before any fault: ${first.audit.problems.join('; ')}`,
      );
    }
    o.log(`${o.runtime}: 3 pods Running in ${first.ms} ms; ${o.rounds} rounds per component`);
    const components: ComponentResult[] = [];
    const stopped = () => o.signal?.aborted === true;
    for (const c of node.components) {
      if (stopped()) break;
      const times: number[] = [];
      const failures: string[] = [];
      let lost = 0;
      let rounds = 0;
      for (let r = 0; r < o.rounds && !stopped(); r++) {
        rounds++;
        churn.step();
        churn.step();
        // Land the kill somewhere inside the sync the steps started.
        await new Promise((res) => setTimeout(res, Math.floor(random() * 1500)));
        const pid = c.pid();
        await c.kill();
        churn.step(); // a change while it is down
        await c.restart();
        const { ms, audit: a } = await converge(audit, o.recoverTimeoutMs);
        if (a.converged) times.push(ms);
        else {
          if (a.notRunning.length > 0) lost++;
          failures.push(
            `round ${r + 1}: ${a.problems.slice(0, 6).join('; ')}${a.notRunning.length ? `; not running: ${a.notRunning.join(', ')}` : ''}`,
          );
        }
        o.log(
          `${o.runtime}: kill -9 ${c.name} (pid ${pid}), round ${r + 1}: ${a.converged ? `converged in ${ms} ms` : `NOT converged after ${ms} ms`}`,
        );
      }
      times.sort((x, y) => x - y);
      components.push({
        component: c.name,
        rounds,
        lost,
        failures,
        recoveryP50Ms: percentile(times, 50),
        recoveryMaxMs: times.at(-1) ?? 0,
      });
    }
    let load: LoadReport | undefined;
    if (o.loadSeconds > 0 && !stopped()) {
      const churning = (async () => {
        const end = Date.now() + o.loadSeconds * 1000;
        while (Date.now() < end) {
          churn.step();
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      load = await runLoad(
        () => connectCriClient(node.address, { timeoutMs: 10_000 }),
        o.loadClients,
        o.loadSeconds,
      );
      await churning;
      o.log(
        `${o.runtime}: load ${load.clients} clients ${load.seconds} s: ${load.calls} calls, ${load.errors} errors, p99 ${load.p99Ms} ms`,
      );
    }
    let disk: DiskReport | undefined;
    if (o.diskSteps > 0 && !stopped()) {
      disk = await runDiskPhase(node, churn, audit, {
        steps: o.diskSteps,
        random,
        recoverTimeoutMs: o.recoverTimeoutMs,
        log: o.log,
      });
    }
    const fuzz =
      o.fuzzCases > 0 && !stopped()
        ? await fuzzNode(node, {
            cases: o.fuzzCases,
            seed: o.seed,
            tokenExpiry: o.fuzzTokenExpiry,
            log: o.log,
          })
        : [];
    const crashed = node.components.filter((c) => !isAlive(c.pid())).map((c) => c.name);
    churn.removeAll();
    const final = await converge(audit, o.recoverTimeoutMs);
    const ok =
      !stopped() &&
      crashed.length === 0 &&
      final.audit.converged &&
      components.every((c) => c.lost === 0 && c.failures.length === 0) &&
      (load?.errors ?? 0) === 0 &&
      (disk === undefined || diskPassed(disk)) &&
      fuzz.every(fuzzPassed);
    passed = ok;
    return {
      runtime: o.runtime,
      seed: o.seed,
      components,
      ...(load ? { load } : {}),
      ...(disk ? { disk } : {}),
      fuzz,
      interrupted: stopped(),
      crashed,
      finalLeaks: final.audit.leaks,
      finalProblems: final.audit.problems,
      ok,
    };
  } finally {
    if (!passed) o.log(`logs kept in ${keepLogs(dir, o.runtime)}`);
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
