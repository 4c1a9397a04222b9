/** The gradient figures' Vega specs parse and draw (SVG), with the series and cells they promise. */
import { describe, it, expect, beforeAll } from 'vitest';
import * as vega from 'vega';
import { selectBackend } from '../src/engine/index.js';
import { analyzeGradients } from '../src/gradients/analyze-gradients.js';
import { gradientTrajectory } from '../src/gradients/trajectory.js';
import { attenuationSpec, activationsSpec, trajectorySpec } from '../src/figures/gradients.js';
import { denseNet } from './helpers/gradients-nets.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const svgOf = (spec: object) => new vega.View(vega.parse(spec as vega.Spec), { renderer: 'none' }).toSVG();
const rows = (spec: any) => spec.data[0].values as any[];

describe('gradient figures', () => {
  it('attenuation: weights and activations, trained and init series; activations: saturated fractions; trajectory: one cell per layer × checkpoint', async () => {
    const { bundle, data } = await denseNet([4, 8, 8, 3], 32, 'tanh', 3);
    const r = await analyzeGradients(bundle, data, { batches: 2, batchSize: 16, compareInit: 'he' });
    const att = attenuationSpec(r);
    expect(new Set(rows(att).map((d) => d.series)).size).toBe(4);
    expect(rows(att)).toHaveLength(2 * 3 * 2);
    const act = activationsSpec(r);
    const tanhLayers = r.health.filter((h) => h.activation === 'tanh').map((h) => h.name);
    expect(tanhLayers).toHaveLength(2);
    expect(rows(act).map((d) => d.layer)).toEqual(tanhLayers);
    const t = await gradientTrajectory(bundle, [bundle.checkpoint, bundle.checkpoint, bundle.checkpoint], data, { batches: 1, batchSize: 16 });
    const traj = trajectorySpec(t, ['e1', 'e2', 'e3']);
    expect(rows(traj)).toHaveLength(3 * 3);
    for (const spec of [att, act, traj]) {
      const svg = await svgOf(spec);
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain((spec as any).title.text.slice(0, 10));
    }
  });
});
