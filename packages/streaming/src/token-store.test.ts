import { isNotFound, ResourceExhaustedError } from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import { TokenStore } from './token-store.js';

describe('TokenStore', () => {
  it('hands out random URL-safe tokens that work once', () => {
    const store = new TokenStore<string>();
    const a = store.insert('a');
    const b = store.insert('b');
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a).not.toBe(b);
    expect(store.consume(a)).toBe('a');
    expect(store.consume(a)).toBeUndefined();
    expect(store.consume('nope')).toBeUndefined();
    expect(store.size).toBe(1);
  });

  it('expires tokens after the TTL', () => {
    let now = 1000;
    const store = new TokenStore<string>({ ttlMs: 60_000, now: () => now });
    const t = store.insert('x');
    now += 60_001;
    expect(store.consume(t)).toBeUndefined();
  });

  it('refuses new tokens past maxInFlight until old ones expire', () => {
    let now = 0;
    const store = new TokenStore<number>({ maxInFlight: 2, ttlMs: 100, now: () => now });
    store.insert(1);
    store.insert(2);
    expect(() => store.insert(3)).toThrow(ResourceExhaustedError);
    try {
      store.insert(3);
    } catch (err) {
      expect(isNotFound(err)).toBe(false);
    }
    now = 200;
    expect(() => store.insert(3)).not.toThrow();
    expect(store.size).toBe(1);
  });
});
