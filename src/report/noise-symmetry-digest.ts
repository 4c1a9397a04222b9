/** The text `losslens gradients` prints for --noise (gradient-noise.ts) and the unit-symmetry check. */
import type { GradientNoise, Estimate } from '../gradients/gradient-noise.js';
import type { UnitSymmetry } from '../gradients/unit-symmetry.js';
import type { GradientAnalysis } from '../gradients/analyze-gradients.js';
import { formatTable, num } from './text-table.js';

const pm = (e: Estimate) => `${num(e.value)} ± ${num(e.se, 2)}`;

export function noiseTable(r: GradientNoise, trainingBatch?: number | null): string {
  const row = (name: string, s: GradientNoise['overall'], params?: number) => [
    name,
    params ?? '',
    pm(s.traceSigma),
    pm(s.gradNormSq),
    pm(s.batchVariance),
    s.resolved ? pm(s.snr) : `${pm(s.snr)} (noise-dominated)`,
    s.resolved ? pm(s.bSimple) : `${pm(s.bSimple)} (‖G‖² unresolved)`,
  ];
  const table = formatTable(
    ['layer', 'params', 'tr Σ', '‖G‖²', `var g_B (B=${r.batchSize})`, `SNR (B=${r.batchSize})`, 'B_simple'],
    [...r.layers.map((l) => row(l.name, l, l.params)), row('all', r.overall)],
  );
  const trained =
    trainingBatch === undefined
      ? []
      : [
          `batch size used for training: ${trainingBatch ?? "unknown (not in the checkpoint's training config)"}${trainingBatch ? ` — ${trainingBatch < r.overall.bSimple.value ? 'below' : 'above'} B_simple ≈ ${num(r.overall.bSimple.value, 3)}` : ''}`,
        ];
  return [
    table,
    `${r.minibatches} minibatch gradients (${r.groups} groups of ${r.groupSize} × ${r.batchSize} samples of ${r.samples}); ± = standard error over the groups`,
    'B_simple = tr Σ/‖G‖² (McCandlish et al. 2018): batches much smaller than it are noise-dominated (lr can scale ~linearly with B), much larger ones waste samples',
    ...trained,
  ].join('\n');
}

export function symmetryLines(s: UnitSymmetry, label = 'checkpoint'): string[] {
  const widths = s.layers.map((l) => `${l.name} ${l.effectiveWidth}/${l.units}`).join(', ');
  return [
    `unit symmetry (${label}): effective width per layer ${widths}`,
    ...s.findings.map((f) => `  [${f.severity}] ${f.code} (${f.layers.join(', ')}): ${f.message}\n      remedy: ${f.remedy}`),
  ];
}

/** The lines after the gradient table: the noise table (with the training batch size) and the symmetry of each initialisation. */
export function noiseSymmetryDigest(r: GradientAnalysis, trainingBatch: number | null): string {
  return [
    '',
    ...(r.noise ? ['gradient noise:', noiseTable(r.noise, trainingBatch), ''] : []),
    ...symmetryLines(r.symmetry).slice(0, 1),
    ...(r.init ? symmetryLines(r.init.symmetry, `init ${r.init.initializer}`) : []),
    ...(r.randomInit ? symmetryLines(r.randomInit.symmetry, `random init ${r.randomInit.initializer}`) : []),
  ].join('\n');
}
