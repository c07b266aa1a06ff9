// The CRI fuzzer: cases generated from the runtime.v1 descriptors, sent raw to a real CRI
// server (docker-shim, containerd). Every answer must be a gRPC status in time; a reset or
// silence is a crash when the server is gone or no longer answers Version afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateContainerResponse,
  connectCriClient,
  GrpcStatus,
  RunPodSandboxResponse,
} from '@capstan/cri-api';
import { type SingleCase, type SingleCaseKind, singleCase } from './fuzz-cri-cases.js';
import { runOrderScenario } from './fuzz-cri-orders.js';
import { checkStreamingTokens, type ExpiryProbe, startExpiryProbe } from './fuzz-cri-streaming.js';
import type { FuzzWorld } from './fuzz-cri-values.js';
import { cleanUp, inventory, runFuzzContainer, runFuzzSandbox } from './fuzz-cri-world.js';
import { type CallOutcome, rawCall, rawConnection } from './fuzz-grpc.js';
import { allAlive, memoryAtEnd, memoryBaseline, rssKiB, type ServerMemory } from './fuzz-memory.js';
import { grpcFrame, loadCriSchema } from './fuzz-proto.js';
import { Rng } from './fuzz-rng.js';
import { emptyReport, type FuzzReport } from './report.js';

export interface FuzzCriOptions extends ServerMemory {
  /** CRI endpoint, `unix:///path` (or host:port). */
  address: string;
  cases: number;
  seed: number;
  target: string;
  /** A pullable image with sh and sleep: without it no container is made (no exec, no streaming checks). */
  image?: string;
  /** host:port of the registry the image comes from: generated image names point there. */
  registryHost?: string;
  /** Fewest bits a streaming token must carry; default 128. */
  minTokenBits?: number;
  /** The runtime's streaming token TTL; the expiry check waits for it. Default 60 s; 0 skips the check. */
  streamTokenTtlMs?: number;
  /** Makes a streaming port of the runtime reachable from here (runtime in a netns). */
  exposeStreamingPort?: (port: number) => Promise<void>;
  /** Called after each case (progress). */
  onCase?: (n: number, what: string) => void;
}

const WEIGHTS: Record<SingleCaseKind | 'order' | 'h2', number> = {
  mutated: 42,
  random: 12,
  wire: 12,
  frame: 10,
  garbage: 5,
  method: 5,
  deep: 4,
  order: 6,
  h2: 4,
};

