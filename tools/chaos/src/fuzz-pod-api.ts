// The pod API fuzzer: malformed, huge, slow, odd-named and unauthorized requests against
// a node agent's pod API (loopback https with a token, and the unix socket). Every answer
// must be a well-formed HTTP response, a Kubernetes Status for errors, never a 5xx for bad
// input; unauthorized writes change nothing; slow clients are cut off while others are served.
import { readFileSync } from 'node:fs';
import {
  exchange,
  type HttpAnswer,
  type HttpOutcome,
  type HttpTarget,
  requestBytes,
} from './fuzz-http.js';
import { allAlive, memoryAtEnd, memoryBaseline, rssKiB, type ServerMemory } from './fuzz-memory.js';
import { podManifest } from './fuzz-pod-api-bodies.js';
import { type PodApiCase, type PodApiWorld, podApiCase } from './fuzz-pod-api-cases.js';
import { startSlowClients } from './fuzz-pod-api-slow.js';
import { Rng } from './fuzz-rng.js';
import { emptyReport, type FuzzReport } from './report.js';

export interface FuzzPodApiOptions extends ServerMemory {
  /** `https://127.0.0.1:<port>` of the TCP listener. */
  url: string;
  token: string;
  /** PEM CA of the listener's certificate (the kubeconfig's). */
  caFile?: string;
  /** The unix socket (no token), fuzzed too when given. */
  socket?: string;
  cases: number;
  seed: number;
  target: string;
  /** Image of the fixture pod; default busybox. */
  image?: string;
  /** Longest a slow client may hold a connection before the server must cut it. Default 120 s. */
  slowClientLimitMs?: number;
  onCase?: (n: number, what: string) => void;
}

type Pods = Map<string, string>;

export async function fuzzPodApi(opts: FuzzPodApiOptions): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const report = emptyReport(opts.target);
  const tcp: HttpTarget = {
    url: opts.url,
    ...(opts.caFile ? { ca: readFileSync(opts.caFile, 'utf8') } : {}),
  };
  const unix: HttpTarget | undefined = opts.socket ? { socket: opts.socket } : undefined;
  const w: PodApiWorld = {
    token: opts.token,
    namespace: `capstan-fuzz-${opts.seed % 1_000_000}`,
    fixture: 'fuzz-fixture',
    image: opts.image ?? 'busybox',
    tcp: true,
    unix: unix !== undefined,
  };
  const count = (k: string) => (report.answers[k] = (report.answers[k] ?? 0) + 1);
  const fail = (line: string, bad = true) => {
    if (bad) report.badAnswers++;
    if (report.failures.length < 200) report.failures.push(line.slice(0, 600));
  };
  /** A request with the token, for the fuzzer's own bookkeeping. */
  const api = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<HttpAnswer | undefined> => {
    const o = await exchange(
      tcp,
      [
        requestBytes(
          method,
          path,
          { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json' },
          body === undefined ? undefined : JSON.stringify(body),
        ),
      ],
      { timeoutMs: 30_000 },
    );
    return o.kind === 'answer' ? o.answer : undefined;
  };
  const pods = async (selector = ''): Promise<Pods> => {
    const a = await api('GET', `/api/v1/pods${selector}`);
    if (a?.status !== 200) throw new Error(`listing pods: ${a?.status ?? 'no answer'}`);
    type Meta = {
      namespace: string;
      name: string;
      uid?: string;
      labels?: object;
      deletionTimestamp?: string;
    };
    const items = (JSON.parse(a.body.toString()) as { items: { metadata: Meta }[] }).items;
    // Not the resourceVersion: the agent's status updates change it all the time.
    return new Map(
      items.map(({ metadata: m }) => [
        `${m.namespace}/${m.name}`,
        `${m.uid}:${JSON.stringify(m.labels ?? {})}:${m.deletionTimestamp ?? ''}`,
      ]),
    );
  };
  const alive = async () =>
    allAlive(opts.serverPids()) && (await api('GET', '/healthz'))?.status === 200;

  report.memoryStartKiB = rssKiB(opts.serverPids());
  const before = await pods();
  const fixture = await api(
    'POST',
    `/api/v1/namespaces/${w.namespace}/pods`,
    podManifest(w.fixture, w.namespace, w.image),
  );
  if (fixture?.status !== 201)
    throw new Error(
      `fuzzPodApi: creating the fixture pod: ${fixture?.status} ${fixture?.body.toString().slice(0, 300)}`,
    );
  const slow = startSlowClients([tcp, ...(unix ? [unix] : [])], opts.token, 10);
  const started = Date.now();
  // The baseline is taken once the server has served a tenth of the cases (its working set
  // after big bodies and TLS sessions), so that growth after it is what the run kept.
  const warmup = Math.min(50, Math.floor(opts.cases / 10));
  try {
    for (let n = 0; n < opts.cases; n++) {
      report.cases++;
      const c = podApiCase(rng, w, n);
      const target =
        c.kind === 'tls' ? { ...tcp, plain: true } : c.via === 'unix' && unix ? unix : tcp;
      const snap = c.mustNotChange ? await pods() : undefined;
      const o = await exchange(target, c.parts, {
        timeoutMs: 30_000,
        ...(c.gapMs ? { gapMs: c.gapMs } : {}),
      });
      const lost = judge(c, o, n, count, fail);
      if (snap) {
        const after = await pods();
        // What an unauthorized write could touch: the fixture, and the pod a POST names.
        const keys = [`${w.namespace}/${w.fixture}`, `${w.namespace}/unauth-${n}`];
        if (keys.some((k) => snap.get(k) !== after.get(k)))
          fail(`case ${n} (${c.kind}: ${c.what}): an unauthorized request changed the pods`);
      }
      opts.onCase?.(n, `${c.kind}: ${c.what}`);
      if (n === warmup) await memoryBaseline(report, opts);
      if (n % 25 === 24) {
        // A prototype polluted by a `__proto__` key would make every pod match this.
        const polluted = await pods('?labelSelector=polluted%3Dyes').catch(() => new Map());
        if (polluted.size > 0)
          fail(
            `case ${n}: pods match polluted=yes without the label: ${[...polluted.keys()].join(' ')}`,
          );
      }
      if (lost || n % 50 === 49) {
        if (!(await alive())) {
          report.crashes++;
          fail(
            `case ${n} (${c.kind}: ${c.what}): the server is gone or no longer answers /healthz`,
            false,
          );
          break;
        }
      }
    }
    count('slow clients');
    for (const p of await slow.finish(opts.slowClientLimitMs ?? 120_000, started)) fail(p);
    if (!(await alive())) {
      report.crashes++;
      fail('after the slow clients: the server no longer answers /healthz', false);
    }
  } finally {
    slow.stop();
    if (report.crashes === 0) {
      for (const l of await cleanUp(api, pods, before)) fail(`left behind: ${l}`, false);
    }
    await memoryAtEnd(report, opts);
  }
  return report;
}

