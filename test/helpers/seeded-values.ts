/** Seeded test values for the kernel gradient tests (an LCG, so the same seed gives the same floats). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export const uniform = (n: number, seed: number, lo = -1, hi = 1) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
};

/** n distinct values 0.07 apart, shuffled: max-pool windows without ties. */
export function distinct(n: number, seed: number, offset = 0): Float32Array {
  const r = rng(seed);
  const a = Array.from({ length: n }, (_, i) => offset + 0.07 * (i - n / 2));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return Float32Array.from(a);
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