export async function fuzzCri(opts: FuzzCriOptions): Promise<FuzzReport> {
  const { rpcs } = loadCriSchema();
  const rng = new Rng(opts.seed);
  const report = emptyReport(opts.target);
  const scratch = mkdtempSync(join(tmpdir(), 'capstan-fuzz-cri-'));
  const w: FuzzWorld = {
    sandboxIds: [],
    containerIds: [],
    scratchDir: scratch,
    ...(opts.image !== undefined ? { image: opts.image } : {}),
    ...(opts.registryHost !== undefined ? { registryHost: opts.registryHost } : {}),
    label: ['capstan.io/fuzz', `seed-${opts.seed}`],
  };
  const cri = await connectCriClient(opts.address, { deadlineMs: 60_000 });
  const count = (k: string) => (report.answers[k] = (report.answers[k] ?? 0) + 1);
  const fail = (line: string, bad = true) => {
    if (bad) report.badAnswers++;
    if (report.failures.length < 200) report.failures.push(line.slice(0, 600));
  };
  /** The server is there and answers Version within 10 s. */
  const alive = async () => {
    if (!allAlive(opts.serverPids())) return false;
    const o = await rawCall(opts.address, {
      path: '/runtime.v1.RuntimeService/Version',
      body: grpcFrame(Buffer.from([0x0a, 0x02, 0x76, 0x31])),
      timeoutMs: 10_000,
    });
    return o.kind === 'status' && o.code === 0;
  };
  const before = await inventory(cri);
  // Streaming requests (Exec, Attach, PortForward) stay in the runtime's token cache until
  // their TTL: memory is measured once the last one has expired.
  let lastStreamingAt = 0;
  report.memoryStartKiB = rssKiB(opts.serverPids());
  let expiry: ExpiryProbe | undefined;
  // The baseline is taken again once a tenth of the cases ran (the server's working set
  // after big messages), so that growth after it is what the run kept.
  const warmup = Math.min(50, Math.floor(opts.cases / 10));
  try {
    if (opts.image !== undefined) {
      await cri.image.pullImage({ image: { image: opts.image } });
      const s = await runFuzzSandbox(cri, w, 'fixture');
      const c = await runFuzzContainer(cri, w, s, 'fixture');
      const streaming = {
        cri,
        containerId: c,
        sandboxId: s.id,
        minTokenBits: opts.minTokenBits ?? 128,
        ...(opts.exposeStreamingPort ? { exposePort: opts.exposeStreamingPort } : {}),
      };
      if ((opts.streamTokenTtlMs ?? 60_000) > 0) expiry = await startExpiryProbe(streaming);
      for (const p of await checkStreamingTokens(streaming)) fail(p);
      count('streaming-checks');
    }
    for (let n = 0; n < opts.cases; n++) {
      report.cases++;
      const kind = rng.weighted(WEIGHTS);
      let what: string;
      let lost = false;
      if (kind === 'order') {
        const sc = await runOrderScenario(cri, w, rng, n);
        what = `order: ${sc.name}`;
        for (const st of sc.steps) {
          count(`order ${st.answer.startsWith('lost') ? 'lost' : st.answer}`);
          if (st.violation) fail(`case ${n} (${sc.name}): ${st.name} succeeded: ${st.violation}`);
          if (
            st.answer.startsWith('lost') ||
            st.answer === 'unavailable' ||
            st.answer === 'deadline-exceeded'
          )
            lost = true;
        }
      } else if (kind === 'h2') {
        const bytes = rng.chance(0.5)
          ? rng.bytes(rng.size(4096) + 1)
          : Buffer.concat([
              Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
              rng.bytes(rng.size(4096)),
            ]);
        what = `raw connection: ${bytes.length} bytes`;
        count(`h2 ${await rawConnection(opts.address, bytes, 2_000)}`);
        lost = !(await alive());
      } else {
        const c = singleCase(rng, rpcs, w, n, kind);
        what = `${c.kind} ${c.rpc}: ${c.what}`;
        const o = await rawCall(opts.address, c.call);
        if (/^(Exec|Attach|PortForward)$/.test(c.rpc)) lastStreamingAt = Date.now();
        lost = classify(c, o, n, count, fail);
        if (o.kind === 'status' && o.code === 0) learnIds(c.rpc, o.data, w);
      }
      opts.onCase?.(n, what);
      if (n === warmup) await memoryBaseline(report, opts);
      if (lost || n % 50 === 49) {
        if (!(await alive())) {
          report.crashes++;
          fail(`case ${n} (${what}): the server is gone or no longer answers Version`, false);
          break;
        }
      }
    }
  } finally {
    try {
      if (await alive()) {
        const { left } = await cleanUp(cri, w, before);
        for (const l of left) fail(`left behind: ${l}`, false);
        const ttl = opts.streamTokenTtlMs ?? 60_000;
        if (expiry) for (const p of await expiry.finish(ttl)) fail(p);
        const expired = lastStreamingAt + ttl + 1_000 - Date.now();
        if (expired > 0) await new Promise((r) => setTimeout(r, expired));
        await memoryAtEnd(report, opts);
      } else if (report.crashes === 0) {
        report.crashes++;
        fail('the server is gone or no longer answers Version after the last case', false);
      }
    } finally {
      cri.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return report;
}

/** Counts the answer; a missing or malformed one is a bad answer. Returns "probe the server". */
function classify(
  c: SingleCase,
  o: CallOutcome,
  n: number,
  count: (k: string) => void,
  fail: (l: string) => void,
): boolean {
  const where = `case ${n} (${c.kind} ${c.rpc}: ${c.what})`;
  switch (o.kind) {
    case 'status': {
      const name = GrpcStatus[o.code] ?? `code ${o.code}`;
      count(name);
      if (!Number.isInteger(o.code) || o.code < 0 || o.code > 16)
        fail(`${where}: grpc-status ${o.code} is not a status code`);
      // UNKNOWN means a handler threw something untyped: a bug in our own servers' mapping.
      if (o.code === GrpcStatus.UNKNOWN || o.code === GrpcStatus.INTERNAL)
        count(`${name}: ${o.message.slice(0, 60)}`);
      return false;
    }
    case 'http':
      count(`http ${o.httpStatus}`);
      if (!c.httpOk) fail(`${where}: HTTP ${o.httpStatus} without grpc-status`);
      return false;
    case 'reset':
      // Not a gRPC request at all (a wrong content-type): the gRPC spec says a server SHOULD
      // answer 415; grpc-go before 1.5x (containerd 1.6) resets the stream instead. Counted
      // apart, not a failure: it refuses the request cleanly.
      if (c.httpOk && /PROTOCOL_ERROR|RST_STREAM 1\b/.test(o.detail)) {
        count('reset (not gRPC)');
        return false;
      }
      count('reset');
      fail(`${where}: ${o.detail}`);
      return true;
    case 'timeout':
      count('no answer');
      fail(`${where}: no answer within ${c.call.timeoutMs + 3_000} ms`);
      return true;
  }
}

/** A mutated request that created something: later cases may refer to it (cleanUp removes it). */
function learnIds(rpc: string, data: Buffer, w: FuzzWorld): void {
  try {
    if (rpc === 'RunPodSandbox') w.sandboxIds.push(RunPodSandboxResponse.decode(data).podSandboxId);
    if (rpc === 'CreateContainer')
      w.containerIds.push(CreateContainerResponse.decode(data).containerId);
  } catch {
    // not decodable: nothing to learn
  }
}
