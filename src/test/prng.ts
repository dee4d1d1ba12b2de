/**
 * `Prng`: the seeded random source of a simulation.
 *
 * HOW: sfc32 (Chris Doty-Humphrey's "small fast counting" generator, public domain): 128 bits of
 * state in four 32-bit words, a handful of adds, shifts and xors per number, and a counter that
 * guarantees a period of at least 2^32. The state is filled from the seed by splitmix32 (a
 * 32-bit variant of Steele, Lea and Flood's SplitMix), seeded with the seed's low 32 bits (the high bits are mixed into one word),
 * so nearby seeds (1, 2, 3, ...) give unrelated streams.
 *
 * WHY not `Math.random`: it cannot be seeded, and a failing schedule must replay from its seed in
 * another process. WHY sfc32: integer-only arithmetic on 32-bit words is exact in JavaScript and
 * identical on every platform; it passes PractRand well beyond what a test run draws.
 */

function splitmix32(state: number): () => number {
  let s = state | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** @internal a seeded pseudo-random generator (sfc32). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed`: a safe integer (validated by the callers). */
  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
    const mix = splitmix32(lo);
    this.a = mix();
    this.b = (mix() ^ hi) >>> 0;
    this.c = mix();
    this.d = 1;
    // Discard the first outputs: sfc32's state needs a few rounds to mix.
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  next32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1), as `Math.random` gives. */
  float(): number {
    return this.next32() / 0x1_0000_0000;
  }

  /** An integer in [0, n), for 1 <= n <= 2^32 (multiply-shift: no modulo bias worth measuring at test sizes). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability `1 / n`. */
  oneIn(n: number): boolean {
    return this.below(n) === 0;
  }
}
