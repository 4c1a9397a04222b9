/**
 * Seeded randomness. Every stochastic routine takes an explicit seed and draws from
 * a Rng made here, so the same seed and inputs give the same numbers on every backend.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box-Muller, cached pair). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** xoshiro128** seeded through splitmix32; 2^128-1 period, fast in JS. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(),
    b = split(),
    c = split(),
    d = split();
  const nextU32 = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r;
  };
  let spare: number | undefined;
  const next = (): number => nextU32() / 4294967296;
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    normal: () => {
      if (spare !== undefined) {
        const v = spare;
        spare = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const rng = createRng(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Gaussian vector N(0, I) of length n. */
export function gaussianVector(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** Rademacher vector (entries ±1) of length n. */
export function rademacherVector(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.next() < 0.5 ? -1 : 1;
  return v;
}

/**
 * A 32-bit seed for stream (parts…) of run seed `seed` (splitmix-style mixing): initialisation draws
 * weight i from mixSeed(seed, i), so adding a layer does not reshuffle the others.
 */
export function mixSeed(seed: number, ...parts: number[]): number {
  // the seed takes a mixing round of its own before the parts: xor-ing it with the first part
  // unmixed made (s, i) and (s', i') one stream whenever s ^ i = s' ^ i' (seed 0's weight 1 was seed 1's weight 0)
  let h = 0x9e3779b9;
  for (const p of [seed, ...parts]) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}
