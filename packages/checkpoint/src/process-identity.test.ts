import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIdentity, isAlive, parseIdentity, selfIdentity } from './process-identity.js';

describe('process identity', () => {
  it('round-trips through a file name', () => {
    const me = selfIdentity();
    expect(parseIdentity(`${formatIdentity(me)}-abcdef`)).toEqual(me);
    expect(parseIdentity('not-an-identity')).toBeUndefined();
  });

  it('this process is alive; the same PID with another start time or boot is not', () => {
    const me = selfIdentity();
    expect(me.start).not.toBe('0'); // Linux: /proc is there
    expect(isAlive(me)).toBe(true);
    expect(isAlive({ ...me, start: String(Number(me.start) + 1) })).toBe(false);
    expect(isAlive({ ...me, boot: 'ffff' })).toBe(false);
  });

  it('an exited process is not alive', () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.status).toBe(0);
    expect(isAlive({ ...selfIdentity(), pid: child.pid ?? 0 })).toBe(false);
  });

  it('a zombie (killed, not yet reaped) is not alive', async () => {
    // sh starts a short sleep in the background, then becomes `sleep 30`, which never reaps
    // it. The child outlives sh's own reaping (sh is gone before the child exits).
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const pid = Number(line.toString().trim());
      await expect
        .poll(() => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0], {
          timeout: 5000,
        })
        .toBe('Z');
      expect(isAlive({ pid, start: '0', boot: selfIdentity().boot })).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a live process of this boot is alive (PID 1, start time as /proc says)', () => {
    const me = selfIdentity();
    expect(isAlive({ pid: 1, start: '0', boot: me.boot })).toBe(true);
  });
});
