/**
 * The callback's measurement at a step equals what `losslens hessian` computes on the checkpoint the callback saved
 * at that step, with the probe as the data file and the step's seed: λmax within the Ritz residual, the same
 * Hutchinson probes (the trace to float32 summation order) and the same loss.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lossLensCallback } from '../src/entries/fit.js';
import { measurementSeed } from '../src/fit/measure.js';
import { runCli } from './helpers/run-cli.js';
import { healthData, healthNet, withSeededMathRandom } from './helpers/fit-nets.js';

await tf.setBackend('cpu');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'losslens-fit-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The probe as a CSV: six feature columns and the class index. */
function probeCsv(x: tf.Tensor2D, y: tf.Tensor2D): string {
  const xs = x.arraySync(),
    labels = tf.tidy(() => tf.argMax(y, 1).arraySync() as number[]);
  return ['x0,x1,x2,x3,x4,x5,label', ...xs.map((row, i) => `${row.map((v) => v.toPrecision(9)).join(',')},${labels[i]}`)].join('\n') + '\n';
}

describe('lossLensCallback vs losslens hessian on the step checkpoint', () => {
  it('λmax, trace and loss agree', async () => {
    // the probe's values are what the CSV holds (float32 printed with 9 digits reads back exactly)
    const probe = healthData(40, 21);
    writeFileSync(path.join(tmp, 'probe.csv'), probeCsv(probe.x, probe.y));
    const { x, y } = healthData(64);
    const model = healthNet(tf.train.adam(0.02));
    const out = path.join(tmp, 'run');
    const cb = lossLensCallback({ every: 6, budget: 100, out, probe, checkpoints: true, lanczosIter: 40, traceProbes: 12, noiseGroups: 0, seed: 5 });
    await withSeededMathRandom(8, () => model.fit(x, y, { epochs: 2, batchSize: 8, callbacks: [cb] }));
    const rec = cb.records.find((r) => r.step === 12)!;
    const seed = measurementSeed(5, 12);
    const args = ['hessian', '--model', path.join(out, 'checkpoints/step-12'), '--data', path.join(tmp, 'probe.csv'), '--top', '1', '--bottom', '1'];
    const r = await runCli([...args, '--no-density', '--probes', '12', '--seed', String(seed), '--out', path.join(tmp, 'hessian'), '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(path.join(tmp, 'hessian/summary.json'), 'utf8'));
    const lm = rec.lambdaMax!;
    expect(Math.abs(s.eigenvalues.top[0] - lm.value)).toBeLessThanOrEqual(lm.residual + 1e-5 * lm.value);
    expect(s.trace.probes).toBe(12);
    expect(Math.abs(s.trace.estimate / rec.trace!.value - 1)).toBeLessThan(1e-5);
    expect(Math.abs(s.loss / rec.loss - 1)).toBeLessThan(1e-6);
    tf.dispose([x, y, probe.x, probe.y]);
    model.dispose();
  });
});
