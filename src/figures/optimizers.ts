/** Figures of the optimizers study: loss histories (median + quartile band), sharpness per optimizer, paths on the PCA plane. */
import { lineChartSpec, stripSpec, heatmapSpec, PALETTE } from '../render/index.js';
import type { Figure } from '../report/write-report.js';
import type { OptimizersSummary } from '../studies/optimizers-analysis.js';
import { figure, walk } from './figure.js';
import { chooseColorScale } from './landscape.js';

export interface PlanePaths {
  alphas: number[];
  betas: number[];
  loss: number[][];
  paths: { name: string; coords: number[][] }[];
  explainedVariance: number[];
  seed: number;
}

export async function optimizersFigures(s: OptimizersSummary, plane: PlanePaths | null, scale: number): Promise<Figure[]> {
  if (s.best.length === 0) return [];
  const all = s.best.flatMap((b) => [...b.history.q25, ...b.history.q75]).filter((v) => v > 0);
  const log = all.length > 0 && Math.max(...all) / Math.min(...all) > 10;
  const out: Figure[] = [
    await figure(
      'loss-histories',
      lineChartSpec({
        title: `Train loss of each optimizer's best setting (median, band: quartiles over ${s.best[0].runIds.length} seeds)`,
        xLabel: 'epoch',
        yLabel: 'train loss (inference mode)',
        ...(log ? { yScale: 'log' as const } : {}),
        series: s.best.map((b) => ({ name: b.setting.key, x: b.history.epoch, y: b.history.median, band: { lo: b.history.q25, hi: b.history.q75 } })),
      }),
      scale,
    ),
  ];
  if (s.best.some((b) => b.lambdaMax)) {
    out.push(
      await figure(
        'sharpness',
        stripSpec({
          title: 'Sharpness of the minima found (λmax per seed, bar = median)',
          xLabel: 'optimizer (best setting in summary.json)',
          yLabel: 'λmax of the Hessian',
          categories: s.best.map((b) => ({ name: b.name, values: b.lambdaMaxPerRun.filter(Number.isFinite) })),
        }),
        scale,
      ),
    );
  }
  if (plane) out.push(await figure('pca-paths', pathsSpec(plane), scale));
  return out;
}

/** The loss contours on the PCA plane with each optimizer's path drawn over them. */
function pathsSpec(p: PlanePaths): object {
  const ev = p.explainedVariance.map((v) => `${(100 * v).toFixed(1)}%`);
  const spec = heatmapSpec({
    title: `Optimizer paths on the PCA plane of their trajectories (seed ${p.seed})`,
    xLabel: `PC 1 (${ev[0]} of variance)`,
    yLabel: `PC 2 (${ev[1]} of variance)`,
    x: p.alphas,
    y: p.betas,
    z: p.loss,
    colorScale: chooseColorScale(p.loss),
    contours: 10,
    contourLabels: true,
    colorbarTitle: 'train loss',
  }) as unknown as Record<string, any>;
  const names = p.paths.map((q) => q.name);
  spec.data.push(
    ...p.paths.map((q, i) => ({ name: `path-${i}`, values: q.coords.map(([x, y], k) => ({ x, y, k, name: q.name, last: k === q.coords.length - 1 })) })),
  );
  spec.scales.push({ name: 'optimizer', type: 'ordinal', domain: names, range: PALETTE });
  spec.legends.push({
    stroke: 'optimizer',
    orient: 'top-left',
    title: 'optimizer',
    fillColor: 'rgba(255,255,255,0.9)',
    strokeColor: '#ccc',
    padding: 8,
    symbolType: 'stroke',
  });
  let group: Record<string, any> | undefined;
  walk(spec.marks, (m) => void (m.type === 'group' && !group && (group = m)));
  const enc = (i: number) => ({ x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' }, stroke: { scale: 'optimizer', value: names[i] } });
  group!.marks.push(
    ...p.paths.flatMap((_, i) => [
      {
        type: 'line',
        from: { data: `path-${i}` },
        encode: { enter: { ...enc(i), stroke: { value: PALETTE[i % PALETTE.length] }, strokeWidth: { value: 2.5 } } },
      },
      {
        type: 'symbol',
        from: { data: `path-${i}` },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { scale: 'y', field: 'y' },
            size: { signal: 'datum.last ? 90 : 18' },
            fill: { value: PALETTE[i % PALETTE.length] },
            stroke: { value: 'white' },
            strokeWidth: { value: 1 },
          },
        },
      },
    ]),
  );
  return spec;
}
