// Slow clients (slowloris): connections that trickle their headers, or their body, a few
// bytes at a time. The server must cut them off within a bound while it goes on serving
// everybody else; whatever it answers them must be well-formed.
import type { Socket } from 'node:net';
import { dial, type HttpTarget, parseResponse } from './fuzz-http.js';

interface Slow {
  what: string;
  openedAt: number;
  closedAt?: number;
  answer: Buffer[];
  sock: Socket;
  timer: NodeJS.Timeout;
}

export interface SlowClients {
  /** Waits until every slow client was cut off, at most `limitMs` after it opened; the problems. */
  finish(limitMs: number, since: number): Promise<string[]>;
  stop(): void;
}

export function startSlowClients(
  targets: HttpTarget[],
  token: string,
  perTarget: number,
): SlowClients {
  const slows: Slow[] = [];
  for (const t of targets) {
    for (let i = 0; i < perTarget; i++) {
      const body = i % 2 === 1;
      const auth = t.url !== undefined ? `Authorization: Bearer ${token}\r\n` : '';
      const head = body
        ? `POST /api/v1/namespaces/default/pods?dryRun=All HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n`
        : `GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n${auth}`;
      const sock = dial(t);
      const s: Slow = {
        what: `${t.url ?? 'unix'} ${body ? 'body' : 'headers'} trickled`,
        openedAt: Date.now(),
        answer: [],
        sock,
        timer: setInterval(() => {
          if (!sock.destroyed && sock.writable)
            sock.write(body ? ' ' : `X-Slow-${Date.now()}: y\r\n`);
        }, 2_000),
      };
      sock.on(t.url === undefined ? 'connect' : 'secureConnect', () => sock.write(head));
      sock.on('data', (c: Buffer) => s.answer.push(c));
      sock.on('error', () => {});
      sock.on('close', () => {
        s.closedAt = Date.now();
        clearInterval(s.timer);
      });
      slows.push(s);
    }
  }
  const stop = () => {
    for (const s of slows) {
      clearInterval(s.timer);
      s.sock.destroy();
    }
  };
  return {
    stop,
    async finish(limitMs) {
      const deadline = Math.max(...slows.map((s) => s.openedAt)) + limitMs;
      while (slows.some((s) => s.closedAt === undefined) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
      }
      const problems: string[] = [];
      for (const s of slows) {
        if (s.closedAt === undefined) {
          problems.push(
            `slow client (${s.what}) still connected ${Math.round((Date.now() - s.openedAt) / 1000)} s after it opened`,
          );
          continue;
        }
        const raw = Buffer.concat(s.answer);
        if (raw.length === 0) continue; // cut off without a word: fine for a client that never finished
        const a = parseResponse(raw);
        if (a.malformed)
          problems.push(`slow client (${s.what}): not an HTTP answer: ${a.malformed}`);
        else if (
          !(a.headers['content-type'] ?? '').startsWith('application/json') ||
          !a.body.toString().includes('"kind":"Status"')
        ) {
          problems.push(
            `slow client (${s.what}): ${a.status} without a Status body (after ${Math.round((s.closedAt - s.openedAt) / 1000)} s)`,
          );
        }
      }
      stop();
      return problems;
    },
  };
}
