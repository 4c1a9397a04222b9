/**
 * End to end: `train --track-sharpness` on the linreg fixture reproduces λmax of H = 2X̃ᵀX̃/N
 * (X̃ = [X, 1]) computed from the CSV and fires the edge-of-stability finding only past 2/λmax;
 * `gradients --noise --compare-init zeros` reports the noise scale and the zero init's symmetric
 * units beside a Glorot one; `report` shows the symmetry and noise findings; bad options exit 2.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { PNG } from 'pngjs';
import { runCli, runCliBatch } from './helpers/run-cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-17a-'));
const json = (p: string) => JSON.parse(fs.readFileSync(p, 'utf8'));

/** λmax of 2X̃ᵀX̃/N from fixtures/linreg/data.csv. */
function linregLambdaMax(): number {
  const rows = fs
    .readFileSync('fixtures/linreg/data.csv', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
  const X = rows.map((r) => [...r.slice(0, 5).map((v) => Math.fround(v)), 1]);
  const H = new Matrix(6, 6);
  for (const x of X) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) H.set(i, j, H.get(i, j) + (2 * x[i] * x[j]) / X.length);
  return Math.max(...new EigenvalueDecomposition(H, { assumeSymmetric: true }).realEigenvalues);
}

describe('CLI: sharpness, gradient noise, unit symmetry', () => {
  it('train --track-sharpness: λmax of 2X̃ᵀX̃/N at every tracked step; the finding only past 2/λmax', async () => {
    const lmax = linregLambdaMax();
    for (const [factor, code] of [
      [0.8, 'below-stability-threshold'],
      [1.05, 'edge-of-stability'],
    ] as const) {
      const out = path.join(tmp(), 'run');
      const lr = (factor * 2) / lmax;
      const r = await runCli([
        'train',
        '--model',
        'fixtures/linreg',
        '--data',
        'fixtures/linreg/data.csv',
        '--batch-size',
        '256',
        '--epochs',
        '8',
        '--lr',
        String(lr),
        '--track-sharpness',
        '2',
        '--out',
        out,
        '--quiet',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const h = json(path.join(out, 'history.json')).sharpness;
      expect(h.step).toEqual([0, 2, 4, 6, 8]);
      for (const v of h.lambdaMax) expect(Math.abs(v - lmax)).toBeLessThan(1e-4 * lmax);
      expect(h.twoOverLr[0]).toBeCloseTo(2 / lr, 8);
      const s = json(path.join(out, 'summary.json'));
      expect(s.sharpness.finding.code).toBe(code);
      expect(s.sharpness.objective.kind).toBe('full-batch');
      const png = PNG.sync.read(fs.readFileSync(path.join(out, 'sharpness.png')));
      expect([png.width, png.height]).toEqual([800, 600]);
      expect(r.stdout).toMatch(code === 'edge-of-stability' ? /\[warning\] edge-of-stability/ : /\[info\] below-stability-threshold/);
    }
  }, 120_000);

  it('gradients --noise --compare-init zeros: noise per layer with errors, the zero init symmetric, Glorot not', async () => {
    const out = path.join(tmp(), 'g');
    const r = await runCli([
      'gradients',
      '--model',
      'fixtures/spiral-tanh',
      '--data',
      'fixtures/spiral-tanh/train.csv',
      '--noise',
      '--noise-groups',
      '8',
      '--batch-size',
      '16',
      '--compare-init',
      'zeros',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = json(path.join(out, 'summary.json'));
    const n = s.gradients.noise;
    expect(n.minibatches).toBe(32);
    expect(n.layers.map((l: { name: string }) => l.name)).toEqual(['dense_1', 'dense_2', 'dense_3']);
    expect(n.overall.bSimple.se).toBeGreaterThan(0);
    expect(s.trainingBatchSize).toBe('unknown');
    expect(s.gradients.symmetry.findings).toEqual([]);
    expect(s.gradients.init.symmetry.findings.map((f: { code: string }) => f.code)).toEqual(['symmetric-units', 'zero-layer']);
    expect(s.gradients.randomInit.symmetry.findings).toEqual([]);
    expect(r.stdout).toMatch(/B_simple/);
    expect(r.stdout).toMatch(/unit symmetry \(init zeros\): effective width per layer dense_1 1\/16/);
    expect(r.stdout).toMatch(/batch size used for training: unknown/);
  }, 120_000);

  it('report on a constant-initialised checkpoint: symmetric units (with the remedy) and the noise scale', async () => {
    const { readCheckpoint } = await import('../src/io/checkpoint-read.js');
    const { writeCheckpoint } = await import('../src/io/checkpoint-write.js');
    const { parseArchitecture } = await import('../src/model/architecture.js');
    const { reinitialize } = await import('../src/gradients/reinitialize.js');
    const dir = tmp();
    const ckpt = await readCheckpoint('fixtures/spiral-tanh/model.json');
    await writeCheckpoint(path.join(dir, 'const'), reinitialize(ckpt, parseArchitecture(ckpt), 'constant', 0));
    const out = path.join(dir, 'report');
    const r = await runCli(['report', '--model', path.join(dir, 'const'), '--data', 'fixtures/spiral-tanh/train.csv', '--quick', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const s = json(path.join(out, 'summary.json'));
    const codes = s.findings.map((f: { code: string }) => f.code);
    expect(codes).toContain('symmetric-units');
    expect(codes).toContain('gradient-noise');
    expect(codes).not.toContain('healthy-gradients');
    expect(s.findings.find((f: { code: string }) => f.code === 'symmetric-units').remedy).toMatch(/Glorot/);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/training batch size \| unknown/);
  }, 180_000);

  it('bad options: one line naming the option, exit 2', async () => {
    const base = ['--model', 'fixtures/linreg', '--data', 'fixtures/linreg/data.csv', '--out', path.join(tmp(), 'x')];
    const cases = [
      [['train', ...base, '--track-sharpness', '0'], /--track-sharpness/],
      [['train', ...base, '--track-sharpness', '2', '--sharpness-iter', '1'], /--sharpness-iter/],
      [['gradients', ...base, '--noise', '--noise-groups', '1'], /--noise-groups/],
      [['gradients', ...base, '--noise', '--batch-size', '128'], /--noise-group-size/],
      [['gradients', ...base, '--noise-groups', '4'], /--noise-groups: only applies with --noise/],
      [['train', ...base, '--sharpness-samples', '64'], /--sharpness-samples: only applies with --track-sharpness/],
    ] as const;
    // refusals share one process (runCliBatch; test/cli-batch.test.ts holds it to separate processes)
    const rs = await runCliBatch(cases.map(([args]) => [...args]));
    cases.forEach(([, re], i) => {
      expect(rs[i].code).toBe(2);
      expect(rs[i].stderr.trim().split('\n')).toHaveLength(1);
      expect(rs[i].stderr).toMatch(re);
    });
  }, 120_000);
});
