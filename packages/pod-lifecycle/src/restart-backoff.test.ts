import { describe, expect, it } from 'vitest';
import { Backoff } from './restart-backoff.js';

describe('Backoff', () => {
  it('starts at 10 s, doubles to 5 min, and resets after 10 min of running', () => {
    const b = new Backoff();
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const until = b.next('pod/c', now, 1000);
      delays.push(until - now);
      now = until;
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(b.next('pod/c', now, 600_000) - now).toBe(10_000);
  });

  it('reports the remaining wait and forgets per pod', () => {
    const b = new Backoff();
    b.next('uid1/a', 1000, 0);
    expect(b.remaining('uid1/a', 5000)).toBe(6000);
    expect(b.remaining('uid1/a', 20_000)).toBe(0);
    b.forget('uid1/');
    expect(b.delay('uid1/a')).toBe(0);
  });
});
