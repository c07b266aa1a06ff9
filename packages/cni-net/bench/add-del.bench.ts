// ADD + DEL latency of the driver with the real plugins, against the floor: the bridge
// plugin alone exec'd by a shell loop. Everything runs inside namespaces made here.
// Run: pnpm --filter @capstan/cni-net bench
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import {
  CniDriver,
  NetnsManager,
  type NetworkConfigList,
  type NetworkNamespace,
  parseNetworkConfig,
  writeDefaultPodNetwork,
} from '@capstan/cni-net';

const run = promisify(execFile);
const ONE_POD_ROUNDS = 50;
const MANY_PODS = 100;
const out = (line: string) => process.stdout.write(`${line}\n`);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function onePod(
  driver: CniDriver,
  network: NetworkConfigList,
  pod: NetworkNamespace,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < ONE_POD_ROUNDS + 3; i++) {
    const t0 = performance.now();
    await driver.add(network, { containerId: 'bench', netns: pod.path });
    await driver.del(network, { containerId: 'bench' });
    if (i >= 3) times.push(performance.now() - t0); // 3 warm-up rounds
  }
  return times;
}

async function main(): Promise<void> {
  const id = randomBytes(3).toString('hex');
  const tmp = await mkdtemp(join(tmpdir(), `cninet-bench-${id}-`));
  const netns = new NetnsManager();
  const made: NetworkNamespace[] = [];
  try {
    const node = await netns.create(`cninet-bench-node-${id}`);
    made.push(node);
    await run('nsenter', [`--net=${node.path}`, 'ip', 'link', 'set', 'lo', 'up']);
    const pod = await netns.create(`cninet-bench-pod-${id}`);
    made.push(pod);
    const full = await writeDefaultPodNetwork(join(tmp, 'net.d'), {
      podCidr: '10.244.0.0/16',
      dataDir: join(tmp, 'ipam'),
    });
    const doc = JSON.parse(full.json) as { plugins: Record<string, unknown>[] };
    const bridgeOnly = parseNetworkConfig(JSON.stringify({ ...doc, plugins: [doc.plugins[0]] }));
    const driver = new CniDriver({
      pluginDirs: ['/usr/lib/cni'],
      cacheDir: join(tmp, 'cache'),
      pluginNetns: node.path,
    });

    // The floor: what the driver would send the bridge, run by a shell loop.
    const floorConf = join(tmp, 'bridge.json');
    await writeFile(
      floorConf,
      JSON.stringify({ ...doc.plugins[0], name: full.name, cniVersion: full.cniVersion }),
    );
    const script = join(import.meta.dirname, 'bridge-floor.sh');
    const { stdout } = await run(script, [
      node.path,
      pod.path,
      floorConf,
      String(ONE_POD_ROUNDS + 3),
    ]);
    const floor = stdout
      .trim()
      .split('\n')
      .slice(3)
      .map((ns) => Number(ns) / 1e6);

    const bridgeTimes = await onePod(driver, bridgeOnly, pod);
    const fullTimes = await onePod(driver, full, pod);

    out(`ADD+DEL of one pod, ${ONE_POD_ROUNDS} rounds (p50 / p90):`);
    out(`  floor: bridge alone from a shell loop   ${ms(pct(floor, 50))} / ${ms(pct(floor, 90))}`);
    out(
      `  driver, bridge-only network            ${ms(pct(bridgeTimes, 50))} / ${ms(pct(bridgeTimes, 90))}`,
    );
    out(
      `  driver, default network (4 plugins)    ${ms(pct(fullTimes, 50))} / ${ms(pct(fullTimes, 90))}`,
    );
    out(`  driver overhead over the floor (p50)   ${ms(pct(bridgeTimes, 50) - pct(floor, 50))}`);

    const pods: NetworkNamespace[] = [];
    for (let i = 0; i < MANY_PODS; i++) {
      const ns = await netns.create(`cninet-bench-p${i}-${id}`);
      made.push(ns);
      pods.push(ns);
    }
    for (const [label, network] of [
      ['bridge-only network', bridgeOnly],
      ['default network', full],
    ] as const) {
      const adds: number[] = [];
      const dels: number[] = [];
      const t0 = performance.now();
      for (const [i, ns] of pods.entries()) {
        const t = performance.now();
        await driver.add(network, { containerId: `p${i}`, netns: ns.path });
        adds.push(performance.now() - t);
      }
      for (let i = 0; i < pods.length; i++) {
        const t = performance.now();
        await driver.del(network, { containerId: `p${i}` });
        dels.push(performance.now() - t);
      }
      const total = performance.now() - t0;
      out(
        `${MANY_PODS} pods sequentially, ${label}: total ${ms(total)} (${ms(total / MANY_PODS)} per pod)`,
      );
      out(
        `  ADD p50 / p90 ${ms(pct(adds, 50))} / ${ms(pct(adds, 90))}; DEL p50 / p90 ${ms(pct(dels, 50))} / ${ms(pct(dels, 90))}`,
      );
    }
  } finally {
    for (const ns of made.reverse()) await ns.delete().catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
