/**
 * A nested-model checkpoint through the real CLI: `info` shows the nesting (block rows, layers by
 * path), inputs and outputs, per-block parameter counts and every layer's HVP method, in text and
 * as JSON; `eval`'s summary.json carries the same card, and its loss equals tfjs-layers'
 * model.evaluate on the native kernels and on the wasm ones (LOSSLENS_NATIVE=0).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/run-cli.js';
import { NESTED_CASES, nestedData } from './helpers/nested-nets.js';

const THREE = NESTED_CASES[2]; // Input → Sequential "blk" [Model "core" [Dense c1], Dense b1] → Dense head
const N = 40;
let dir: string;
let refLoss: number;

/** model.json + weights.bin as tfjs' file handlers write them, and train.csv (x0..x3, label). */
async function writeFixture(): Promise<void> {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-nested-'));
  const model = THREE.build();
  model.compile({ loss: THREE.loss, optimizer: 'sgd', metrics: ['accuracy'] });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const manifest = [{ paths: ['weights.bin'], weights: a.weightSpecs }];
      await fs.writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          generatedBy: 'test',
          modelTopology: a.modelTopology,
          trainingConfig: (model as any).getTrainingConfig(),
          weightsManifest: manifest,
        }),
      );
      await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const { x, y } = nestedData(THREE, N);
  const rows = y.map((label, i) => [...Array.from(x.subarray(i * 4, i * 4 + 4)), label].join(','));
  await fs.writeFile(path.join(dir, 'train.csv'), ['x0,x1,x2,x3,label', ...rows].join('\n') + '\n');
  const [xs, ys] = [tf.tensor2d(x, [N, 4]), tf.oneHot(tf.tensor1d(y, 'int32'), THREE.k)];
  const ref = model.evaluate(xs, ys) as tf.Scalar[];
  refLoss = ref[0].dataSync()[0];
  tf.dispose([xs, ys, ...ref]);
  model.dispose();
}

beforeAll(writeFixture);

describe('nested models through the CLI', () => {
  it("info shows the nested blocks, layers by path, inputs/outputs and each layer's HVP method", async () => {
    const r = await runCli(['info', '--model', dir]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const row = (start: RegExp) => lines.find((l) => start.test(l)) ?? '';
    // blk: b1 (3·3 + 3) + core's c1 (4·3 + 3) = 27 parameters; core alone 15
    expect(row(/^blk\//)).toMatch(/Sequential, 3 layers\s+27\s+0/);
    expect(row(/^ {2}blk\/core\//)).toMatch(/Model, 2 layers\s+15\s+0/);
    expect(row(/^ {4}blk\/core\/c1 /)).toMatch(/Dense\(tanh\)\s+\[3\]\s+15\s+0\s+fwd-over-rev/);
    expect(r.stdout).toMatch(/inputs: x \[4\]; outputs: head \[2\]/);
    expect(r.stdout).toMatch(/HVP: forward-over-reverse for every layer/);
  });

  it('info --json carries the blocks, endpoints and per-layer HVP; a forced double backprop says why', async () => {
    const r = await runCli(['info', '--model', dir, '--json'], { env: { LOSSLENS_HVP: 'tape' } });
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(r.stdout);
    expect(card.blocks).toEqual([
      { path: 'blk', type: 'Sequential', trainable: true, layers: 3, trainableParams: 27, nonTrainableParams: 0 },
      { path: 'blk/core', type: 'Model', trainable: true, layers: 2, trainableParams: 15, nonTrainableParams: 0 },
    ]);
    expect(card.inputs).toEqual([{ name: 'x', shape: [4] }]);
    expect(card.outputs).toEqual([{ name: 'head', shape: [2] }]);
    expect(card.hvp).toEqual({ method: 'double-backprop', reason: 'LOSSLENS_HVP=tape' });
    const c1 = card.layers.find((l: any) => l.name === 'blk/core/c1');
    expect(c1).toMatchObject({ block: 'blk/core', hvp: { method: 'double-backprop' } });
  });

  it.each(['1', '0'])('eval (LOSSLENS_NATIVE=%s): loss equals model.evaluate, summary.json holds the nested card', async (native) => {
    const out = path.join(dir, `eval-${native}`);
    const r = await runCli(['eval', '--model', dir, '--data', path.join(dir, 'train.csv'), '--out', out, '--quiet'], { env: { LOSSLENS_NATIVE: native } });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.loss).toBeCloseTo(refLoss, 5);
    expect(summary.model.blocks.map((b: any) => b.path)).toEqual(['blk', 'blk/core']);
    expect(summary.model.layers.map((l: any) => l.name)).toEqual(['x', 'blk/core/core_in', 'blk/core/c1', 'blk/b1', 'head']);
    expect(summary.model.hvp.method).toBe('forward-over-reverse');
  });
});

describe('a nested model the CLI refuses', () => {
  it('an unsupported layer inside a nested model: one stderr line naming the file and the layer by path, exit 2', async () => {
    const bad = path.join(dir, 'bad');
    await fs.mkdir(bad);
    const j = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    j.modelTopology.config.layers.find((l: any) => l.name === 'blk').config.layers[1].class_name = 'Bogus';
    await fs.writeFile(path.join(bad, 'model.json'), JSON.stringify(j));
    await fs.copyFile(path.join(dir, 'weights.bin'), path.join(bad, 'weights.bin'));
    const r = await runCli(['info', '--model', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\/model\.json.*layer "blk\/b1" of type "Bogus" is not supported/);
  });
});
