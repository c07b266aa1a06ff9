import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { RuntimeServiceClient } from '@capstan/cri-api';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type { Container, Probe } from './pod-types.js';

/** What running a probe needs from the runtime: exec probes run through ExecSync. */
export type ProbeRuntime = Pick<RuntimeServiceClient, 'execSync'>;

/** What a failed probe said (the kubelet's probe output, shown in the Unhealthy event). */
export interface ProbeOutput {
  output: string;
}

/** Runs one probe once; resolves true on success. `out.output` says why it failed. */
export async function runProbe(
  runtime: ProbeRuntime,
  probe: Probe,
  containerId: string,
  podIP: string,
  spec: Container,
  out: ProbeOutput = { output: '' },
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
      out.output = Buffer.concat([Buffer.from(r.stdout), Buffer.from(r.stderr)]).toString('utf8');
      return r.exitCode === 0;
    } catch (err) {
      out.output = (err as { details?: string }).details || (err as Error).message;
      return false;
    }
  }
  const host = probe.httpGet?.host ?? probe.tcpSocket?.host ?? (podIP || '127.0.0.1');
  if (probe.httpGet) return httpGet(probe.httpGet, host, port(probe.httpGet.port), timeoutSec, out);
  if (probe.tcpSocket) {
    const p = port(probe.tcpSocket.port);
    return new Promise((resolve) => {
      const s = connect({ host, port: p, timeout: timeoutSec * 1000 });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('timeout', () => {
        s.destroy();
        out.output = `dial tcp ${host}:${p}: i/o timeout`;
        resolve(false);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        out.output = `dial tcp ${host}:${p}: connect: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`;
        resolve(false);
      });
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
  out: ProbeOutput,
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
        res.once('end', () => {
          if (code >= 400) out.output = `HTTP probe failed with statuscode: ${code}`;
          resolve(code >= 200 && code < 400);
        });
        res.once('error', () => resolve(false));
      },
    );
    const url = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${get.path || '/'}`;
    req.once('timeout', () =>
      req.destroy(
        new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'),
      ),
    );
    req.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ECONNREFUSED'
          ? `dial tcp ${host}:${port}: connect: connection refused`
          : err.message;
      out.output = `Get "${url}": ${why}`;
      resolve(false);
    });
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
