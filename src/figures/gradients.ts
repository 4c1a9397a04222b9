/**
 * Gradient diagnostics → Vega specs (plain JSON; src/render turns them into PNG/SVG):
 * attenuation (per-layer gradient norms, log axis, trained vs initialisation), activations
 * (saturated / dead fractions per layer) and the trajectory heatmap (layer × checkpoint,
 * log10 ‖∂L/∂W_k‖).
 */
import type { GradientAnalysis } from '../gradients/analyze-gradients.js';
import type { GradientProfile } from '../gradients/gradient-profile.js';
import type { GradientTrajectory } from '../gradients/trajectory.js';
import { bandMark, logBandScale, positiveRows, seriesFacet, seriesLine } from './log-series.js';

const W = 800,
  H = 600;
const PAD = { left: 80, right: 200, top: 50, bottom: 110 };
export const base = (title: string) => ({
  $schema: 'https://vega.github.io/schema/vega/v5.json',
  width: W - PAD.left - PAD.right,
  height: H - PAD.top - PAD.bottom,
  padding: PAD,
  autosize: 'none',
  background: 'white',
  title: { text: title, fontSize: 16, font: 'DejaVu Sans' },
  config: {
    axis: { labelFont: 'DejaVu Sans', titleFont: 'DejaVu Sans', labelFontSize: 11, titleFontSize: 13 },
    legend: { labelFont: 'DejaVu Sans', titleFont: 'DejaVu Sans', labelLimit: 190 },
  },
});

function profileRows(p: GradientProfile, tag: string) {
  return p.layers.flatMap((l, i) => [
    ...(l.kernelGrad
      ? [
          {
            layer: l.name,
            i,
            series: `‖∂L/∂W‖ ${tag}`,
            value: l.kernelGrad.mean,
            lo: l.kernelGrad.mean - l.kernelGrad.std,
            hi: l.kernelGrad.mean + l.kernelGrad.std,
          },
        ]
      : []),
    {
      layer: l.name,
      i,
      series: `‖∂L/∂a‖ ${tag}`,
      value: l.activationGrad.mean,
      lo: l.activationGrad.mean - l.activationGrad.std,
      hi: l.activationGrad.mean + l.activationGrad.std,
    },
  ]);
}

