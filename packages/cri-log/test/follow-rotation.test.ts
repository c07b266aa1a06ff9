import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import {
  CriLogEncoder,
  CriLogFile,
  type CriLogStream,
  readCriLog,
  rotateCriLog,
} from '../src/index.js';

// A runtime writes a container's log while the agent rotates it (rename + ReopenContainerLog)
// again and again, and a follower reads it all the while: every line comes out exactly once,
// in order per stream, long lines (P pieces) included even when a rotation falls between
// their pieces. Real files in a temp dir, real renames.

const dir = mkdtempSync(join(tmpdir(), 'cri-log-follow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.each([
  { name: 'polled often', pollIntervalMs: 2, maxFiles: 4 },
  // Several rotations between two looks: the follower walks the rotated files in order.
  { name: 'polled rarely', pollIntervalMs: 40, maxFiles: 20 },
])(
  'a follower yields every line exactly once, in order, across many rotations ($name)',
  async ({ name, pollIntervalMs, maxFiles }) => {
    const path = join(dir, name, '0.log');
    const file = new CriLogFile(path);
    const enc = new CriLogEncoder({ maxLineBytes: 32 });
    const expected: Record<CriLogStream, string[]> = { stdout: [], stderr: [] };
    let writing = true;
    const got: Record<CriLogStream, string[]> = { stdout: [], stderr: [] };
    const follower = (async () => {
      for await (const e of readCriLog(path, {
        follow: true,
        pollIntervalMs,
        until: () => !writing,
      })) {
        expect(e.complete).toBe(true);
        got[e.stream].push(e.content);
      }
    })();

    // The follower has the file open before anything is written or rotated.
    file.writeEncoded(enc.push('stdout', 'start\n'));
    expected.stdout.push('start');
    while (got.stdout.length === 0) await sleep(1);

    let rotations = 0;
    for (let i = 0; i < 600; i++) {
      const stream: CriLogStream = i % 3 === 0 ? 'stderr' : 'stdout';
      // Every 7th line is long: several P pieces, written in two chunks.
      const text = i % 7 === 0 ? `long-${i}-${'x'.repeat(70 + (i % 13))}` : `line-${i}`;
      expected[stream].push(text);
      const half = Math.floor(text.length / 2);
      file.writeEncoded(enc.push(stream, text.slice(0, half)));
      if (i % 50 === 25) {
        // Rotate between the two halves of a line: its pieces land in two files.
        await rotateCriLog(path, { maxSize: 1, maxFiles, reopen: async () => file.reopen() });
        rotations++;
      }
      file.writeEncoded(enc.push(stream, `${text.slice(half)}\n`));
      if (i % 10 === 0) await sleep(1);
    }
    writing = false;
    await follower;
    file.close();

    expect(rotations).toBe(12);
    expect(got.stdout).toEqual(expected.stdout);
    expect(got.stderr).toEqual(expected.stderr);
    // maxFiles: the live file and the rotated ones kept.
    expect(readdirSync(join(dir, name))).toHaveLength(Math.min(maxFiles, rotations + 1));
  },
);
