/** The report's figures, each with a caption: Hessian spectrum and density, slices, gradient profile. */
import { hessianFigures } from './hessian.js';
import { sliceFigures } from './landscape.js';
import { attenuationSpec, activationsSpec } from './gradients.js';
import { renderFigure } from '../render/figure.js';
import type { Figure } from '../report/write-report.js';
import type { FullReport } from '../report/report-types.js';
import { sig, pct } from '../report/format.js';

export interface CaptionedFigure extends Figure {
  section: 'curvature' | 'landscape' | 'gradients';
  caption: string;
}

export async function reportFigures(r: FullReport, opts: { scale: number }): Promise<CaptionedFigure[]> {
  const h = r.hessian;
  const out: CaptionedFigure[] = [];
  const captions: Record<string, [CaptionedFigure['section'], string]> = {
    spectrum: [
      'curvature',
      `Extreme Hessian eigenvalues (Lanczos Ritz values): λmax = ${sig(h.eigenvalues.top[0], 3)}, λmin = ${sig(h.eigenvalues.bottom[0] ?? NaN, 3)}, trace ≈ ${sig(h.trace.estimate, 3)} ± ${sig(h.trace.stderr ?? NaN)} (${h.trace.probes} probes).`,
    ],
    density: [
      'curvature',
      `Spectral density of the Hessian (stochastic Lanczos quadrature, ${h.density?.probes} probes × ${h.density?.order} steps, log scale): the mass left of 0 is the negative curvature; ${pct(h.saddleIndex.thresholds[0]?.fraction ?? NaN)} of eigenvalues lie below −${sig(h.saddleIndex.thresholds[0]?.tau ?? NaN)}·λmax.`,
    ],
    'slice-1d': [
      'landscape',
      `Loss along one random filter-normalised direction, α ∈ [${r.slice1d.alphas[0]}, ${r.slice1d.alphas[r.slice1d.alphas.length - 1]}], ${r.slice1d.points} points${r.slice1d.test ? ', train and test' : ''}; the checkpoint is at α = 0.`,
    ],
    'slice-2d': [
      'landscape',
      `Loss on the plane of two random filter-normalised directions (${r.slice2d.points}×${r.slice2d.points} grid) with contour lines; the checkpoint is at the centre.`,
    ],
    surface: ['landscape', 'The same 2-D slice as a surface.'],
    'slice-2d-test': ['landscape', 'The 2-D slice on the test data.'],
    attenuation: [
      'gradients',
      `Gradient norm per layer (${r.gradients.batches.count} minibatches of ${r.gradients.batches.size}, log scale): first/last layer ratio ${sig(r.gradients.attenuation[r.gradients.attenuation.basis].overall)}.`,
    ],
    activations: ['gradients', 'Saturated and dead units per layer (fraction of outputs).'],
  };
  const add = (f: Figure) => {
    const [section, caption] = captions[f.name] ?? ['curvature', f.name];
    out.push({ ...f, section, caption });
  };
  for (const f of await hessianFigures(h, { title: r.model.name, scale: opts.scale })) add(f);
  for (const f of await sliceFigures(r.slice1d, { scale: opts.scale, model: r.model.file })) add(f);
  for (const f of await sliceFigures(r.slice2d, { scale: opts.scale, model: r.model.file })) add(f);
  for (const [name, spec] of [
    ['attenuation', attenuationSpec(r.gradients)],
    ['activations', activationsSpec(r.gradients)],
  ] as const) {
    add(await renderFigure(name, spec, opts.scale));
  }
  // the curvature figures first in the order findings cite them: spectrum, density
  const order = ['spectrum', 'density', 'slice-1d', 'slice-2d', 'surface', 'slice-2d-test', 'attenuation', 'activations'];
  return out.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}
