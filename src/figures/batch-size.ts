/**
 * Figures of the batch-size study: sharpness vs batch size (per seed and median, log x), the
 * generalisation gap vs sharpness, and Keskar et al.'s Figure 3 — the loss on the line through the
 * smallest- and largest-batch minima, and random filter-normalised slices around each.
 */
import { lineChartSpec, scatterSpec, type LineSeries } from '../render/index.js';
import type { Figure } from '../render/figure.js';
import type { BatchSizeSummary, BatchRun } from '../studies/batch-size-analysis.js';
import type { BatchSlices } from '../studies/batch-size-slices.js';
import { figure } from './figure.js';

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

function perBatch(s: BatchSizeSummary, value: (r: BatchRun) => number | undefined, what: string): LineSeries[] {
  const groups = s.batchSizes.filter((g) => g.runs.some((r) => Number.isFinite(value(r) ?? NaN)));
  const seeds = [...new Set(groups.flatMap((g) => g.runs.map((r) => r.seed)))].sort((a, b) => a - b);
  const perSeed = seeds.map((seed) => {
    const pts = groups.flatMap((g) => g.runs.filter((r) => r.seed === seed && Number.isFinite(value(r) ?? NaN)).map((r) => [g.batchSize, value(r)!] as const));
    return { name: `seed ${seed}`, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]), dashed: true };
  });
  const med = (g: (typeof groups)[number]) => {
    const v = g.runs
      .map(value)
      .filter((x): x is number => Number.isFinite(x ?? NaN))
      .sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  const medianSeries = { name: `median ${what}`, x: groups.map((g) => g.batchSize), y: groups.map(med) };
  return seeds.length > 1 ? [...perSeed, medianSeries] : [medianSeries];
}

/** Log y when every value is positive and they span more than a decade. */
const positive = (series: LineSeries[]) => {
  const v = series.flatMap((x) => x.y).filter(Number.isFinite);
  return v.length > 0 && v.every((x) => x > 0) && Math.max(...v) / Math.min(...v) > 10;
};

export async function batchSizeFigures(s: BatchSizeSummary, scale: number): Promise<Figure[]> {
  const runs = s.batchSizes.flatMap((g) => g.runs);
  if (runs.length === 0) return [];
  const out: Figure[] = [];
  const lr = s.lrScaling === 'none' ? `lr ${s.baseLr}` : `lr ∝ ${s.lrScaling === 'linear' ? 'b' : '√b'}`;
  const lam = perBatch(s, (r) => r.lambdaMax, 'λmax');
  if (lam.some((x) => x.y.length > 0)) {
    out.push(
      await figure(
        'sharpness-vs-batch-size',
        lineChartSpec({
          title: `λmax of the minimum vs batch size (${lr}; Spearman ρ = ${fmt(s.sharpnessVsBatchSize.lambdaMax.rho)})`,
          xLabel: 'batch size',
          yLabel: 'λmax of the Hessian at the minimum',
          xScale: 'log',
          ...(positive(lam) ? { yScale: 'log' as const } : {}),
          series: lam,
          points: true,
        }),
        scale,
      ),
    );
    const rd = perBatch(s, (r) => r.randomDirectionSharpness, 'sharpness');
    out.push(
      await figure(
        'random-direction-sharpness-vs-batch-size',
        lineChartSpec({
          title: `Random-direction sharpness vs batch size (${lr}; ρ = ${fmt(s.sharpnessVsBatchSize.randomDirection.rho)})`,
          xLabel: 'batch size',
          yLabel: 'mean over d of max_{|α| ≤ ε} L(θ+αd) − L(θ)',
          xScale: 'log',
          series: rd,
          points: true,
        }),
        scale,
      ),
    );
  }
  const pts = runs.filter((r) => r.lambdaMax !== undefined && r.gap !== undefined).map((r) => ({ x: r.lambdaMax!, y: r.gap!, group: `batch ${r.batchSize}` }));
  if (pts.length > 0) {
    const xs = pts.map((p) => p.x);
    const log = xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) > 10;
    out.push(
      await figure(
        'gap-vs-sharpness',
        scatterSpec({
          title: `Generalisation gap vs sharpness (Spearman ρ = ${fmt(s.gapVsSharpness.lambdaMax.rho)})`,
          xLabel: 'λmax of the Hessian at the minimum',
          yLabel: `${s.gapAgainst ?? 'held-out'} loss − train loss`,
          points: pts,
          ...(log ? { xScale: 'log' as const } : {}),
        }),
        scale,
      ),
    );
  }
  if (s.slices) out.push(...(await sliceFigures(s.slices, scale)));
  return out;
}

async function sliceFigures(sl: BatchSlices, scale: number): Promise<Figure[]> {
  const { line } = sl;
  const [bs, bl] = [sl.small.batchSize, sl.large.batchSize];
  const series: LineSeries[] = [{ name: 'train loss', x: line.alphas, y: line.train.loss }];
  if (line.test) series.push({ name: 'test loss', x: line.alphas, y: line.test.loss, dashed: true });
  if (line.train.accuracy) series.push({ name: 'train accuracy', x: line.alphas, y: line.train.accuracy, axis: 'right' });
  if (line.test?.accuracy) series.push({ name: 'test accuracy', x: line.alphas, y: line.test.accuracy, axis: 'right', dashed: true });
  const hasAcc = series.some((x) => x.axis === 'right');
  const out = [
    await figure(
      'interpolation-small-large',
      lineChartSpec({
        title: `Loss on the line from the batch-${bs} to the batch-${bl} minimum (seed ${sl.seed})`,
        xLabel: 'α in θ(α) = (1−α)·θ_small + α·θ_large',
        yLabel: 'loss',
        series,
        ...(hasAcc ? { rightLabel: 'accuracy' } : {}),
        marks: [
          { x: 0, label: `batch ${bs}` },
          { x: 1, label: `batch ${bl}` },
        ],
      }),
      scale,
    ),
  ];
  const dir: LineSeries[] = [];
  for (const m of sl.directions.around) {
    m.train.forEach((c, k) =>
      dir.push({ name: `batch ${m.batchSize}, d${k + 1}`, x: sl.directions.alphas, y: c.loss, ...(m.batchSize === bl ? { dashed: true } : {}) }),
    );
  }
  if (dir.length) {
    out.push(
      await figure(
        'random-slices-small-large',
        lineChartSpec({
          title: `Train loss on random filter-normalised slices through both minima (seed ${sl.seed})`,
          xLabel: 'α in θ + α·d (d filter-normalised to θ)',
          yLabel: 'train loss',
          series: dir,
          ...(positive(dir) ? { yScale: 'log' as const } : {}),
        }),
        scale,
      ),
    );
  }
  return out;
}
