import { InvalidArgumentError } from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import {
  parseStreamingPath,
  pendingAttach,
  pendingExec,
  pendingPortForward,
  portsFromQuery,
} from './streaming-requests.js';

describe('streaming request validation', () => {
  it('accepts what the kubelet accepts', () => {
    expect(pendingExec({ containerId: 'c', cmd: ['ls'], stdout: true })).toMatchObject({
      kind: 'exec',
      flags: { stdin: false, stdout: true, stderr: false, tty: false },
    });
    expect(pendingAttach({ containerId: 'c', stdin: true, tty: true })).toMatchObject({
      kind: 'attach',
    });
    expect(pendingPortForward({ podSandboxId: 'p', port: [80] })).toEqual({
      kind: 'portforward',
      podSandboxId: 'p',
      ports: [80],
    });
  });

  const bad: [string, () => unknown][] = [
    ['no container ID', () => pendingExec({ cmd: ['ls'], stdout: true })],
    [
      'tty with stderr',
      () => pendingExec({ containerId: 'c', cmd: ['ls'], tty: true, stderr: true }),
    ],
    ['no stream at all', () => pendingAttach({ containerId: 'c' })],
    ['an empty command', () => pendingExec({ containerId: 'c', cmd: [], stdout: true })],
    ['no sandbox ID', () => pendingPortForward({ port: [80] })],
    ['port 0', () => pendingPortForward({ podSandboxId: 'p', port: [0] })],
  ];
  for (const [name, call] of bad) {
    it(`rejects ${name} with INVALID_ARGUMENT`, () => {
      expect(call).toThrow(InvalidArgumentError);
    });
  }

  it('parses streaming paths and port queries', () => {
    expect(parseStreamingPath('/exec/abc_-1')).toMatchObject({ kind: 'exec', token: 'abc_-1' });
    expect(parseStreamingPath('/base/portforward/tok?ports=80')).toMatchObject({
      kind: 'portforward',
      token: 'tok',
    });
    expect(parseStreamingPath('/exec/')).toBeUndefined();
    expect(parseStreamingPath('/other/tok')).toBeUndefined();
    expect(portsFromQuery(new URLSearchParams('ports=80,443&ports=8080'))).toEqual([80, 443, 8080]);
    expect(portsFromQuery(new URLSearchParams('ports=99999'))).toMatch(/unable to parse/);
  });
});
