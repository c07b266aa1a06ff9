import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProcessesUnder, isAlive, startRegistry } from '../src/index.js';

describe('startRegistry', () => {
  it('serves /v2/ on loopback and stop() kills it and removes its dir', async () => {
    const registry = await startRegistry();
    try {
      expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(isAlive(registry.pid)).toBe(true);
      const res = await fetch(`http://${registry.host}/v2/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
      const config = readFileSync(join(registry.dir, 'config.yml'), 'utf8');
      expect(config).toContain(`addr: ${registry.host}`);
      expect(config).toContain(join(registry.dir, 'storage'));
    } finally {
      await registry.stop();
    }
    expect(isAlive(registry.pid)).toBe(false);
    expect(existsSync(registry.dir)).toBe(false);
    expect(findProcessesUnder(registry.dir)).toEqual([]);
    await expect(fetch(`http://${registry.host}/v2/`)).rejects.toThrow();
  });

  it('uses the dir it is given, and two registries get different ports', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'capstan-testenv-test-'));
    const dir = join(parent, 'reg');
    const a = await startRegistry({ dir });
    const b = await startRegistry();
    try {
      expect(a.dir).toBe(dir);
      expect(existsSync(join(dir, 'config.yml'))).toBe(true);
      expect(a.host).not.toBe(b.host);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      rmSync(parent, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
    expect([a.pid, b.pid].some(isAlive)).toBe(false);
  });
});
