import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject, packAll, published } from './pack-project.js';

// Every published package, packed as it would be published, installs with plain npm into a
// project outside the workspace, imports at run time, and type-checks against its .d.ts.

const scratch = mkdtempSync(join(tmpdir(), 'capstan-pack-'));
const out = join(scratch, 'tarballs');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let tarballs: string[] = [];
// Every package is packed first: a package's Capstan dependencies install from these
// tarballs, since nothing is published to the registry.
beforeAll(() => {
  tarballs = packAll(out);
});

/** A usage of each package's public API (must type-check and run), and what it prints. */
const usage: Record<string, { code: string; prints: string }> = {
  '@capstan/cri-api': {
    prints: 'ok packed 5 not-found true',
    code: `
    import { createCriServer, connectCriClient, VersionRequest, NotFoundError, grpcStatusOf, type RuntimeServiceHandlers } from '@capstan/cri-api';
    const handlers: Partial<RuntimeServiceHandlers> = { version: () => ({ runtimeName: 'packed' }) };
    const server = createCriServer({ runtime: handlers });
    const sock = process.argv[2] as string;
    await server.listen(sock);
    const cri = await connectCriClient(sock);
    const v = await cri.runtime.version(VersionRequest.fromPartial({ version: 'v1' }));
    const name: string = v.runtimeName;
    const err = await cri.runtime.status({}).catch((e) => e);
    console.log('ok', name, grpcStatusOf(new NotFoundError('x').kind), new NotFoundError('x').kind, err.kind === 'unimplemented');
    cri.close();
    await server.close(100);
  `,
  },
  '@capstan/errdefs': {
    prints: 'ok not-found true resource-exhausted',
    code: `
    import { NotFoundError, isNotFound, classify, type ErrorKind } from '@capstan/errdefs';
    const e = new NotFoundError('gone');
    const full: ErrorKind = classify(Object.assign(new Error('x'), { code: 'ENOSPC' }));
    console.log('ok', e.kind, isNotFound(e), full);
  `,
  },
  '@capstan/logging': {
    prints: 'ok capstan-usage 30 true',
    code: `
    import { readFileSync } from 'node:fs';
    import { join } from 'node:path';
    import { createLogger, parseLogLevel, type LogLevel } from '@capstan/logging';
    const file = join(process.argv[2] ?? '.', 'u.log');
    const level: LogLevel = parseLogLevel('info');
    const { logger, close } = createLogger({ app: 'capstan-usage', level, file, maxSizeBytes: 4096 });
    logger.info('hello');
    close();
    const line = JSON.parse(readFileSync(file, 'utf8').trim());
    let rejected = false;
    try { parseLogLevel('loud'); } catch { rejected = true; }
    console.log('ok', line.app, line.level, rejected);
  `,
  },
  '@capstan/image-store': {
    prints: 'ok http://127.0.0.1:5000 pull,resolve',
    code: `
    import { parseHostsToml, type RegistryHosts } from '@capstan/image-store';
    const hosts: RegistryHosts = parseHostsToml('[host."http://127.0.0.1:5000"]\\ncapabilities = ["pull", "resolve"]\\n', 'docker.io');
    const first = hosts.endpoints[0]!;
    console.log('ok', first.url, first.capabilities.join(','));
  `,
  },
  '@capstan/checkpoint': {
    prints: 'ok 2 true',
    code: `
    import { openCheckpointStore, isCorruptCheckpoint, type CheckpointStore } from '@capstan/checkpoint';
    import { mkdtempSync, writeFileSync } from 'node:fs';
    import { join } from 'node:path';
    const dir = mkdtempSync(join(process.argv[2] as string, 'store-'));
    const store: CheckpointStore<{ n: number }> = await openCheckpointStore<{ n: number }>({ dir });
    await store.put('a', { n: 2 });
    writeFileSync(join(dir, 'b'), 'garbage');
    const listing = await store.list();
    console.log('ok', (await store.get('a')).n, isCorruptCheckpoint(listing.corrupt[0]));
  `,
  },
  '@capstan/cri-log': {
    prints: 'ok a-b 1 not-found',
    code: `
    import { CriLogDecoder, readCriLog, isNotFound, type CriLogEntry } from '@capstan/cri-log';
    const d = new CriLogDecoder();
    const out: CriLogEntry[] = d.push(Buffer.from('2024-01-01T00:00:00Z stdout P a-\\n2024-01-01T00:00:01Z stdout F:x b\\n'));
    let kind = '';
    try {
      for await (const e of readCriLog(process.argv[2] + '/none.log')) console.log(e.content);
    } catch (err) {
      if (isNotFound(err)) kind = err.kind;
    }
    console.log('ok', out[0]?.content, out.length, kind);
  `,
  },
  '@capstan/image-id': {
    prints: 'ok docker.io/library/busybox:latest busybox',
    code: `
    import { normalizeReference, familiarName, parseNormalizedReference, type Reference } from '@capstan/image-id';
    const ref: Reference = parseNormalizedReference('busybox');
    console.log('ok', normalizeReference('busybox'), familiarName(ref));
  `,
  },
  '@capstan/cgroups': {
    prints: 'ok Burstable',
    code: `
    import { computePodQos, detectCgroupMounts } from '@capstan/cgroups';
    const qos = computePodQos({ containers: [{ resources: { requests: { cpu: '100m' } } }] } as Parameters<typeof computePodQos>[0]);
    console.log('ok', qos, typeof detectCgroupMounts === 'function' ? '' : 'x');
  `,
  },
  '@capstan/cni-net': {
    prints: 'ok cbr0 10.1.0.0/24',
    code: `
    import { defaultPodNetwork, CniDriver } from '@capstan/cni-net';
    const net = defaultPodNetwork({ name: 'podnet', podCidr: '10.1.0.0/24', bridge: 'cbr0' });
    const text = JSON.stringify(net);
    console.log('ok', text.includes('cbr0') ? 'cbr0' : 'none', text.includes('10.1.0.0/24') ? '10.1.0.0/24' : 'none', typeof CniDriver === 'function' ? '' : 'x');
  `,
  },
  '@capstan/cri-server': {
    prints: 'ok 64',
    code: `
    import { newId, resolveLogPath, type RuntimeBackend } from '@capstan/cri-server';
    const b: Partial<RuntimeBackend> = { runtimeName: 'x' };
    console.log('ok', newId().length, resolveLogPath('/var/log/pods/x', 'c/0.log') === '/var/log/pods/x/c/0.log' ? '' : 'bad', b.runtimeName ? '' : 'x');
  `,
  },
  '@capstan/streaming': {
    prints: 'ok true',
    code: `
    import { createStreamingServer, LocalProcessRuntime } from '@capstan/streaming';
    const s = createStreamingServer({ runtime: new LocalProcessRuntime() });
    console.log('ok', (await s.listen()).startsWith('http://127.0.0.1'));
    await s.close();
  `,
  },
  '@capstan/eviction': {
    prints: 'ok memory.available MemoryPressure',
    code: `
    import { parseThreshold, signalCondition, type Threshold } from '@capstan/eviction';
    const t: Threshold = parseThreshold('memory.available<100Mi')!;
    console.log('ok', t.signal, signalCondition(t.signal));
  `,
  },
  '@capstan/pod-lifecycle': {
    prints: 'ok sync 0 OutOfpods',
    code: `
    import { admit, computePodActions, PodRegistry, type Pod } from '@capstan/pod-lifecycle';
    const pod: Pod = { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } };
    const registry = new PodRegistry();
    const entry = await registry.upsert(pod, 'api');
    const actions = computePodActions(entry, { sandboxes: [], containers: [], statuses: new Map() });
    const attempt = actions.kind === 'sync' ? actions.createSandbox?.attempt : -1;
    const full = admit(pod, [{ ...pod, metadata: { name: 'other', uid: 'x' } }], { cpuMillis: 1000, memoryBytes: 1n << 30n, pods: 1 });
    console.log('ok', actions.kind, attempt, full?.reason);
  `,
  },
  '@capstan/cri-conformance': {
    prints: 'ok runtime',
    code: `
    import { allTests, selectTests, distribution, type ConformanceTest } from '@capstan/cri-conformance';
    const picked: ConformanceTest[] = selectTests({ focus: /^runtime\\// }, allTests);
    console.log('ok', picked[0]?.category, distribution([1, 2, 3]).p50);
  `,
  },
};

describe('packages work outside the monorepo', () => {
  it('has a usage check for every published package', () => {
    expect(published.length).toBeGreaterThan(0);
    expect(published.map((p) => p.name).filter((n) => !usage[n])).toEqual([]);
  });

  it.each(published.map((p) => p.name))(
    '%s packs, installs with npm, imports with types',
    (name) => {
      const project = join(scratch, name.replace(/[@/]/g, '_'));
      const main = buildProject(project, tarballs, usage[name]!.code);
      // Each usage gets a scratch directory of its own as argv[2] (cri-api: a socket path).
      const arg = name === '@capstan/cri-api' ? join(project, 'x.sock') : project;
      const stdout = execFileSync(process.execPath, [main, arg], { cwd: project }).toString();
      expect(stdout).toContain(usage[name]!.prints);
    },
  );
});
