/**
 * The figures of a saddles summary, rendered: loss vs index fraction (every start, unconverged
 * apart), and the spectra of the lowest- and highest-loss converged points side by side (read
 * from their `spectrum` attachments; drawn when two converged points have full spectra).
 */
import { renderFigure, type Figure } from '../render/figure.js';
import { lossIndexSpec, spectraSideBySideSpec, type PanelSpectrum } from '../figures/saddles.js';
import type { StudyFolder } from '../studies/study-folder.js';
import type { CriticalPointRow, saddlesSummary } from './analysis.js';

type Summary = ReturnType<typeof saddlesSummary>;

const indexAt = (r: CriticalPointRow, tau: number) => r.index.find((i) => i.tau === tau)!;

async function panel(r: CriticalPointRow, tau: number, which: string, folder: StudyFolder): Promise<PanelSpectrum | null> {
  const values = Array.from(await folder.readAttachment(r.id, 'spectrum'));
  if (values.length !== r.paramCount) return null;
  const i = indexAt(r, tau);
  const count = i.count.lo === i.count.hi ? `${i.count.lo}` : `${i.count.lo}–${i.count.hi}`;
  return {
    title: `${which} loss ${r.loss.toPrecision(4)} (${r.id}): index ${count} of ${r.paramCount}`,
    eigenvalues: values,
    threshold: i.threshold,
    label: `−${tau}·λmax`,
  };
}

export async function saddlesFigures(s: Summary, folder: StudyFolder, scale: number): Promise<Figure[]> {
  const points = s.criticalPoints.map((r) => ({ fraction: indexAt(r, s.tau).fraction, loss: r.loss, converged: r.converged }));
  const figures = [await renderFigure('loss-vs-index', lossIndexSpec(points, s.spearman), scale)];
  const conv = s.criticalPoints.filter((r) => r.converged).sort((a, b) => a.loss - b.loss);
  if (conv.length >= 2) {
    const lo = await panel(conv[0], s.tau, 'lowest', folder);
    const hi = await panel(conv[conv.length - 1], s.tau, 'highest', folder);
    if (lo && hi) figures.push(await renderFigure('spectra-low-high', spectraSideBySideSpec(lo, hi), scale));
  }
  return figures;
}
