/**
 * End to end: each command on a bundled fixture into a temp folder; summary.json holds the
 * documented fields and the PNGs decode at the documented size.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { runCli, ROOT } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures');
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-cli-'));
});

async function run(args: string[]): Promise<{ out: string; summary: any; stdout: string }> {
  const out = path.join(tmp, `${args[0]}-${Math.random().toString(36).slice(2)}`);
  const r = await runCli([...args, '--out', out, '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
  return { out, summary, stdout: r.stdout };
}

async function png(file: string): Promise<PNG> {
  return PNG.sync.read(await fs.readFile(file));
}

const spiral = ['--model', path.join(FIX, 'spiral-tanh'), '--data', path.join(FIX, 'spiral-tanh/train.csv')];

describe('losslens commands on fixtures', () => {
  it('info prints layers and parameter counts', async () => {
    const r = await runCli(['info', '--model', path.join(FIX, 'mlp-relu'), '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/26122 trainable/);
    expect(r.stdout).toMatch(/sparseCategoricalCrossentropy/);
  });

  it("eval writes loss, accuracy and gradient norms matching the fixture's recorded loss", async () => {
    const meta = JSON.parse(await fs.readFile(path.join(FIX, 'mlp-relu/meta.json'), 'utf8'));
    const { summary } = await run([
      'eval',
      '--model',
      path.join(FIX, 'mlp-relu'),
      '--data',
      path.join(FIX, 'mlp-relu'),
      '--test-data',
      path.join(FIX, 'mlp-relu/test'),
    ]);
    // our loss vs tfjs-layers' model.evaluate recorded at generation: float32 summation order only
    expect(summary.loss).toBeCloseTo(meta.loss, 4);
    expect(summary.accuracy).toBeGreaterThan(0.9);
    expect(summary.gradNorm).toBeGreaterThan(0);
    expect(Object.keys(summary.gradNormPerLayer)).toHaveLength(3);
    expect(summary.meta.backend.name).toMatch(/wasm|cpu|tensorflow/);
    expect(summary.meta.backend.tfjsVersion).toBe('4.22.0');
    expect(summary.test.loss).toBeGreaterThan(0);
  });

  it('hessian writes the documented summary fields, density.png and spectrum.png', async () => {
    const { out, summary } = await run([
      'hessian',
      ...spiral,
      '--top',
      '3',
      '--bottom',
      '3',
      '--probes',
      '20',
      '--slq-order',
      '30',
      '--slq-probes',
      '2',
      // auto takes the dense saddle spectrum here (371 more products); the counts' fields are the same with the density's estimate
      '--saddle-method',
      'lanczos',
      '--save-eigenvectors',
    ]);
    expect(summary.eigenvalues.top).toHaveLength(3);
    expect(summary.eigenvalues.bottom).toHaveLength(3);
    expect(summary.residuals.top).toHaveLength(3);
    expect(summary.trace.probes).toBe(20);
    expect(typeof summary.trace.stderr).toBe('number');
    expect(summary.density.nodes).toHaveLength(2);
    expect(summary.conditionNumbers.definitions.kappa).toMatch(/λmax/);
    expect(summary.saddleIndex.thresholds).toHaveLength(3);
    expect(summary.gradNorm).toBeGreaterThan(0);
    for (const f of ['density.png', 'spectrum.png']) expect((await png(path.join(out, f))).width).toBe(800);
    const v = await fs.readFile(path.join(out, 'eigenvector-top-1.f32'));
    expect(v.byteLength).toBe(371 * 4);
  });

  it('slice 1-D: centre equals the base loss; 2-D writes a contour map and a surface', async () => {
    const one = await run(['slice', ...spiral, '--points', '11']);
    const losses = one.summary.slice.train.loss as number[];
    expect(losses[5]).toBeCloseTo(one.summary.slice.baseLoss, 5);
    const two = await run(['slice', ...spiral, '--dims', '2', '--points', '7', '--range', '-0.5:0.5', '--scale', '2']);
    const grid = two.summary.slice.train.loss as number[][];
    expect(grid[3][3]).toBeCloseTo(two.summary.slice.baseLoss, 5);
    const p = await png(path.join(two.out, 'slice-2d.png'));
    expect([p.width, p.height]).toEqual([1600, 1200]);
    await fs.access(path.join(two.out, 'surface.png'));
    await fs.access(path.join(two.out, 'direction2.f32'));
  });

  it("interpolate: ends equal each checkpoint's loss, barrier reported", async () => {
    const { summary } = await run([
      'interpolate',
      '--from',
      path.join(FIX, 'spiral-tanh'),
      '--to',
      path.join(FIX, 'spiral-tanh-seed2'),
      '--data',
      path.join(FIX, 'spiral-tanh/train.csv'),
      '--points',
      '9',
      '--range',
      '0:1',
    ]);
    const metaA = JSON.parse(await fs.readFile(path.join(FIX, 'spiral-tanh/meta.json'), 'utf8'));
    expect(summary.interpolation.ends.lossA).toBeCloseTo(metaA.loss, 4);
    expect(typeof summary.interpolation.barrier).toBe('number');
  });
});
