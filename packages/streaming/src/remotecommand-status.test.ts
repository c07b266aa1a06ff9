import { describe, expect, it } from 'vitest';
import {
  decodeStatus,
  encodeStatus,
  exitCodeStatus,
  internalErrorStatus,
  successStatus,
} from './remotecommand-status.js';

describe('the error stream Status', () => {
  it('is the kubelet’s JSON for a non-zero exit code on v4 and v5', () => {
    const bytes = encodeStatus(exitCodeStatus(3), 'v4.channel.k8s.io')!;
    const json = JSON.parse(bytes.toString());
    expect(json).toMatchObject({
      metadata: {},
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(decodeStatus(bytes, 'v5.channel.k8s.io')).toMatchObject({ exitCode: 3 });
    expect(encodeStatus(successStatus(), 'v4.channel.k8s.io')!.toString()).toBe(
      '{"metadata":{},"status":"Success"}',
    );
  });

  it('is plain text, and only on failure, before v4', () => {
    expect(encodeStatus(successStatus(), 'v3.channel.k8s.io')).toBeNull();
    const text = encodeStatus(exitCodeStatus(2), 'v2.channel.k8s.io')!.toString();
    expect(text).toMatch(/non-zero exit code/);
    expect(decodeStatus(Buffer.from(text), 'v2.channel.k8s.io')).toEqual({
      exitCode: null,
      error: text,
    });
    expect(decodeStatus(Buffer.alloc(0), 'channel.k8s.io')).toEqual({ exitCode: 0 });
  });

  it('decodes runtime failures and garbage without inventing an exit code', () => {
    const internal = encodeStatus(internalErrorStatus('boom'), 'v4.channel.k8s.io')!;
    expect(decodeStatus(internal, 'v4.channel.k8s.io')).toMatchObject({
      exitCode: null,
      error: 'Internal error occurred: boom',
    });
    expect(decodeStatus(Buffer.from('{not json'), 'v4.channel.k8s.io')).toMatchObject({
      exitCode: null,
    });
    const badCode = JSON.stringify({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '999' }] },
    });
    expect(decodeStatus(Buffer.from(badCode), 'v4.channel.k8s.io').exitCode).toBeNull();
  });
});
