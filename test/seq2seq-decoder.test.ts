/**
 * A seq2seq decoder whose LSTM takes its initial_state from the encoder LSTM's return_state
 * (inbound [[dec_in, 0, 0], [enc, 0, 1], [enc, 0, 2]]), built with tfjs's own API: two inputs, a
 * softmax head over the decoder's sequence and the encoder's h as outputs. The loss equals
 * tfjs-layers' model.evaluate, the gradient tfjs autodiff, and the exact HVP (double backprop)
 * forms a symmetric explicit Hessian whose columns equal central differences — on cpu, wasm with
 * the native kernels and plain wasm.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { loadDataset } from '../src/io/dataset.js';
import { prepareModelData } from '../src/objective/prepare-model-data.js';
import { modelIONames } from '../src/objective/fit-inputs.js';
import { unusedBlocks } from '../src/objective/heads-loss.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { S2S_WEIGHTS, evaluateLosses, s2sData, s2sGradient, seq2seq, writeS2SFolder, type S2SData } from './helpers/seq2seq-nets.js';

let dir: string;
let model: tf.LayersModel;
let ckpt: Checkpoint;
let d: S2SData;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-s2s-'));
  model = seq2seq();
  ckpt = await checkpointFromModel(model);
  ckpt.trainingConfig = { ...ckpt.trainingConfig, loss_weights: S2S_WEIGHTS };
  d = s2sData();
  writeS2SFolder(dir, d);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function objectiveFor(c: Checkpoint, opts: { hvp?: 'exact' | 'fd' } = {}) {
  const bundle = loadModel(c);
  const ds = await loadDataset({ data: dir, model: modelIONames(bundle.arch) });
  return { bundle, obj: new LocalObjective(bundle, prepareModelData(ds, bundle), { batchSize: 4, ...opts }) };
}

describe('the topology', () => {
  it('wires the decoder to the encoder states, and refuses a state index the layer does not return', () => {
    const topo = ckpt.modelTopology as any;
    const dec = topo.config.layers.find((l: any) => l.name === 'dec');
    expect(dec.inbound_nodes[0].map((r: unknown[]) => r.slice(0, 3))).toEqual([
      ['dec_in', 0, 0],
      ['enc', 0, 1],
      ['enc', 0, 2],
    ]);
    const b = loadModel(ckpt);
    expect(b.arch.nodes.find((n) => n.name === 'dec')!.inputs.map((i) => i.replace('\u0000', '#'))).toEqual(['dec_in', 'enc#1', 'enc#2']);
    expect(b.heads.map((h) => [h.name, h.loss, h.weight])).toEqual([
      ['head', 'categoricalCrossentropy', 0.8],
      ['enc.1', 'meanSquaredError', 1.5],
    ]);
    const bad = structuredClone(ckpt);
    (bad.modelTopology as any).config.layers.find((l: any) => l.name === 'dec').inbound_nodes[0][2][2] = 3;
    expect(() => loadModel(bad)).toThrow(/layer "dec" takes input \["enc",0,3\]: layer "enc" \(LSTM\) returns 3 tensors/);
    const noState = structuredClone(ckpt);
    (noState.modelTopology as any).config.layers.find((l: any) => l.name === 'head').inbound_nodes[0][0][2] = 1;
    expect(() => loadModel(noState)).toThrow(/layer "head" takes input \["dec",0,1\]: node and tensor index must be 0/);
  });

  it('with the head as the only output, the encoder is still trained through the states: its gradient equals tfjs autodiff', async () => {
    const one = seq2seq(false),
      oneDir = path.join(dir, 'head-only');
    writeS2SFolder(oneDir, d, false);
    const bundle = loadModel(await checkpointFromModel(one));
    expect(unusedBlocks(bundle)).toEqual([]); // the encoder reaches the head through the decoder's initial states
    const ds = await loadDataset({ data: oneDir, model: modelIONames(bundle.arch) });
    const obj = new LocalObjective(bundle, prepareModelData(ds, bundle), { batchSize: 4 });
    const g = (await obj.grad(bundle.theta0)).grad;
    const want = s2sGradient(one, d, [1], false);
    for (const b of bundle.layout.blocks) {
      const w = want.get(b.name)!;
      const scale = Math.max(...Array.from(w, Math.abs));
      expect(scale, b.name).toBeGreaterThan(1e-6); // every block, the encoder's included, moves the loss
      g.subarray(b.offset, b.offset + b.size).forEach((v, i) => expect(Math.abs(v - w[i]!), `${b.name}[${i}]`).toBeLessThan(1e-4 * scale));
    }
    obj.dispose();
    one.dispose();
  });

  it("Keras 3's form, initial_state in the call's kwargs, wires the same graph", () => {
    const k3 = structuredClone(ckpt);
    const dec = (k3.modelTopology as any).config.layers.find((l: any) => l.name === 'dec');
    const tensor = (h: unknown[]) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2], dtype: 'float32', keras_history: h } });
    dec.inbound_nodes = [{ args: [tensor(['dec_in', 0, 0])], kwargs: { training: false, initial_state: [tensor(['enc', 0, 1]), tensor(['enc', 0, 2])] } }];
    const inputs = (c: Checkpoint) => loadModel(c).arch.nodes.find((n) => n.name === 'dec')!.inputs;
    expect(inputs(k3)).toEqual(inputs(ckpt));
    expect(inputs(k3)).toHaveLength(3);
  });

  it('a decoder fed zero states instead would compute another loss (the states are read)', async () => {
    const zeroed = structuredClone(ckpt);
    const enc = (zeroed.modelTopology as any).config.layers.find((l: any) => l.name === 'dec');
    enc.inbound_nodes[0] = [enc.inbound_nodes[0][0]];
    const withStates = await objectiveFor(ckpt);
    const without = await objectiveFor(zeroed);
    const a = (await withStates.obj.evaluate(withStates.bundle.theta0)).outputs![0]!.loss;
    const b = (await without.obj.evaluate(without.bundle.theta0)).outputs![0]!.loss;
    expect(Math.abs(a - b)).toBeGreaterThan(1e-3);
    withStates.obj.dispose();
    without.obj.dispose();
  });
});

describe.each(['cpu', 'wasm', 'plain wasm'])('encoder states as the decoder initial_state on %s', (kernels) => {
  beforeAll(async () => {
    await selectBackend(kernels === 'cpu' ? 'cpu' : 'wasm');
    if (kernels === 'plain wasm') uninstallNativeKernels();
  });
  afterAll(() => {
    if (kernels === 'plain wasm') installNativeKernels();
  });

  it("each output's loss equals model.evaluate's, the total Σ w_k loss_k; the gradient equals tfjs autodiff", async () => {
    const { bundle, obj } = await objectiveFor(ckpt);
    const ref = evaluateLosses(model, d);
    const before = tf.memory().numTensors;
    const ev = await obj.evaluate(bundle.theta0);
    const g = await obj.grad(bundle.theta0);
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.outputs!.map((o) => o.name)).toEqual(['head', 'enc.1']);
    ev.outputs!.forEach((o, k) => expect(o.loss).toBeCloseTo(ref[k]!, 5));
    expect(ev.loss).toBeCloseTo(S2S_WEIGHTS[0]! * ref[0]! + S2S_WEIGHTS[1]! * ref[1]!, 5);
    const want = s2sGradient(model, d, S2S_WEIGHTS);
    for (const b of bundle.layout.blocks) {
      const w = want.get(b.name)!;
      const scale = Math.max(...Array.from(w, Math.abs), 1e-3);
      // float32 over a 7-step unroll: agreement to ~1e-5 of the block's largest entry
      g.grad.subarray(b.offset, b.offset + b.size).forEach((v, i) => expect(Math.abs(v - w[i]!), `${b.name}[${i}]`).toBeLessThan(1e-4 * scale));
    }
    obj.dispose();
  });

  it('the exact HVP is a symmetric explicit Hessian whose columns equal central differences', async () => {
    const { bundle, obj } = await objectiveFor(ckpt);
    const fd = (await objectiveFor(ckpt, { hvp: 'fd' })).obj;
    expect(obj.hvpEngine()).toBe('double-backprop');
    const dim = bundle.layout.dim,
      H: Float32Array[] = [];
    let maxAbs = 0,
      fdErr = 0;
    const before = tf.memory().numTensors;
    for (let j = 0; j < dim; j++) {
      const e = new Float32Array(dim);
      e[j] = 1;
      const col = await obj.hvp(bundle.theta0, e);
      H.push(col);
      col.forEach((v) => (maxAbs = Math.max(maxAbs, Math.abs(v))));
      if (j % 5 === 0) (await fd.hvp(bundle.theta0, e)).forEach((v, i) => (fdErr = Math.max(fdErr, Math.abs(v - col[i]!))));
    }
    expect(tf.memory().numTensors).toBe(before);
    let asym = 0;
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(H[i]![j]! - H[j]![i]!));
    // float32 exact HVPs: symmetric up to rounding; FD at t = 1e-2: O(t²) truncation, ~1e-3 of the largest entry
    expect(asym).toBeLessThan(1e-4 * maxAbs);
    expect(fdErr).toBeLessThan(5e-3 * maxAbs);
    // the cross block encoder × decoder is not zero: curvature flows through the initial states
    const enc = bundle.layout.blocks.find((b) => b.layer === 'enc')!,
      dec = bundle.layout.blocks.find((b) => b.layer === 'dec')!;
    let cross = 0;
    for (let i = enc.offset; i < enc.offset + enc.size; i++)
      for (let j = dec.offset; j < dec.offset + dec.size; j++) cross = Math.max(cross, Math.abs(H[j]![i]!));
    expect(cross).toBeGreaterThan(1e-3 * maxAbs);
    obj.dispose();
    fd.dispose();
  });
});
