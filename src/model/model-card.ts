/** A model's card: its layers with output shapes and parameter counts, and its loss. */
import * as tf from '@tensorflow/tfjs';
import { forward } from './forward.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import { canonicalActivation } from './activations.js';
import { cfg } from './layer-ops.js';
import path from 'node:path';

export interface LayerCard {
  name: string;
  type: string;
  activation?: string;
  outputShape: number[];
  trainableParams: number;
  nonTrainableParams: number;
}

export interface ModelCard {
  name: string;
  /** The checkpoint's model.json, relative to the working directory when it lies below it (as the data paths are shown). */
  file: string;
  inputShape: number[];
  outputDim: number;
  loss: string;
  lossSource: 'checkpoint' | 'option';
  trainableParams: number;
  nonTrainableParams: number;
  layers: LayerCard[];
}

export function modelCard(bundle: ModelBundle): ModelCard {
  const { arch, checkpoint } = bundle;
  const shapes = new Map<string, number[]>();
  tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    const ws = checkpoint.weights.map((w) => tf.tensor(w.values, w.spec.shape));
    forward(arch, ws, tf.zeros([1, ...arch.inputShape]), { capture });
    for (const [k, t] of capture) shapes.set(k, t.shape.slice(1));
  });
  const layers = arch.nodes.map((n): LayerCard => {
    const count = (trainable: boolean) =>
      n.weights.filter((w) => w.trainable === trainable).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    const act = cfg<unknown>(n.config, 'activation', undefined);
    return {
      name: n.name,
      type: n.className,
      ...(act !== undefined ? { activation: canonicalActivation(act) } : {}),
      outputShape: shapes.get(n.name) ?? [],
      trainableParams: count(true),
      nonTrainableParams: count(false),
    };
  });
  return {
    name: arch.name,
    file: displayPath(checkpoint.path),
    inputShape: arch.inputShape,
    outputDim: bundle.outDim,
    loss: bundle.loss,
    lossSource: bundle.lossSource,
    trainableParams: bundle.layout.dim,
    nonTrainableParams: layers.reduce((s, l) => s + l.nonTrainableParams, 0),
    layers,
  };
}

function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
