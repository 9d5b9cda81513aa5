// A seeded PRNG for the protocol fuzzer (sfc32 seeded through splitmix32):
// the same seed gives the same numbers on every machine and Node version.
//
// Invariants:
//  - every draw is a pure function of the seed and the draws before it;
//  - fork() derives an independent generator (a client's own stream) from
//    one draw of this one, so a client's choices do not shift when another
//    client draws more or less.

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;

/** Values at the edges of the wire types, and just inside them. */
export const EDGE_INTS: readonly number[] = [0, 1, -1, 2, 255, 256, 4095, 4096, 4097, 65535, 65536, 0x3fffffff, 0x40000000, INT32_MAX - 1, INT32_MAX, INT32_MIN, INT32_MIN + 1, -4096];
export const EDGE_UINTS: readonly number[] = [0, 1, 2, 255, 256, 4096, 65535, 65536, 0x7fffffff, 0x80000000, UINT32_MAX - 1, UINT32_MAX];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    const init = splitmix32(this.seed);
    this.#a = init();
    this.#b = init();
    this.#c = init();
    this.#d = init();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform uint32. */
  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.u32() / 0x100000000;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.below(items.length)]!;
  }

  /** An index chosen with probability proportional to its weight. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Small sizes mostly, sometimes medium, rarely up to `max`. */
  size(max: number): number {
    const r = this.float();
    if (r < 0.7) return this.int(1, Math.min(max, 64));
    if (r < 0.95) return this.int(1, Math.min(max, 512));
    return this.int(1, max);
  }

  /** Any int32, biased toward edges and small values. */
  int32(): number {
    const r = this.float();
    if (r < 0.3) return this.pick(EDGE_INTS);
    if (r < 0.8) return this.int(-100, 2000);
    return this.u32() | 0;
  }

  /** Any uint32, biased toward edges and small values. */
  uint32(): number {
    const r = this.float();
    if (r < 0.3) return this.pick(EDGE_UINTS);
    if (r < 0.8) return this.int(0, 2000);
    return this.u32();
  }

  /** A derived generator (one draw of this one). */
  fork(): Rng {
    return new Rng(this.u32());
  }

  /** A printable or not-so-printable string of up to `maxBytes` UTF-8 bytes. */
  string(maxBytes: number): string {
    const r = this.float();
    if (r < 0.4) return this.pick(['', 'a', 'text/plain', 'text/plain;charset=utf-8', 'UTF8_STRING', 'image/png', 'foot', 'org.example.App']);
    const length = this.int(0, Math.max(0, Math.floor(maxBytes / 4)));
    let s = '';
    for (let i = 0; i < length; i++) {
      const k = this.float();
      if (k < 0.8) s += String.fromCharCode(this.int(0x20, 0x7e));
      else if (k < 0.95) s += String.fromCodePoint(this.int(0xa0, 0xd7ff));
      else s += String.fromCodePoint(this.int(0x1f300, 0x1f6ff));
    }
    return s;
  }
}

/** A seed from the environment variable `name` (decimal or 0x hex), else `fallback`. */
export function seedFromEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback >>> 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > UINT32_MAX) throw new RangeError(`${name}=${v} is not a uint32 seed`);
  return n >>> 0;
}

export { INT32_MAX, INT32_MIN, UINT32_MAX };
