// A small seeded PRNG (xoshiro128**) so that a fuzz run is reproducible from its seed.

/** Deterministic random choices from a 32-bit seed. */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    // splitmix32 expands the seed into the four words of state.
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = new Uint32Array([next(), next(), next(), next()]);
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 2 ** 32) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    let r = this.int(entries.reduce((a, [, w]) => a + w, 0));
    for (const [k, w] of entries) {
      if (r < w) return k;
      r -= w;
    }
    return entries[0]![0];
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(this.u32(), i);
    for (; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A size skewed towards small values: mostly < 16, sometimes up to `max`. */
  size(max: number): number {
    const r = this.int(100);
    if (r < 70) return this.int(16);
    if (r < 95) return this.int(Math.min(max, 4096));
    return this.int(max + 1);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Strings that break naive handling: traversal, NUL, control chars, odd Unicode. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '.',
  '..',
  '../../../../etc/passwd',
  '%2e%2e%2f%2e%2e',
  'a\u0000b',
  '\u0000',
  '\n\r\t',
  '-rf',
  '--help',
  '$(id)',
  '`id`',
  '; rm -rf /tmp/x',
  'UPPER_case',
  'name with spaces',
  '\u202eRTL',
  '\ud83d\ude00',
  '\uffff',
  '%s%n%x',
  '{"a":1}',
  '*',
  '/',
  '//',
  'a/b',
  '0',
  '-1',
  'null',
  'undefined',
];

/** A random string: nasty, random printable, random Unicode, or (rarely) huge. */
export function randomString(rng: Rng, maxBytes = 3 * 1024 * 1024): string {
  switch (rng.int(6)) {
    case 0:
      return rng.pick(NASTY_STRINGS);
    case 1: {
      const n = rng.size(256);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(32 + rng.int(95));
      return s;
    }
    case 2: {
      const n = rng.size(64);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCodePoint(rng.int(0xd7ff) + 1);
      return s;
    }
    case 3:
      return 'x'.repeat(rng.pick([63, 64, 65, 253, 254, 255, 256, 4096, 65_536]));
    case 4:
      return rng.chance(0.15) ? 'h'.repeat(rng.int(maxBytes) + 1) : `fz${rng.u32().toString(36)}`;
    default:
      return `${rng.pick(NASTY_STRINGS)}${rng.u32().toString(16)}`;
  }
}
