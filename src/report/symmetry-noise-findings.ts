/** The report's unit-symmetry and gradient-noise findings (src/gradients/unit-symmetry.ts, gradient-noise.ts). */
import type { FullReport } from './report-types.js';
import type { Draft } from './findings.js';
import { sig } from './format.js';

/** Unit symmetry (a warning with its remedy) and the gradient noise scale next to the training batch size (info). */
export function symmetryAndNoiseFindings(r: FullReport): Draft[] {
  const out: Draft[] = (r.gradients.symmetry?.findings ?? []).map((f) => ({
    part: 'gradients' as const,
    code: f.code,
    severity: f.severity,
    title: f.code === 'zero-layer' ? 'all-zero layer' : 'symmetric units',
    message: f.message,
    value: null,
    threshold: r.gradients.symmetry.tol,
    figure: 'attenuation.png',
    remedy: f.remedy,
  }));
  const n = r.noise;
  if (n) {
    const b = n.overall.bSimple;
    const trained = r.trainingBatchSize ?? null;
    const vs =
      trained === null
        ? "training batch size unknown (not in the checkpoint's training config)"
        : `trained with batch size ${trained}, ${trained < b.value ? 'below' : 'above'} it`;
    out.push({
      part: 'gradients',
      code: 'gradient-noise',
      severity: 'info',
      title: 'gradient noise scale',
      message: n.overall.resolved
        ? `B_simple = ${sig(b.value, 3)} ± ${sig(b.se, 2)}; ${vs}`
        : `‖G‖² is within noise (${sig(n.overall.gradNormSq.value, 2)} ± ${sig(n.overall.gradNormSq.se, 2)}): B_simple unresolved, noise-dominated at any practical batch size; ${vs}`,
      value: b.value,
      threshold: null,
      figure: 'attenuation.png',
      detail: `SNR ${sig(n.overall.snr.value, 3)} ± ${sig(n.overall.snr.se, 2)} at B = ${n.batchSize}; tr Σ ${sig(n.overall.traceSigma.value, 3)}, ‖G‖² ${sig(n.overall.gradNormSq.value, 3)} from ${n.minibatches} minibatches (McCandlish et al. 2018: batches well below B_simple are noise-dominated, well above it waste samples)`,
    });
  }
  return out;
}
