import { ContainerState, ContainerStats, Image, PodSandboxState } from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import { authFrom, imageRows, splitRepoTag } from './cmd-image.js';
import { podRow } from './cmd-pod.js';
import { containerRow, containerStateName } from './cmd-ps.js';
import { statsRow } from './cmd-stats.js';

const NOW = 1_700_000_000_000;
const ns = (msAgo: number) => BigInt(NOW - msAgo) * 1_000_000n;
const ID = 'b955200af5dbc03c1647446cc849e571ebe546690f8e42009981d6dcb67833f7';

describe('table rows', () => {
  it('pods: truncated ID, age, state word, name, namespace, attempt', () => {
    const pod = {
      id: ID,
      createdAt: ns(120_000),
      state: PodSandboxState.SANDBOX_NOTREADY,
      metadata: { name: 'web', uid: 'u', namespace: 'prod', attempt: 2 },
      labels: {},
      annotations: {},
      runtimeHandler: '',
    };
    expect(podRow(pod, false, NOW)).toEqual([
      'b955200af5dbc',
      '2 minutes ago',
      'NotReady',
      'web',
      'prod',
      '2',
    ]);
    expect(podRow(pod, true, NOW)[0]).toBe(ID);
  });

  it('ps: image digests truncated like IDs, references kept', () => {
    const base = {
      id: ID,
      podSandboxId: ID,
      imageRef: '',
      imageId: '',
      createdAt: ns(5_000),
      state: ContainerState.CONTAINER_EXITED,
      labels: {},
      annotations: {},
      metadata: { name: 'c', attempt: 1 },
    };
    const byDigest = containerRow(
      {
        ...base,
        image: {
          image: `sha256:${ID}`,
          annotations: {},
          userSpecifiedImage: '',
          runtimeHandler: '',
          imageRef: '',
        },
      },
      false,
      NOW,
    );
    expect(byDigest).toEqual([
      'b955200af5dbc',
      'b955200af5dbc',
      '5 seconds ago',
      'Exited',
      'c',
      '1',
      'b955200af5dbc',
    ]);
    const byRef = containerRow(
      {
        ...base,
        image: {
          image: 'registry:5000/app:1',
          annotations: {},
          userSpecifiedImage: '',
          runtimeHandler: '',
          imageRef: '',
        },
      },
      false,
      NOW,
    );
    expect(byRef[1]).toBe('registry:5000/app:1');
    expect(containerStateName(ContainerState.CONTAINER_CREATED)).toBe('Created');
    expect(containerStateName(ContainerState.CONTAINER_UNKNOWN)).toBe('Unknown');
  });

  it('images: one row per tag, <none> for untagged, digests on request', () => {
    const image = Image.fromPartial({
      id: `sha256:${ID}`,
      repoTags: ['registry:5000/app:1', 'registry:5000/app:latest'],
      repoDigests: [
        'registry:5000/app@sha256:ddae6138bb19d1bd68f4d2b61a58d58a1922a0c2549796b548f691eef69e49a9',
      ],
      size: 1_058_304n,
    });
    expect(imageRows([image], false, false)).toEqual([
      ['registry:5000/app', '1', 'b955200af5dbc', '1.06MB'],
      ['registry:5000/app', 'latest', 'b955200af5dbc', '1.06MB'],
    ]);
    expect(imageRows([image], true, false)[0]).toEqual([
      'registry:5000/app',
      '1',
      'ddae6138bb19d',
      'b955200af5dbc',
      '1.06MB',
    ]);
    const untagged = Image.fromPartial({
      id: `sha256:${ID}`,
      repoDigests: image.repoDigests,
      size: 10n,
    });
    expect(imageRows([untagged], false, false)).toEqual([
      ['registry:5000/app', '<none>', 'b955200af5dbc', '10B'],
    ]);
  });

  it('stats: CPU % from two samples, sizes in decimal units', () => {
    const sample = (cpuNs: bigint, atNs: bigint) =>
      ContainerStats.fromPartial({
        attributes: { id: ID, metadata: { name: 'c', attempt: 0 }, labels: {}, annotations: {} },
        cpu: { timestamp: atNs, usageCoreNanoSeconds: { value: cpuNs } },
        memory: { timestamp: atNs, workingSetBytes: { value: 614_400n } },
        writableLayer: { timestamp: atNs, usedBytes: { value: 4096n }, inodesUsed: { value: 3n } },
      });
    const row = statsRow(
      sample(1_250_000_000n, 2_000_000_000n),
      sample(1_000_000_000n, 1_000_000_000n),
      false,
    );
    expect(row).toEqual(['b955200af5dbc', 'c', '25.00', '614.4kB', '4.096kB', '3']);
  });
});

describe('splitRepoTag and authFrom', () => {
  it('does not take a registry port for a tag', () => {
    expect(splitRepoTag('registry:5000/app:1.2')).toEqual(['registry:5000/app', '1.2']);
    expect(splitRepoTag('registry:5000/app')).toEqual(['registry:5000/app', 'latest']);
  });
  it('turns --creds and --auth into AuthConfig', () => {
    expect(authFrom({ creds: 'me:p:w' })).toEqual({ username: 'me', password: 'p:w' });
    expect(authFrom({ auth: 'bWU6cHc=' })).toEqual({ auth: 'bWU6cHc=' });
    expect(authFrom({})).toBeUndefined();
    expect(() => authFrom({ creds: 'nopassword' })).toThrow('--creds must be user:password');
  });
});
