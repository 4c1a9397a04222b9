/**
 * A run's history → one Vega spec (src/render turns it into PNG): four panels over the step
 * axis — loss (minibatch, and train/validation at each epoch end), accuracy (same), gradient
 * norm before clipping and learning rate (loss and gradient norm on a log axis when they span
 * a decade or more). Long runs are thinned to ≤ 1500 points
 * per series by keeping every k-th step (epoch-end points are all kept).
 */
import { FIGURE_WIDTH, FIGURE_HEIGHT, PALETTE, baseConfig } from '../render/theme.js';
import { logAxisLabels } from '../render/line-chart.js';
import type { TrainHistory } from '../train/history.js';

interface Row {
  x: number;
  y: number;
  series: string;
}
const MAX_POINTS = 1500;

function stepRows(h: TrainHistory, col: number[] | undefined, series: string): Row[] {
  if (!col) return [];
  const k = Math.max(1, Math.ceil(col.length / MAX_POINTS));
  const out: Row[] = [];
  for (let i = 0; i < col.length; i += k) if (Number.isFinite(col[i])) out.push({ x: h.steps.step[i], y: col[i], series });
  return out;
}

function epochRows(h: TrainHistory, key: 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy', series: string): Row[] {
  return h.epochs.filter((e) => Number.isFinite(e[key])).map((e) => ({ x: e.step, y: e[key] as number, series }));
}

interface PanelOptions {
  log?: boolean;
  legendAt?: string;
  steps?: boolean;
  rule?: { y: number; label: string };
}

function panel(name: string, title: string, rows: Row[], at: { x: number; y: number; w: number; h: number }, o: PanelOptions = {}): object {
  const { log = false, legendAt = 'top-right' } = o;
  const ys = [...rows.map((r) => r.y), ...(o.rule ? [o.rule.y] : [])];
  // a log axis only where it helps (≥ one decade) — a narrower one gets too few tick labels
  const useLog = log && rows.length > 0 && Math.min(...ys) > 0 && Math.max(...ys) >= 10 * Math.min(...ys);
  const series = [...new Set(rows.map((r) => r.series))];
  return {
    type: 'group',
    encode: { enter: { x: { value: at.x }, y: { value: at.y }, width: { value: at.w }, height: { value: at.h }, stroke: { value: '#ccc' } } },
    data: [
      { name, values: rows },
      { name: `${name}-rule`, values: o.rule ? [o.rule] : [] },
    ],
    title: { text: title, fontSize: 13, offset: 6 },
    scales: [
      { name: 'x', type: 'linear', domain: { data: name, field: 'x' }, range: [0, at.w], nice: true, zero: false },
      {
        name: 'y',
        type: useLog ? 'log' : 'linear',
        domain: {
          fields: [
            { data: name, field: 'y' },
            { data: `${name}-rule`, field: 'y' },
          ],
        },
        range: [at.h, 0],
        nice: !useLog,
        zero: false,
      },
      { name: 'c', type: 'ordinal', domain: series, range: PALETTE },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'step', tickCount: 5, tickMinStep: 1, grid: true },
      { orient: 'left', scale: 'y', tickCount: 5, grid: true, ...(useLog ? logAxisLabels() : { format: '.3~g' }) },
    ],
    legends:
      series.length > 1 ? [{ stroke: 'c', orient: legendAt, symbolType: 'stroke', labelFontSize: 10, fillColor: 'rgba(255,255,255,0.8)', padding: 4 }] : [],
    marks:
      rows.length === 0
        ? [
            {
              type: 'text',
              encode: { enter: { x: { value: at.w / 2 }, y: { value: at.h / 2 }, align: { value: 'center' }, text: { value: 'no data (regression loss)' } } },
            },
          ]
        : [
            {
              type: 'group',
              from: { facet: { name: `${name}-s`, data: name, groupby: 'series' } },
              marks: [
                {
                  type: 'line',
                  from: { data: `${name}-s` },
                  sort: { field: 'datum.x' },
                  encode: {
                    enter: {
                      interpolate: { value: o.steps ? 'step-after' : 'linear' },
                      x: { scale: 'x', field: 'x' },
                      y: { scale: 'y', field: 'y' },
                      stroke: { scale: 'c', field: 'series' },
                      strokeWidth: { signal: "indexof(datum.series, 'minibatch') >= 0 ? 1 : 2.2" },
                      strokeOpacity: { signal: "indexof(datum.series, 'minibatch') >= 0 ? 0.45 : 1" },
                    },
                  },
                },
              ],
            },
            ...ruleMarks(name, at.w),
          ],
  };
}

