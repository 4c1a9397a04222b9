/** Small descriptive statistics for study summaries (NaN-free inputs expected; non-finite values are dropped and counted). */

export interface Stats {
  n: number;
  mean: number;
  std: number;
  median: number;
  q25: number;
  q75: number;
  min: number;
  max: number;
  dropped: number;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function describe(values: number[]): Stats {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  const mean = n ? v.reduce((a, b) => a + b, 0) / n : NaN;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : NaN;
  return {
    n,
    mean,
    std,
    median: quantile(v, 0.5),
    q25: quantile(v, 0.25),
    q75: quantile(v, 0.75),
    min: n ? v[0] : NaN,
    max: n ? v[n - 1] : NaN,
    dropped: values.length - n,
  };
}

function ranks(v: number[]): number[] {
  const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Spearman rank correlation over the pairs where both values are finite (NaN with fewer than 3). */
export function spearman(x: number[], y: number[]): { rho: number; n: number } {
  const keep = x.map((v, i) => Number.isFinite(v) && Number.isFinite(y[i]));
  const a = x.filter((_, i) => keep[i]);
  const b = y.filter((_, i) => keep[i]);
  return { rho: a.length >= 3 ? pearson(ranks(a), ranks(b)) : NaN, n: a.length };
}
