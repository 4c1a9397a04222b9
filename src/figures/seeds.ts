/** Figures of the seeds study: final losses per width, sharpness vs loss, barrier matrices. */
import { stripSpec, scatterSpec } from '../render/index.js';
import type { Figure } from '../report/write-report.js';
import type { SeedsSummary } from '../studies/seeds-analysis.js';
import { figure, matrixHeatmapSpec } from './figure.js';

const widthName = (w: { width: number | null; params: number }) =>
  w.width === null ? `checkpoint (${w.params} params)` : `width ${w.width} (${w.params} params)`;

export async function seedsFigures(s: SeedsSummary, scale: number): Promise<Figure[]> {
  const widths = s.widths.filter((w) => w.runs.length > 0);
  if (widths.length === 0) return [];
  const out: Figure[] = [];
  const hasTest = widths.some((w) => w.runs.some((r) => r.testLoss !== undefined));
  out.push(
    await figure(
      'final-losses',
      stripSpec({
        title: `Final train loss over ${widths.map((w) => w.runs.length).join('/')} seeds per width`,
        xLabel: 'hidden width',
        yLabel: 'final train loss',
        categories: widths.map((w) => ({ name: widthName(w), values: w.runs.map((r) => r.trainLoss) })),
      }),
      scale,
    ),
  );
  if (hasTest) {
    out.push(
      await figure(
        'final-test-losses',
        stripSpec({
          title: 'Final test loss per width (one point per seed, bar = median)',
          xLabel: 'hidden width',
          yLabel: 'final test loss',
          categories: widths.map((w) => ({ name: widthName(w), values: w.runs.map((r) => r.testLoss ?? NaN) })),
        }),
        scale,
      ),
    );
  }
  const points = widths.flatMap((w) =>
    w.runs.filter((r) => r.lambdaMax !== undefined).map((r) => ({ x: r.lambdaMax!, y: (hasTest ? r.testLoss : r.trainLoss) ?? NaN, group: widthName(w) })),
  );
  if (points.some((p) => Number.isFinite(p.x) && Number.isFinite(p.y))) {
    const xs = points.map((p) => p.x).filter((x) => x > 0);
    const log = xs.length === points.length && Math.max(...xs) / Math.min(...xs) > 10;
    const rho = s.sharpnessVsLoss.lambdaMax.rho;
    out.push(
      await figure(
        'sharpness-vs-loss',
        scatterSpec({
          title: `Sharpness vs ${hasTest ? 'test' : 'train'} loss (Spearman ρ = ${Number.isFinite(rho) ? rho.toFixed(2) : 'n/a'})`,
          xLabel: 'λmax of the Hessian at the minimum',
          yLabel: `final ${hasTest ? 'test' : 'train'} loss`,
          points,
          ...(log ? { xScale: 'log' as const } : {}),
        }),
        scale,
      ),
    );
  }
  for (const w of widths) {
    if (!w.pairs || w.pairs.ids.length < 2) continue;
    out.push(
      await figure(
        `barriers-${w.label}`,
        matrixHeatmapSpec(w.pairs.barrier, {
          title: `Linear-interpolation barriers between minima, ${widthName(w)}`,
          axisLabel: 'run (seed index)',
          colorbarTitle: 'barrier (train loss)',
        }),
        scale,
      ),
    );
  }
  return out;
}
