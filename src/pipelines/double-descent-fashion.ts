/**
 * `double-descent --preset fashion-mnist`: the data side of the preset (Debian's Fashion-MNIST,
 * refused with the install line when absent; seeded subsets; images average-pooled) for the
 * model-wise study, and its random-features mode on the same images as one report folder.
 */
import { hostEnv, type Env } from '../config.js';
import { PRESETS, type Preset } from '../double-descent/preset.js';
import { fashionMnistDir } from '../io/fashion-mnist.js';
import { averagePool } from '../double-descent/downsample.js';
import { rfDataStudy } from '../double-descent/rf-data-study.js';
import type { DataRef } from '../double-descent/train-task.js';
import { modelwiseSpec } from '../figures/double-descent.js';
import { renderFigure } from '../render/figure.js';
import { loadDataset } from '../io/dataset.js';
import { inputValues } from '../io/sample-rows.js';
import { prepareOutputDir, defaultOutDir } from '../io/output-dir.js';
import { writeReport } from '../report/write-report.js';
import { num } from '../report/text-table.js';
import { optionError } from '../errors.js';
import { silent, type RunHooks } from './context.js';
import type { Dataset } from '../io/types.js';

export interface FashionInputs {
  train: DataRef;
  test: DataRef;
  downsample: number;
  label: string;
}

/** The preset's data references (the folder checked first: absent → exit 2 with the install line). */
export function fashionInputs(p: Preset, env: Env = hostEnv()): FashionInputs {
  const dir = fashionMnistDir(env);
  const f = p.downsample ?? 1;
  return {
    train: { data: dir, split: 'train', samples: p.samples, seed: 0 },
    test: { data: dir, split: 'test', samples: p.testSamples, seed: 0 },
    downsample: f,
    label: `Fashion-MNIST ${Math.floor(28 / f)}×${Math.floor(28 / f)}`,
  };
}

/** Load and pool one side of the preset's data. */
export async function loadFashion(ref: DataRef, downsample: number): Promise<Dataset> {
  return averagePool(await loadDataset(ref), downsample);
}

const rows = (ds: Dataset) => ({ x: inputValues(ds), n: ds.n, d: ds.xShape.reduce((a, b) => a * b, 1), labels: ds.y });

/** The random-features sweep of a preset with an `rf` part, on the same images and noisy labels as its MLP sweep. */
export async function presetRandomFeaturesReport(
  o: {
    preset: string;
    labelNoise?: number;
    noiseSeed?: number;
    widths?: number[];
    seeds?: number;
    margin?: number;
    out?: string;
    force?: boolean;
    scale?: number;
  },
  hooks: RunHooks = {},
): Promise<{ summary: Record<string, unknown>; digest: string; folder: string }> {
  const p = PRESETS[o.preset];
  if (!p?.rf)
    throw optionError(
      'preset',
      `${o.preset} has no random-features mode; presets with one: ${Object.keys(PRESETS)
        .filter((k) => PRESETS[k].rf)
        .join(', ')}`,
    );
  const inputs = fashionInputs(p);
  const [train, test] = await Promise.all([loadFashion(inputs.train, inputs.downsample), loadFashion(inputs.test, inputs.downsample)]);
  const family = `RF on ${inputs.label}, n = ${train.n}`;
  const labelNoise = p.labelNoise;
  const scale = o.scale ?? 1;
  const out = await prepareOutputDir(o.out ?? defaultOutDir('double-descent-rf'), { force: o.force ?? false });
  const drop = hooks.onInterrupt?.(() => out.abort()) ?? (() => undefined);
  try {
    const bar = (hooks.progress ?? silent)('random features');
    const s = rfDataStudy(
      rows(train),
      rows(test),
      { classes: 10, labelNoise, noiseSeed: o.noiseSeed ?? 0, widths: o.widths ?? p.rf.widths, seeds: o.seeds ?? p.rf.seeds, family, margin: o.margin },
      (d, t) => bar(d, t),
    );
    bar.done();
    const noiseLabel = `label noise ${Math.round(labelNoise * 100)}%`;
    const figures = [
      await renderFigure('double-descent', modelwiseSpec(s.error, { family, noiseLabel }), scale),
      await renderFigure('double-descent-squared-loss', modelwiseSpec(s.squaredLoss, { family, noiseLabel, errorName: 'squared loss per output' }), scale),
    ];
    const summary = { ...s.summary, preset: o.preset, downsample: inputs.downsample };
    await writeReport(out, { summary, figures });
    await out.commit();
    drop();
    return { summary, digest: await rfDigest(summary), folder: out.finalPath };
  } catch (err) {
    await out.abort();
    drop();
    throw err;
  }
}

/** The error table and verdict, then the squared-loss verdict in one line. */
async function rfDigest(s: Record<string, any>): Promise<string> {
  const { pointsDigest } = await import('./double-descent.js');
  const sq = s.squaredLoss;
  const sqLine = sq.peak
    ? `squared loss: peak at p = ${sq.peak.width} (${num(sq.peak.testError)}), after it ${num(sq.secondDescent.minAfterPeak)} at p = ${sq.secondDescent.widthOfMin}; observed: ${sq.doubleDescentObserved ? 'yes' : 'no'}`
    : 'squared loss: no peak';
  return `${pointsDigest(s.error)}\n${sqLine}`;
}
