import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentOptions } from './agent-options.js';
import { ConfigError, configSchema, defaultConfig, describeConfig, loadConfig } from './config.js';

const logger = { info() {}, warn() {} } as unknown as Parameters<typeof agentOptions>[1];

describe('config', () => {
  it('has every default in the schema, the agent options included', () => {
    const d = defaultConfig();
    expect(d).toMatchObject({
      maxPods: 110,
      relistPeriodMs: 1000,
      housekeepingPeriodMs: 10_000,
      containerLogMaxSize: '10Mi',
      containerLogMaxFiles: 5,
      imageGCHighThresholdPercent: 85,
      imageGCLowThresholdPercent: 80,
      nodeCgroup: '/',
      podApi: { enabled: false, socket: '/run/capstan/node-agent-api.sock' },
    });
    const o = agentOptions(d, logger);
    expect(o.logRotation).toEqual({ maxSize: 10 * 1024 * 1024, maxFiles: 5 });
    expect(o.imageGc).toEqual({ highThresholdPercent: 85, lowThresholdPercent: 80 });
    expect(o.eviction.hard).toBe(
      'memory.available<100Mi,nodefs.available<10%,imagefs.available<15%,nodefs.inodesFree<5%',
    );
  });

  it('merges flags over the file, keeps the pod API defaults, and turns maps into flag syntax', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      'maxPods: 20\nevictionHard:\n  memory.available: 200Mi\npodApi:\n  enabled: true\n',
    );
    const c = loadConfig(file, { maxPods: 30, 'podApi.port': 0 });
    expect(c.maxPods).toBe(30);
    expect(c.podApi).toEqual({
      enabled: true,
      socket: '/run/capstan/node-agent-api.sock',
      port: 0,
      metricsPeriodMs: 10_000,
    });
    expect(agentOptions(c, logger).eviction.hard).toBe('memory.available<200Mi');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad value with one line naming the field', () => {
    expect(() => loadConfig(undefined, { maxPods: -1 })).toThrow(ConfigError);
    expect(() => loadConfig(undefined, { maxPods: -1 })).toThrow(/^config: maxPods: /);
  });

  it('describes every field with its default (what --help prints)', () => {
    const text = describeConfig();
    for (const key of Object.keys(configSchema.shape).filter(
      (k) => k !== 'kind' && k !== 'apiVersion',
    ))
      expect(text).toContain(`  ${key}:`);
    expect(text).toContain('maxPods: 110');
    expect(text).toContain('    socket: "/run/capstan/node-agent-api.sock"');
    expect(text).toContain('staticPodPath: (unset)');
  });
});
