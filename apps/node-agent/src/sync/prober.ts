import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { RuntimeServiceClient } from '@capstan/cri-api';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type { Container, Probe } from '../pod/types.js';

type Kind = 'liveness' | 'readiness' | 'startup';

interface Loop {
  containerId: string;
  timers: NodeJS.Timeout[];
  ready: boolean;
  started: boolean;
  counts: Record<Kind, { ok: number; fail: number }>;
}

/** Runs one probe once; resolves true on success. */
export async function runProbe(
  runtime: RuntimeServiceClient,
  probe: Probe,
  containerId: string,
  podIP: string,
  spec: Container,
): Promise<boolean> {
  const timeoutSec = probe.timeoutSeconds ?? 1;
  const port = (p: number | string) =>
    typeof p === 'number' ? p : (spec.ports?.find((x) => x.name === p)?.containerPort ?? Number(p));
  if (probe.exec) {
    try {
      const r = await runtime.execSync(
        { containerId, cmd: probe.exec.command, timeout: BigInt(timeoutSec) },
        { deadlineMs: (timeoutSec + 5) * 1000 },
      );
      return r.exitCode === 0;
    } catch {
      return false;
    }
  }
  const host = probe.httpGet?.host ?? probe.tcpSocket?.host ?? (podIP || '127.0.0.1');
  if (probe.httpGet) return httpGet(probe.httpGet, host, port(probe.httpGet.port), timeoutSec);
  if (probe.tcpSocket) {
    return new Promise((resolve) => {
      const s = connect({ host, port: port(probe.tcpSocket!.port), timeout: timeoutSec * 1000 });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(false));
    });
  }
  if (probe.grpc) return grpcHealth(host, probe.grpc.port, probe.grpc.service ?? '', timeoutSec);
  return false;
}

/**
 * The kubelet's HTTP probe: GET with its User-Agent and headers, TLS unverified for HTTPS,
 * redirects not followed; 200-399 is success. node:http, not fetch: fetch's parser is
 * WebAssembly, which the agent's `--lite-mode` (jitless) V8 does not run.
 */
function httpGet(
  get: NonNullable<Probe['httpGet']>,
  host: string,
  port: number,
  timeoutSec: number,
): Promise<boolean> {
  const https = (get.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.33', accept: '*/*' };
  for (const h of get.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        host,
        port,
        path: get.path || '/',
        method: 'GET',
        headers,
        timeout: timeoutSec * 1000,
        ...(https ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        res.once('end', () => resolve(code >= 200 && code < 400));
        res.once('error', () => resolve(false));
      },
    );
    req.once('timeout', () => req.destroy(new Error('probe timeout')));
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** grpc.health.v1.Health/Check: SERVING (1) is success. Hand-encoded: two tiny messages. */
function grpcHealth(
  host: string,
  port: number,
  service: string,
  timeoutSec: number,
): Promise<boolean> {
  const client = new Client(`${host}:${port}`, credentials.createInsecure());
  const svc = Buffer.from(service);
  const req = service ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (b: Buffer) => b,
      (b: Buffer) => b,
      req,
      new Metadata(),
      { deadline: Date.now() + timeoutSec * 1000 },
      (err, res?: Buffer) => {
        client.close();
        resolve(!err && !!res && res[0] === 0x08 && res[1] === 0x01);
      },
    );
  });
}

/**
 * Probe workers per container: startup first, then liveness and readiness, with the
 * Kubernetes defaults (period 10 s, timeout 1 s, failure threshold 3, success threshold 1).
 */
export class Prober {
  private readonly loops = new Map<string, Loop>();

  constructor(
    private readonly runtime: RuntimeServiceClient,
    /** A probe result changed readiness or startup: the pod's status must be recomputed. */
    private readonly onChange: (uid: string) => void,
    /** Liveness or startup failed past its threshold: the container must be restarted. */
    private readonly onFailure: (
      uid: string,
      container: string,
      kind: 'liveness' | 'startup',
    ) => void,
  ) {}

  /** Starts the probes of a running container (no-op when they already run for this ID). */
  ensure(uid: string, spec: Container, containerId: string, podIP: () => string): void {
    const key = `${uid}/${spec.name}`;
    const existing = this.loops.get(key);
    if (existing?.containerId === containerId) return;
    if (existing) this.clear(existing);
    const loop: Loop = {
      containerId,
      timers: [],
      ready: !spec.readinessProbe,
      started: !spec.startupProbe,
      counts: {
        liveness: { ok: 0, fail: 0 },
        readiness: { ok: 0, fail: 0 },
        startup: { ok: 0, fail: 0 },
      },
    };
    this.loops.set(key, loop);
    const schedule = (kind: Kind, probe: Probe) => {
      const period = (probe.periodSeconds ?? 10) * 1000;
      const tick = async () => {
        if (this.loops.get(key) !== loop) return;
        if (kind !== 'startup' && !loop.started)
          return void loop.timers.push(setTimeout(tick, period));
        if (kind === 'startup' && loop.started) return;
        const ok = await runProbe(this.runtime, probe, containerId, podIP(), spec);
        if (this.loops.get(key) !== loop) return;
        const c = loop.counts[kind];
        if (ok) {
          c.ok++;
          c.fail = 0;
        } else {
          c.fail++;
          c.ok = 0;
        }
        const threshold = probe.failureThreshold ?? 3;
        if (kind === 'readiness') {
          const before = loop.ready;
          if (c.ok >= (probe.successThreshold ?? 1)) loop.ready = true;
          if (c.fail >= threshold) loop.ready = false;
          if (before !== loop.ready) this.onChange(uid);
        } else if (kind === 'startup') {
          if (ok) {
            loop.started = true;
            this.onChange(uid);
            return;
          }
          if (c.fail >= threshold) return this.onFailure(uid, spec.name, 'startup');
        } else if (c.fail >= threshold) {
          c.fail = 0;
          return this.onFailure(uid, spec.name, 'liveness');
        }
        loop.timers.push(setTimeout(tick, period));
      };
      loop.timers.push(setTimeout(tick, (probe.initialDelaySeconds ?? 0) * 1000));
    };
    if (spec.startupProbe) schedule('startup', spec.startupProbe);
    if (spec.livenessProbe) schedule('liveness', spec.livenessProbe);
    if (spec.readinessProbe) schedule('readiness', spec.readinessProbe);
  }

  /** Readiness and startup of a container, as last probed. */
  state(uid: string, name: string, containerId: string): { ready: boolean; started: boolean } {
    const l = this.loops.get(`${uid}/${name}`);
    if (!l || l.containerId !== containerId) return { ready: false, started: false };
    return { ready: l.ready, started: l.started };
  }

  stop(uid: string, name?: string): void {
    for (const [k, l] of this.loops) {
      if (k === `${uid}/${name}` || (name === undefined && k.startsWith(`${uid}/`))) {
        this.clear(l);
        this.loops.delete(k);
      }
    }
  }

  stopAll(): void {
    for (const l of this.loops.values()) this.clear(l);
    this.loops.clear();
  }

  private clear(l: Loop) {
    for (const t of l.timers) clearTimeout(t);
    l.timers.length = 0;
  }
}
