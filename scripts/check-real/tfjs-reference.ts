/**
 * tfjs-layers' own model.evaluate of a checkpoint (weights loaded by tfjs itself from the files) on
 * the same samples losslens evaluates: through losslens' loader for the shipped data (byte images
 * scaled by 1/255 as losslens scales them; categorical targets one-hot), or on explicit arrays.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadDataset, loadModel, prepareData, readCheckpoint } from '../../src/index.js';
import type { Case, Reference } from './cases.js';

async function tfjsModel(file: string): Promise<tf.LayersModel> {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const specs = json.weightsManifest.flatMap((g: any) => g.weights);
  const bytes = Buffer.concat(json.weightsManifest.flatMap((g: any) => g.paths.map((p: string) => fs.readFileSync(path.join(path.dirname(file), p)))));
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: new Uint8Array(bytes).buffer }));
}

/** model.evaluate's total loss (and accuracy for a classifier with one output). */
export async function tfjsReference(c: Case, given?: Reference): Promise<{ loss: number; accuracy?: number }> {
  const ck = await readCheckpoint(c.model);
  const model = await tfjsModel(ck.path);
  try {
    if (given)
      return await evaluate(
        model,
        given.inputs.map((a) => tf.tensor(a.values, a.shape)),
        given.targets.map((a) => tf.tensor(a.values, a.shape)),
        given.losses,
        false,
      );
    const bundle = loadModel(ck, c.loss);
    const p = prepareData(await loadDataset(c.source), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const classify = /crossentropy/i.test(bundle.loss);
    // targets are one-hot for both categorical losses: categorical CE on them is the sparse CE
    const loss = bundle.loss === 'sparseCategoricalCrossentropy' ? 'categoricalCrossentropy' : bundle.loss;
    const xs = tf.tidy(() => tf.div(tf.tensor(Float32Array.from(p.x), [p.n, ...p.inputShape]), p.xDivisor ?? 1));
    const outShape = (model.outputs[0]!.shape.slice(1) as number[]).map((d, i) => d ?? p.inputShape[i]!);
    const ys = tf.tensor(p.y, [p.n, ...(outShape.reduce((a, b) => a * b, 1) === p.k ? outShape : [p.k])]);
    return await evaluate(model, [xs], [ys], [loss], classify);
  } finally {
    model.dispose();
  }
}

async function evaluate(
  model: tf.LayersModel,
  xs: tf.Tensor[],
  ys: tf.Tensor[],
  losses: string[],
  classify: boolean,
): Promise<{ loss: number; accuracy?: number }> {
  model.compile({ optimizer: 'sgd', loss: losses.length === 1 ? losses[0]! : losses, metrics: classify ? ['accuracy'] : [] });
  const out = model.evaluate(xs.length === 1 ? xs[0]! : xs, ys.length === 1 ? ys[0]! : ys, { batchSize: 500 }) as tf.Scalar | tf.Scalar[];
  const vals = await Promise.all((Array.isArray(out) ? out : [out]).map(async (t) => (await t.data())[0]!));
  tf.dispose([...xs, ...ys, ...(Array.isArray(out) ? out : [out])]);
  // several outputs: each output's loss comes last (weights 1, so the objective is their sum);
  // tfjs-layers 4.22 puts an extra entry in front for two outputs of one layer
  const loss = ys.length > 1 ? vals.slice(-ys.length).reduce((a, b) => a + b, 0) : vals[0]!;
  return { loss, ...(classify ? { accuracy: vals[1] } : {}) };
}
