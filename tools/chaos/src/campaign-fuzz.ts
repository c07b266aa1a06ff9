// The campaign's fuzz phase: the CRI fuzzer against the node's runtime and the pod API
// fuzzer against its agent, both as they run on the node (in the node netns, reached
// through testenv's relays), after the kill rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exposeNetnsPort, type NetnsPort, nodeRetainedMemory } from '@capstan/testenv';
import { readAgentKubeconfig } from './agent-kubeconfig.js';
import type { ChaosNode, Component } from './chaos-node.js';
import { fuzzCri } from './fuzz-cri.js';
import { fuzzPodApi } from './fuzz-pod-api.js';
import { type FuzzReport, memoryLine } from './report.js';

export interface FuzzPhaseOptions {
  /** Cases per target (the full campaign: 10,000). */
  cases: number;
  seed: number;
  /** Wait out the runtime's streaming token TTL (60 s) to check that tokens expire. */
  tokenExpiry: boolean;
  log(msg: string): void;
}

/**
 * Bits in a containerd 1.6 streaming token: it keeps the kubelet's streaming request cache,
 * whose tokens are 8 base64url characters of 6 random bytes
 * (k8s.io/kubelet/pkg/cri/streaming/request_cache.go, tokenLen = 8). Capstan's carry 128+.
 */
export const CONTAINERD_TOKEN_BITS = 48;

/** The CRI server the runtime stack puts on the node's CRI socket. */
function criServer(node: ChaosNode) {
  const c = node.components.find((x) => x.name === 'docker-shim' || x.name === 'containerd');
  if (!c) throw new Error('the node has no CRI server component');
  return c;
}

export async function fuzzNode(node: ChaosNode, o: FuzzPhaseOptions): Promise<FuzzReport[]> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-chaos-fuzz-'));
  const exposed = new Map<number, NetnsPort>();
  const expose = async (port: number) => {
    if (!exposed.has(port))
      exposed.set(
        port,
        await exposeNetnsPort({ port, netns: node.netns, netnsPath: node.netnsPath, dir }),
      );
  };
  const progress = (target: string) => (n: number) => {
    if ((n + 1) % 1000 === 0) o.log(`fuzz ${target}: ${n + 1} of ${o.cases} cases`);
  };
  // A Node server (the shim, the agent) tells what it retains after a full GC.
  const retained = (c: Component) => {
    const inspectorUrl = c.inspectorUrl;
    if (!inspectorUrl) return {};
    return {
      retainedKiB: async () => {
        const u = inspectorUrl();
        if (!u) throw new Error(`${c.name} wrote no inspector URL to its log`);
        await expose(Number(new URL(u).port));
        return (await nodeRetainedMemory(u)).totalKiB;
      },
    };
  };
  try {
    const server = criServer(node);
    const reports: FuzzReport[] = [];
    reports.push(
      await fuzzCri({
        address: node.address,
        cases: o.cases,
        seed: o.seed,
        serverPids: () => [server.pid()],
        ...retained(server),
        target: `${server.name} CRI`,
        image: node.images.busybox.ref,
        registryHost: node.images.busybox.ref.split('/')[0] ?? '',
        ...(server.name === 'containerd' ? { minTokenBits: CONTAINERD_TOKEN_BITS } : {}),
        ...(o.tokenExpiry ? {} : { streamTokenTtlMs: 0 }),
        exposeStreamingPort: expose,
        onCase: progress(server.name),
      }),
    );
    const agent = node.components.find((c) => c.name === 'node-agent');
    if (!agent) throw new Error('the node has no agent');
    const api = readAgentKubeconfig(node.podApi.kubeconfig, join(dir, 'ca.pem'));
    await expose(Number(new URL(api.url).port));
    reports.push(
      await fuzzPodApi({
        ...api,
        socket: node.podApi.socket,
        cases: o.cases,
        seed: o.seed,
        // RSS decides for the agent: its retained heap grows ~20 MiB over 500 cases, a
        // bounded store or a leak, still open (tools/chaos/test/fuzz-pod-api.test.ts).
        serverPids: () => [agent.pid()],
        target: 'node-agent pod API',
        image: node.images.busybox.ref,
        onCase: progress('pod API'),
      }),
    );
    for (const r of reports)
      o.log(
        `fuzz ${r.target}: ${r.cases} cases, ${r.crashes} crashes, ${r.badAnswers} bad answers, ${memoryLine(r)}`,
      );
    return reports;
  } finally {
    for (const p of exposed.values()) await p.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
