import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRemoteCommand } from '../src/index.js';
import { startToy, type Toy } from './support/toy.js';

// Load: 50 sessions at once, each sending 1 MiB through stdin and reading it back from
// `cat`; every byte must come back intact. Throughput is reported by `pnpm bench`, not asserted.

const SESSIONS = 50;
const SIZE = 1024 * 1024;
let toy: Toy;
beforeAll(async () => {
  toy = await startToy();
});
afterAll(() => toy.close());

async function echoOnce(transport: 'spdy' | 'websocket', payload: Buffer) {
  const { url } = toy.server.getExec({
    containerId: 'c1',
    cmd: ['cat'],
    stdin: true,
    stdout: true,
    stderr: true,
  });
  const s = await openRemoteCommand(url, { transport, stdin: true });
  const hash = createHash('sha256');
  let bytes = 0;
  s.stdout!.on('data', (d: Buffer) => {
    hash.update(d);
    bytes += d.length;
  });
  s.stderr!.resume();
  Readable.from([payload.subarray(0, SIZE / 2), payload.subarray(SIZE / 2)]).pipe(s.stdin!);
  const outcome = await s.done;
  return { bytes, digest: hash.digest('hex'), exitCode: outcome.exitCode };
}

describe('load', () => {
  for (const transport of ['spdy', 'websocket'] as const) {
    it(`${SESSIONS} concurrent ${transport} exec sessions each echo 1 MiB intact`, async () => {
      const payloads = Array.from({ length: SESSIONS }, () => randomBytes(SIZE));
      const results = await Promise.all(payloads.map((p) => echoOnce(transport, p)));
      results.forEach((r, i) => {
        expect(r).toEqual({
          bytes: SIZE,
          digest: createHash('sha256').update(payloads[i]!).digest('hex'),
          exitCode: 0,
        });
      });
      expect(toy.server.activeSessions).toBeLessThanOrEqual(SESSIONS);
    }, 120_000);
  }
});
