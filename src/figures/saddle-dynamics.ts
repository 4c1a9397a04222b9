/**
 * The saddle-dynamics figure: the training loss per step of each method (log axis when positive)
 * above the index fraction #{λ < −τ·λmax}/d at the recorded steps, one colour per method, the
 * step axis shared. Pure spec building; renderFigure draws it.
 */
import { FIGURE_WIDTH, FIGURE_HEIGHT, PALETTE, baseConfig } from '../render/theme.js';
import { logAxisLabels } from '../render/line-chart.js';
import { renderFigure, type Figure } from '../render/figure.js';

export interface DynamicsFigureInput {
  tau: number;
  paramCount: number | null;
  start: { kind: string };
  methods: { method: string; steps: number[]; loss: number[]; index: { step: number; thresholds: { tau: number; fraction: number }[] }[] }[];
}

interface Row {
  x: number;
  y: number;
  series: string;
}

const MAX_POINTS = 1500;

function lossRows(s: DynamicsFigureInput): Row[] {
  return s.methods.flatMap((m) => {
    const k = Math.max(1, Math.ceil(m.steps.length / MAX_POINTS));
    return m.steps.flatMap((x, i) => ((i % k === 0 || i === m.steps.length - 1) && Number.isFinite(m.loss[i]) ? [{ x, y: m.loss[i], series: m.method }] : []));
  });
}

function indexRows(s: DynamicsFigureInput): Row[] {
  return s.methods.flatMap((m) =>
    m.index.flatMap((p) => {
      const t = p.thresholds.find((q) => q.tau === s.tau);
      return t ? [{ x: p.step, y: 100 * t.fraction, series: m.method }] : [];
    }),
  );
}

function panel(
  name: string,
  rows: Row[],
  at: { y: number; w: number; h: number },
  o: { title: string; yLabel: string; log: boolean; xAxis: boolean; points: boolean },
) {
  const ys = rows.map((r) => r.y);
  return {
    type: 'group',
    encode: { enter: { x: { value: 0 }, y: { value: at.y }, width: { value: at.w }, height: { value: at.h }, stroke: { value: '#ccc' } } },
    data: [{ name, values: rows }],
    title: { text: o.title, fontSize: 13, offset: 6 },
    scales: [{ name: 'y', type: o.log ? 'log' : 'linear', domain: { data: name, field: 'y' }, range: [at.h, 0], nice: !o.log, zero: !o.log }],
    axes: [
      { orient: 'bottom', scale: 'x', title: o.xAxis ? 'step' : undefined, labels: o.xAxis, tickCount: 8, grid: true },
      { orient: 'left', scale: 'y', title: o.yLabel, tickCount: 5, grid: true, ...(o.log ? logAxisLabels(ys) : { format: '.3~g' }) },
    ],
    marks: [
      {
        type: 'group',
        from: { facet: { name: `${name}-s`, data: name, groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: `${name}-s` },
            sort: { field: 'datum.x' },
            encode: {
              enter: { x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' }, stroke: { scale: 'c', field: 'series' }, strokeWidth: { value: 2.2 } },
            },
          },
          ...(o.points
            ? [
                {
                  type: 'symbol',
                  from: { data: `${name}-s` },
                  encode: {
                    enter: { x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' }, fill: { scale: 'c', field: 'series' }, size: { value: 30 } },
                  },
                },
              ]
            : []),
        ],
      },
    ],
  };
}

/** The Vega spec: loss vs step above index fraction vs step. */
export function saddleDynamicsSpec(s: DynamicsFigureInput): object {
  const [left, top, right, bottom, gap] = [90, 84, 120, 56, 56];
  const w = FIGURE_WIDTH - left - right;
  const h = (FIGURE_HEIGHT - top - bottom - gap) / 2;
  const loss = lossRows(s);
  const log = loss.length > 0 && loss.every((r) => r.y > 0);
  const steps = s.methods.flatMap((m) => m.steps);
  const d = s.paramCount ?? 0;
  return {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: w,
    height: FIGURE_HEIGHT - top - bottom,
    padding: { left, top, right, bottom },
    autosize: 'none',
    background: 'white',
    title: { text: `Dynamics near saddles from a ${s.start.kind} start (${d} parameters)`, anchor: 'middle', frame: 'group', offset: 28 },
    config: baseConfig,
    scales: [
      { name: 'x', type: 'linear', domain: [0, Math.max(1, ...steps)], range: [0, w], zero: true },
      { name: 'c', type: 'ordinal', domain: s.methods.map((m) => m.method), range: PALETTE },
    ],
    legends: [{ stroke: 'c', orient: 'right', symbolType: 'stroke', title: 'method', offset: 12, symbolStrokeWidth: 3 }],
    marks: [
      panel('loss', loss, { y: 0, w, h }, { title: 'training loss (full batch)', yLabel: 'loss', log, xAxis: false, points: false }),
      panel(
        'index',
        indexRows(s),
        { y: h + gap, w, h },
        {
          title: `index: eigenvalues below −τ·λmax (τ = ${s.tau}), % of the parameters`,
          yLabel: 'index fraction (%)',
          log: false,
          xAxis: true,
          points: true,
        },
      ),
    ],
  };
}

export async function saddleDynamicsFigure(s: DynamicsFigureInput, scale: number): Promise<Figure> {
  return renderFigure('saddle-dynamics', saddleDynamicsSpec(s), scale);
}