/** A dashed horizontal reference line with its label (e.g. the clipping threshold). */
function ruleMarks(name: string, width: number): object[] {
  return [
    {
      type: 'rule',
      from: { data: `${name}-rule` },
      encode: { enter: { x: { value: 0 }, x2: { value: width }, y: { scale: 'y', field: 'y' }, stroke: { value: '#555' }, strokeDash: { value: [5, 4] } } },
    },
    // the label twice: a white halo under the text keeps it readable over the data
    ...[{ stroke: { value: 'white' }, strokeWidth: { value: 4 } }, { fill: { value: '#222' } }].map((paint) => ({
      type: 'text',
      from: { data: `${name}-rule` },
      encode: {
        enter: {
          x: { value: width - 4 },
          y: { scale: 'y', field: 'y' },
          dy: { value: -5 },
          align: { value: 'right' },
          text: { field: 'label' },
          fontSize: { value: 11 },
          fontWeight: { value: 'bold' },
          ...paint,
        },
      },
    })),
  ];
}

/**
 * A Vega spec of a training run's history: loss (and accuracy) per step and epoch, the learning
 * rate and the gradient norm.
 * @param clipNorm drawn as a labelled threshold on the gradient-norm panel
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadDataset, loadModel, prepareData, startEngine } from 'losslens';
 * import { trainRun } from 'losslens/train';
 * import { historySpec } from 'losslens/figures';
 *
 * await startEngine();
 * const model = loadModel(await readCheckpoint('fixtures/linreg'));
 * const data = prepareData(await loadDataset({ data: 'fixtures/linreg/data.csv' }), model.arch.inputShape, model.outDim, model.loss);
 * const { result } = await trainRun({ epochs: 1, batchSize: 64, valSplit: 0, optimizer: { name: 'sgd', lr: 0.01 } }, model, data);
 * const spec = historySpec(result.history, 'linreg, SGD') as { title: { text: string } | string };
 * assert.match(JSON.stringify(spec.title), /linreg, SGD/);
 * assert.equal(result.history.steps.step.length, 4); // 256 samples in minibatches of 64
 * ```
 */
export function historySpec(h: TrainHistory, title = 'Training history', clipNorm: number | null = null): object {
  const left = 80,
    top = 76,
    gapX = 90,
    gapY = 86,
    right = 24,
    bottom = 52;
  const w = (FIGURE_WIDTH - left - right - gapX) / 2;
  const ht = (FIGURE_HEIGHT - top - bottom - gapY) / 2;
  const cell = (i: number, j: number) => ({ x: j * (w + gapX), y: i * (ht + gapY), w, h: ht });
  const steps = h.steps;
  return {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: FIGURE_WIDTH - left - right,
    height: FIGURE_HEIGHT - top - bottom,
    padding: { left, top, right, bottom },
    autosize: 'none',
    background: 'white',
    title: { text: title, anchor: 'middle', frame: 'group', offset: 12 },
    config: baseConfig,
    marks: [
      panel(
        'loss',
        'loss',
        [...stepRows(h, steps.loss, 'minibatch'), ...epochRows(h, 'trainLoss', 'train (epoch end)'), ...epochRows(h, 'valLoss', 'validation')],
        cell(0, 0),
        { log: true },
      ),
      panel(
        'acc',
        'accuracy',
        [...stepRows(h, steps.accuracy, 'minibatch'), ...epochRows(h, 'trainAccuracy', 'train (epoch end)'), ...epochRows(h, 'valAccuracy', 'validation')],
        cell(0, 1),
        { legendAt: 'bottom-right' },
      ),
      panel('grad', 'gradient norm ‖∇L_batch‖ (before clipping)', stepRows(h, steps.gradNorm, 'gradient norm'), cell(1, 0), {
        log: true,
        ...(clipNorm !== null ? { rule: { y: clipNorm, label: `clip norm ${clipNorm}` } } : {}),
      }),
      panel('lr', 'learning rate', stepRows(h, steps.lr, 'learning rate'), cell(1, 1), { steps: true }),
    ],
  };
}
