/**
 * The reported gradient-noise statistics from the per-group estimates (gradient-noise.ts): means
 * over the groups with standard errors sd/√groups, ratios (SNR, B_simple) by the delta method.
 */

/** A mean over the groups with its standard error. */
export interface Estimate {
  value: number;
  se: number;
}

/** Per-example gradient noise: tr Σ, ‖G‖² and the noise scale B_simple, each an estimate with its standard error. */
export interface NoiseStats {
  /** tr Σ, per-example gradient covariance ((N − 1)-normalised). */
  traceSigma: Estimate;
  /** ‖G‖² of the full-data gradient. */
  gradNormSq: Estimate;
  /** E‖g_B − G‖² at the analysed batch size B. */
  batchVariance: Estimate;
  /** ‖G‖² / batchVariance. */
  snr: Estimate;
  /** tr Σ / ‖G‖². */
  bSimple: Estimate;
  /** ‖G‖² exceeds twice its standard error: B_simple and SNR are resolved (else noise-dominated). */
  resolved: boolean;
}

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
function meanSe(x: number[]): Estimate {
  const m = mean(x);
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
  return { value: m, se: Math.sqrt(v / x.length) };
}

/** a/b over paired samples: value ā/b̄, delta-method standard error. */
function ratio(a: number[], b: number[], scale = 1): Estimate {
  const ma = mean(a),
    mb = mean(b),
    n = a.length;
  const r = ma / mb;
  let va = 0,
    vb = 0,
    cab = 0;
  for (let i = 0; i < n; i++) {
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
    cab += (a[i] - ma) * (b[i] - mb);
  }
  const d = n * (n - 1);
  const v = (va / d - 2 * r * (cab / d) + r * r * (vb / d)) / (mb * mb);
  return { value: r * scale, se: Math.sqrt(Math.max(v, 0)) * Math.abs(scale) };
}

/** Per-group S and G² series → the reported statistics. */
export function noiseStats(S: number[], G2: number[], B: number, N: number): NoiseStats {
  const f = 1 / B - 1 / N;
  const traceSigma = meanSe(S),
    gradNormSq = meanSe(G2);
  return {
    traceSigma,
    gradNormSq,
    batchVariance: { value: traceSigma.value * f, se: traceSigma.se * f },
    snr: ratio(G2, S, 1 / f),
    bSimple: ratio(S, G2),
    resolved: gradNormSq.value > 2 * gradNormSq.se,
  };
}
