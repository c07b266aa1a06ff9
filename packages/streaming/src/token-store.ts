import { randomBytes } from 'node:crypto';
import { ResourceExhaustedError } from '@capstan/cri-api';

/** Options of {@link TokenStore}. */
export interface TokenStoreOptions {
  /** How long a token stays valid. Default 60 s (the kubelet's). */
  ttlMs?: number;
  /** Tokens outstanding at once before insert refuses. Default 1000 (the kubelet's). */
  maxInFlight?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Single-use, expiring tokens for streaming URLs: `insert` stores a request under 128 random
 * bits (base64url); `consume` returns it once, and never after its TTL. Expired entries are
 * dropped as new ones come in, so the store cannot grow past `maxInFlight`.
 */
export class TokenStore<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;

  constructor(opts: TokenStoreOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxInFlight = opts.maxInFlight ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Outstanding (unexpired, unused) tokens. */
  get size(): number {
    this.evict();
    return this.entries.size;
  }

  /** Stores `value`; throws ResourceExhaustedError when `maxInFlight` tokens are outstanding. */
  insert(value: T): string {
    this.evict();
    if (this.entries.size >= this.maxInFlight) {
      throw new ResourceExhaustedError(
        `maximum number of in-flight streaming requests (${this.maxInFlight}) exceeded`,
      );
    }
    const token = randomBytes(16).toString('base64url');
    this.entries.set(token, { value, expires: this.now() + this.ttlMs });
    return token;
  }

  /** The value of `token`, once; undefined when unknown, used or expired. */
  consume(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    return entry.expires > this.now() ? entry.value : undefined;
  }

  /** Drops every token. */
  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    const now = this.now();
    // Insertion order is expiry order (one TTL for all): stop at the first live entry.
    for (const [token, entry] of this.entries) {
      if (entry.expires > now) break;
      this.entries.delete(token);
    }
  }
}