/**
 * A Vega spec of the gradient profile: ‖∂L/∂W‖ and ‖∂L/∂a‖ per layer on a log axis (mean ± std over
 * minibatches), the re-initialised comparison beside it; render it with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 * import { analyzeGradients } from 'losslens/gradients';
 * import { attenuationSpec } from 'losslens/figures';
 *
 * const problem = await loadProblem({ model: 'fixtures/deep-sigmoid', train: { data: 'fixtures/deep-data' } });
 * try {
 *   const g = await analyzeGradients(problem.model, problem.train!.prepared, { batches: 1, batchSize: 512 });
 *   const spec = attenuationSpec(g) as { data: { values: { layer: string; value: number }[] }[] };
 *   const first = g.layers[0];
 *   // the first layer's ‖∂L/∂W‖, as the profile measured it, is a point of the figure
 *   assert.ok(spec.data[0].values.some((r) => r.layer === first.name && r.value === first.kernelGrad!.mean));
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function attenuationSpec(r: GradientAnalysis, title = 'Gradient norm per layer'): object {
  const rows = positiveRows([...profileRows(r, '(trained)'), ...(r.init ? profileRows(r.init, `(init: ${r.init.initializer})`) : [])]);
  const order = r.layers.map((l) => l.name);
  return {
    ...base(`${title} (overall first/last ${r.attenuation.basis}: ${r.attenuation[r.attenuation.basis].overall.toExponential(2)})`),
    data: [{ name: 'rows', values: rows }],
    scales: [
      { name: 'x', type: 'point', domain: order, range: 'width', padding: 0.5 },
      logBandScale(),
      { name: 'color', type: 'ordinal', domain: { data: 'rows', field: 'series' }, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'layer (input → output)', labelAngle: -40, labelAlign: 'right' },
      { orient: 'left', scale: 'y', title: 'gradient norm (mean ± sd over minibatches)', grid: true, format: '.0e' },
    ],
    legends: [{ fill: 'color', stroke: 'color', title: 'series', orient: 'right' }],
    marks: [
      bandMark('rule', 'rows', 'layer', { stroke: { scale: 'color', field: 'series' }, opacity: { value: 0.5 } }),
      seriesFacet(seriesLine('layer', 'i'), {
        type: 'symbol',
        from: { data: 'series' },
        encode: {
          enter: { x: { scale: 'x', field: 'layer' }, y: { scale: 'y', field: 'value' }, fill: { scale: 'color', field: 'series' }, size: { value: 40 } },
        },
      }),
    ],
  };
}

/**
 * A Vega spec of each layer's forward health: the fraction of saturated units (tanh, sigmoid) and of dead ReLU
 * units, as bars; render it with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 * import { analyzeGradients } from 'losslens/gradients';
 * import { activationsSpec } from 'losslens/figures';
 *
 * const problem = await loadProblem({ model: 'fixtures/deep-sigmoid', train: { data: 'fixtures/deep-data' } });
 * try {
 *   const g = await analyzeGradients(problem.model, problem.train!.prepared, { batches: 1, batchSize: 512 });
 *   const rows = (activationsSpec(g) as { data: { values: { layer: string; value: number }[] }[] }).data[0].values;
 *   const sigmoid = g.health.filter((h) => h.saturatedFraction !== null);
 *   assert.deepEqual(
 *     sigmoid.map((h) => h.saturatedFraction),
 *     sigmoid.map((h) => rows.find((r) => r.layer === h.name)!.value),
 *   ); // one bar per saturating layer, at its measured fraction
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function activationsSpec(r: GradientAnalysis, title = 'Saturated and dead units per layer'): object {
  const rows = [
    ...r.health.flatMap((h) => [
      ...(h.saturatedFraction !== null
        ? [{ layer: h.name, metric: `saturated (${h.activation}, bound ${r.options.saturation})`, value: h.saturatedFraction }]
        : []),
      ...(h.deadFraction !== null ? [{ layer: h.name, metric: 'dead ReLU units', value: h.deadFraction }] : []),
    ]),
  ];
  return {
    ...base(rows.length ? title : `${title} (no sigmoid, tanh or ReLU layers)`),
    data: [{ name: 'rows', values: rows }],
    scales: [
      { name: 'x', type: 'band', domain: r.health.map((h) => h.name), range: 'width', padding: 0.2 },
      { name: 'y', type: 'linear', domain: [0, 1], range: 'height' },
      { name: 'color', type: 'ordinal', domain: { data: 'rows', field: 'metric' }, range: 'category' },
      { name: 'inner', type: 'band', domain: { data: 'rows', field: 'metric' }, range: [0, { signal: "bandwidth('x')" }] },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'layer (input → output)', labelAngle: -40, labelAlign: 'right' },
      { orient: 'left', scale: 'y', title: 'fraction', grid: true, format: '.0%' },
    ],
    legends: rows.length ? [{ fill: 'color', title: 'measure', orient: 'right' }] : [],
    marks: [
      {
        type: 'rect',
        from: { data: 'rows' },
        encode: {
          enter: {
            x: { signal: "scale('x', datum.layer) + scale('inner', datum.metric)" },
            width: { scale: 'inner', band: 1 },
            y: { scale: 'y', field: 'value' },
            y2: { scale: 'y', value: 0 },
            fill: { scale: 'color', field: 'metric' },
          },
        },
      },
      ...thresholds(r).map(([label, v]) => ({
        type: 'group',
        marks: [
          {
            type: 'rule',
            encode: {
              enter: { x: { value: 0 }, x2: { signal: 'width' }, y: { scale: 'y', value: v }, stroke: { value: '#666' }, strokeDash: { value: [4, 4] } },
            },
          },
          {
            type: 'text',
            encode: {
              enter: {
                x: { signal: 'width' },
                y: { scale: 'y', value: v },
                dy: { value: -4 },
                align: { value: 'right' },
                text: { value: `${label} ${v}` },
                font: { value: 'DejaVu Sans' },
                fontSize: { value: 10 },
                fill: { value: '#444' },
              },
            },
          },
        ],
      })),
    ],
  };
}

function thresholds(r: GradientAnalysis): [string, number][] {
  const out: [string, number][] = [];
  if (r.health.some((h) => h.saturatedFraction !== null)) out.push(['saturated threshold', r.options.saturatedFraction]);
  if (r.health.some((h) => h.deadFraction !== null)) out.push(['dead threshold', r.options.deadFraction]);
  return out;
}

/**
 * A Vega spec of a gradient trajectory: log₁₀ ‖∂L/∂W_k‖ per layer at each checkpoint (labelled by `labels`);
 * render it with renderSpec.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, readCheckpoint } from 'losslens';
 * import { gradientTrajectory } from 'losslens/gradients';
 * import { trajectorySpec } from 'losslens/figures';
 *
 * const problem = await loadProblem({ model: 'fixtures/spiral-tanh', train: { data: 'fixtures/spiral-tanh/train.csv' } });
 * try {
 *   const checkpoints = [await readCheckpoint('fixtures/spiral-tanh'), await readCheckpoint('fixtures/spiral-tanh-seed2')];
 *   const t = await gradientTrajectory(problem.model, checkpoints, problem.train!.prepared, { batches: 1, batchSize: 300 });
 *   const rows = (trajectorySpec(t, ['seed 1', 'seed 2']) as { data: { values: { layer: string; checkpoint: string; value: number }[] }[] }).data[0].values;
 *   const first = rows.find((r) => r.layer === t.layers[0] && r.checkpoint === 'seed 2')!;
 *   assert.equal(first.value, Math.log10(t.kernelGrad[0][1]));
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function trajectorySpec(t: GradientTrajectory, labels: string[], title = 'log₁₀ ‖∂L/∂W_k‖ along training'): object {
  const rows = t.layers
    .flatMap((layer, k) => t.kernelGrad[k].map((g, c) => ({ layer, checkpoint: labels[c], value: g > 0 ? Math.log10(g) : null })))
    .filter((d) => d.value !== null);
  return {
    ...base(title),
    data: [{ name: 'rows', values: rows }],
    scales: [
      { name: 'x', type: 'band', domain: labels, range: 'width' },
      { name: 'y', type: 'band', domain: t.layers, range: 'height' },
      { name: 'color', type: 'linear', scheme: 'viridis', domain: { data: 'rows', field: 'value' }, nice: false },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'checkpoint', labelAngle: -40, labelAlign: 'right' },
      { orient: 'left', scale: 'y', title: 'layer' },
    ],
    legends: [{ fill: 'color', type: 'gradient', title: 'log₁₀ norm', orient: 'right', gradientLength: 300 }],
    marks: [
      {
        type: 'rect',
        from: { data: 'rows' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'checkpoint' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'layer' },
            height: { scale: 'y', band: 1 },
            fill: { scale: 'color', field: 'value' },
          },
        },
      },
    ],
  };
}
