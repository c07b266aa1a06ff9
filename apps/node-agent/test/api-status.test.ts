import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCriClient } from '@capstan/cri-api';
import { expect, it } from 'vitest';
import { statusOf } from '../src/api/api-status.js';

// What the pod API answers when the container runtime is not there (it crashed, or is
// restarting): a 503 ServiceUnavailable Status a client may retry, not a 500 (found by the
// fault campaign: containerd 1.6 died under the CRI fuzzer and every log request got 500).

it('a CRI call to a runtime that is down becomes a 503 ServiceUnavailable Status', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-status-'));
  const cri = createCriClient(`unix://${join(dir, 'gone.sock')}`, { deadlineMs: 2_000 });
  try {
    const err = await cri.runtime.listContainers({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    const s = statusOf(err);
    expect([s.code, s.reason, s.status]).toEqual([503, 'ServiceUnavailable', 'Failure']);
    expect(s.message).toMatch(/^the container runtime is unavailable: ListContainers/);
  } finally {
    cri.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('an unexpected error stays a 500 InternalError', () => {
  const s = statusOf(new TypeError('x is not a function'));
  expect([s.code, s.reason]).toEqual([500, 'InternalError']);
  expect(s.message).toBe('Internal error occurred: x is not a function');
});