/** Counts the answer and reports what is wrong with it. Returns "probe the server". */
function judge(
  c: PodApiCase,
  o: HttpOutcome,
  n: number,
  count: (k: string) => void,
  fail: (l: string) => void,
): boolean {
  const where = `case ${n} (${c.kind}: ${c.what})`;
  if (o.kind === 'timeout') {
    count('no answer');
    fail(`${where}: no answer in 30 s`);
    return true;
  }
  if (o.kind === 'closed') {
    count(`${c.kind} closed`);
    // Not TLS at all: closing is the answer. A big body refused before it was read: the
    // server answers and closes while the client still sends, and the client's kernel may
    // drop that answer on the RST (seen: 413 for 16 MiB chunked, 415 with 1 MB). Not a
    // crash; the server is probed.
    const early =
      c.parts.reduce((a, p) => a + p.length, 0) > 256 * 1024 && /ECONNRESET|EPIPE/.test(o.detail);
    if (c.kind !== 'tls' && !early)
      fail(`${where}: connection closed without an answer (${o.detail})`);
    if (early) count('reset after an early answer to a big body');
    return c.kind !== 'tls';
  }
  const a = o.answer;
  count(`http ${a.status || 'malformed'}`);
  if (a.malformed) {
    fail(`${where}: not an HTTP response: ${a.malformed}`);
    return true;
  }
  // 503 ServiceUnavailable: the node's runtime is down (it crashed), and the agent says so.
  if (a.status === 503 && /"reason":"ServiceUnavailable"/.test(a.body.toString())) {
    count('runtime unavailable');
  } else if (a.status >= 500)
    fail(`${where}: ${a.status} for bad input: ${a.body.toString().slice(0, 200)}`);
  // Proxied streams: after the upgrade request is replayed, the runtime's streaming server
  // answers (containerd: text/plain 400/403/405), as the kubelet does behind an apiserver.
  const proxied =
    c.kind === 'stream' && !(a.headers['content-type'] ?? '').startsWith('application/json');
  if (a.status >= 400 && !proxied) {
    const problem = statusBodyProblem(a);
    if (problem) fail(`${where}: ${a.status} without a Status body: ${problem}`);
  }
  if (c.expect === 'unauthorized' && ![401, 403, 431].includes(a.status))
    fail(`${where}: answered ${a.status}, not 401/403`);
  if (c.expect === 'too-large' && a.status !== 413 && a.status !== 400)
    fail(`${where}: answered ${a.status}, not 413/400`);
  if (c.expect === 'error' && a.status < 400) fail(`${where}: answered ${a.status}, not an error`);
  return false;
}

function statusBodyProblem(a: HttpAnswer): string | undefined {
  if (!(a.headers['content-type'] ?? '').startsWith('application/json'))
    return `content-type ${a.headers['content-type'] ?? 'none'}`;
  try {
    const s = JSON.parse(a.body.toString()) as {
      kind?: string;
      apiVersion?: string;
      status?: string;
      code?: number;
    };
    if (
      s.kind !== 'Status' ||
      s.apiVersion !== 'v1' ||
      s.status !== 'Failure' ||
      s.code !== a.status
    )
      return JSON.stringify(s).slice(0, 200);
    return undefined;
  } catch {
    return `not JSON: ${JSON.stringify(a.body.toString().slice(0, 100))}`;
  }
}

/** Deletes every pod of the fuzzer's (by label) and every pod new since the start; waits until they are gone. */
async function cleanUp(
  api: (m: string, p: string, b?: unknown) => Promise<HttpAnswer | undefined>,
  pods: (selector?: string) => Promise<Pods>,
  before: Pods,
): Promise<string[]> {
  const ours = async () => {
    const all = await pods();
    const labelled = await pods('?labelSelector=capstan.io%2Ffuzz%3Dpod-api');
    return [...all.keys()].filter((k) => labelled.has(k) || !before.has(k));
  };
  const end = Date.now() + 90_000;
  let left = await ours();
  while (left.length > 0 && Date.now() < end) {
    for (const key of left) {
      const [ns, name] = key.split('/') as [string, string];
      await api(
        'DELETE',
        `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}?gracePeriodSeconds=0`,
      );
    }
    await new Promise((r) => setTimeout(r, 1_000));
    left = await ours();
  }
  return left;
}
