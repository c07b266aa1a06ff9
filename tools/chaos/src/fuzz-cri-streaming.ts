// The runtime's streaming URLs (Exec, Attach, PortForward): a token must be unguessable
// (enough bits, no two alike, not sequential), single-use, refused when guessed, and
// refused once its TTL has passed.
import { request } from 'node:http';
import type { CriClient } from '@capstan/cri-api';

export interface StreamingCheckOptions {
  cri: CriClient;
  containerId: string;
  sandboxId: string;
  /** Fewest bits of entropy a token must carry (by its length and alphabet). */
  minTokenBits: number;
  /** Makes the streaming server's loopback port reachable here (a runtime in a netns). */
  exposePort?: (port: number) => Promise<void>;
}

/** A URL taken at the start and used only after `ttlMs`: `finish()` resolves the problems. */
export interface ExpiryProbe {
  finish(ttlMs: number): Promise<string[]>;
}

const token = (url: string) => new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';

/** GET a streaming URL without an upgrade: the status code (0 when nothing answered). */
export function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

function bitsOf(t: string): number {
  if (/^[0-9a-f]+$/i.test(t)) return t.length * 4;
  if (/^[A-Za-z0-9_-]+$/.test(t)) return t.length * 6;
  return t.length * 5;
}

function asBigInt(t: string): bigint {
  const bytes = /^[0-9a-f]+$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64url');
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

async function urls(o: StreamingCheckOptions): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 8; i++)
    out.push(
      (await o.cri.runtime.exec({ containerId: o.containerId, cmd: ['true'], stdout: true })).url,
    );
  for (let i = 0; i < 4; i++)
    out.push((await o.cri.runtime.attach({ containerId: o.containerId, stdout: true })).url);
  for (let i = 0; i < 4; i++)
    out.push((await o.cri.runtime.portForward({ podSandboxId: o.sandboxId, port: [80] })).url);
  const ports = new Set(out.map((u) => Number(new URL(u).port)));
  for (const p of ports) await o.exposePort?.(p);
  return out;
}

/** Takes one URL now, to try it once the TTL has passed. */
export async function startExpiryProbe(o: StreamingCheckOptions): Promise<ExpiryProbe> {
  const { url } = await o.cri.runtime.exec({
    containerId: o.containerId,
    cmd: ['true'],
    stdout: true,
  });
  await o.exposePort?.(Number(new URL(url).port));
  const at = Date.now();
  return {
    async finish(ttlMs) {
      const wait = at + ttlMs + 2_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const status = await getStatus(url);
      return status === 404
        ? []
        : [
            `streaming: a URL used ${Math.round((Date.now() - at) / 1000)} s after it was issued (TTL ${ttlMs / 1000} s) answered ${status}, not 404`,
          ];
    },
  };
}

/** Every problem found with the tokens, one line each. */
export async function checkStreamingTokens(o: StreamingCheckOptions): Promise<string[]> {
  const problems: string[] = [];
  const list = await urls(o);
  const tokens = list.map(token);
  for (const t of tokens) {
    if (bitsOf(t) < o.minTokenBits)
      problems.push(
        `streaming: token "${t}" carries at most ${bitsOf(t)} bits (< ${o.minTokenBits})`,
      );
  }
  if (new Set(tokens).size !== tokens.length)
    problems.push(`streaming: tokens repeat: ${tokens.join(' ')}`);
  const values = tokens.map(asBigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < values.length; i++) {
    if (values[i]! - values[i - 1]! < 2n ** 16n)
      problems.push(`streaming: tokens are close to sequential: ${tokens.join(' ')}`);
  }
  // Guessed tokens: a changed last character, a random one, traversal.
  const sample = list[0]!;
  const t0 = token(sample);
  const flip = t0.slice(0, -1) + (t0.endsWith('A') ? 'B' : 'A');
  for (const guess of [flip, 'A'.repeat(t0.length), '..', '%2e%2e', `${t0}x`, t0.slice(0, -1)]) {
    const u = new URL(sample);
    u.pathname = `${u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1)}${guess}`;
    const s = await getStatus(u.toString());
    // 400 is what a valid token gets without an upgrade: a guess must get 404 (or a redirect).
    if (s !== 404 && !(s >= 300 && s < 400))
      problems.push(`streaming: guessed token ${guess} answered ${s}`);
  }
  // Single use: the first use (a GET without an upgrade fails, but spends the token), then 404.
  for (const url of list.slice(0, 3)) {
    const first = await getStatus(url);
    const second = await getStatus(url);
    if (first === 0 || first === 404)
      problems.push(`streaming: a fresh URL ${url} answered ${first}`);
    if (second !== 404) problems.push(`streaming: a used URL ${url} answered ${second}, not 404`);
  }
  return problems;
}
