/**
 * Gradient diagnostics → Vega specs (plain JSON; src/render turns them into PNG/SVG):
 * attenuation (per-layer gradient norms, log axis, trained vs initialisation), activations
 * (saturated / dead fractions per layer) and the trajectory heatmap (layer × checkpoint,
 * log10 ‖∂L/∂W_k‖).
 */
import type { GradientAnalysis } from '../gradients/analyze-gradients.js';
import type { GradientProfile } from '../gradients/gradient-profile.js';
import type { GradientTrajectory } from '../gradients/trajectory.js';

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

export function attenuationSpec(r: GradientAnalysis, title = 'Gradient norm per layer'): object {
  const rows = [...profileRows(r, '(trained)'), ...(r.init ? profileRows(r.init, `(init: ${r.init.initializer})`) : [])]
    .filter((d) => d.value > 0 && Number.isFinite(d.value))
    .map((d) => ({ ...d, lo: d.lo > 0 ? d.lo : d.value, hi: d.hi }));
  const order = r.layers.map((l) => l.name);
  return {
    ...base(`${title} (overall first/last ${r.attenuation.basis}: ${r.attenuation[r.attenuation.basis].overall.toExponential(2)})`),
    data: [{ name: 'rows', values: rows }],
    scales: [
      { name: 'x', type: 'point', domain: order, range: 'width', padding: 0.5 },
      { name: 'y', type: 'log', domain: { data: 'rows', fields: ['lo', 'hi', 'value'] }, range: 'height', nice: true },
      { name: 'color', type: 'ordinal', domain: { data: 'rows', field: 'series' }, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'layer (input → output)', labelAngle: -40, labelAlign: 'right' },
      { orient: 'left', scale: 'y', title: 'gradient norm (mean ± sd over minibatches)', grid: true, format: '.0e' },
    ],
    legends: [{ fill: 'color', stroke: 'color', title: 'series', orient: 'right' }],
    marks: [
      {
        type: 'rule',
        from: { data: 'rows' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'layer' },
            y: { scale: 'y', field: 'lo' },
            y2: { scale: 'y', field: 'hi' },
            stroke: { scale: 'color', field: 'series' },
            opacity: { value: 0.5 },
          },
        },
      },
      {
        type: 'group',
        from: { facet: { name: 'series', data: 'rows', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'series' },
            sort: { field: 'datum.i' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'layer' },
                y: { scale: 'y', field: 'value' },
                stroke: { scale: 'color', field: 'series' },
                strokeWidth: { value: 2 },
              },
            },
          },
          {
            type: 'symbol',
            from: { data: 'series' },
            encode: {
              enter: { x: { scale: 'x', field: 'layer' }, y: { scale: 'y', field: 'value' }, fill: { scale: 'color', field: 'series' }, size: { value: 40 } },
            },
          },
        ],
      },
    ],
  };
}

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
