/**
 * LayersModel formats found in the wild: quantized weights (what `tensorflowjs_converter
 * --quantize_uint8/uint16/float16` writes) dequantized exactly as tfjs's loader does; Keras 3
 * topologies; and refusals that say what the file is and what to do (GraphModel, folders,
 * Keras files, custom layers).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { createObjective } from '../src/objective/create-objective.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { halfToFloatBits } from '../src/io/weight-decode.js';
import { checkpointCard } from '../src/model/model-card.js';
import { LosslensError } from '../src/errors.js';
import { datasetOf } from './helpers/in-memory-checkpoint.js';
import { runCli } from './helpers/run-cli.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-fmt-'));
const N = 30;
const X = Float32Array.from({ length: N * 4 }, (_, i) => Math.sin(i * 0.7));
const Y = Float32Array.from({ length: N }, (_, i) => i % 3);

function net(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 6,
      inputShape: [4],
      activation: 'relu',
      name: 'dense',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      biasInitializer: tf.initializers.randomNormal({ seed: 2, stddev: 0.3 }),
    }),
  );
  m.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense_1', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }));
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

async function artifacts(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let out: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => ((out = a), { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } })));
  return out!;
}

type QDtype = 'uint8' | 'uint16' | 'float16';

/** Quantize float32 weights the way the converter lays them out: affine with min/scale per weight, or float16 bits. */
function quantize(specs: tf.io.WeightsManifestEntry[], data: Float32Array, dtype: QDtype): { specs: tf.io.WeightsManifestEntry[]; bytes: Uint8Array } {
  const parts: Uint8Array[] = [];
  let off = 0;
  const out = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const w = data.subarray(off, off + n);
    off += n;
    if (dtype === 'float16') {
      // round-to-nearest half via the exact decoder: pick the closest of the two neighbours
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = nearestHalf(w[i]);
      parts.push(new Uint8Array(h.buffer));
      return { ...s, quantization: { dtype: 'float16' as const } };
    }
    const levels = dtype === 'uint8' ? 255 : 65535;
    let lo = Math.min(...w);
    let hi = Math.max(...w);
    if (hi === lo) hi = lo + 1;
    const scale = (hi - lo) / levels;
    const q = dtype === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) q[i] = Math.round((w[i] - lo) / scale);
    parts.push(new Uint8Array(q.buffer));
    lo = Math.fround(lo);
    return { ...s, quantization: { dtype, scale, min: lo } };
  });
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.byteLength;
  }
  return { specs: out as tf.io.WeightsManifestEntry[], bytes };
}

const halfValue = (h: number) => new Float32Array(new Uint32Array([halfToFloatBits(h)]).buffer)[0];
function nearestHalf(v: number): number {
  let best = 0;
  let err = Infinity;
  const sign = v < 0 ? 0x8000 : 0;
  for (let e = 0; e < 31; e++) {
    const base = sign | (e << 10);
    // binary search the mantissa within this exponent
    let lo = 0;
    let hi = 0x3ff;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Math.abs(halfValue(base | mid)) < Math.abs(v)) lo = mid + 1;
      else hi = mid;
    }
    for (const mm of [lo - 1, lo]) {
      if (mm < 0) continue;
      const d = Math.abs(halfValue(base | mm) - v);
      if (d < err) {
        err = d;
        best = base | mm;
      }
    }
  }
  return best;
}

/** Write model.json + converter-style shards (group1-shardKofM, no extension) of at most `shardBytes`. */
function writeConverterLayout(dir: string, a: tf.io.ModelArtifacts, specs: tf.io.WeightsManifestEntry[], bytes: Uint8Array, shardBytes = 64): string {
  fs.mkdirSync(dir, { recursive: true });
  const count = Math.max(1, Math.ceil(bytes.byteLength / shardBytes));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}`);
  paths.forEach((p, i) => fs.writeFileSync(path.join(dir, p), bytes.subarray(i * shardBytes, (i + 1) * shardBytes)));
  const json = {
    format: 'layers-model',
    generatedBy: 'keras v2.5.0',
    convertedBy: 'TensorFlow.js Converter v3.6.0',
    modelTopology: {
      keras_version: '2.5.0',
      backend: 'tensorflow',
      model_config: a.modelTopology,
      training_config: { loss: 'sparse_categorical_crossentropy' },
    },
    weightsManifest: [{ paths, weights: specs }],
  };
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

async function losslensEval(file: string) {
  const ck = await readCheckpoint(file);
  const bundle = loadModel(ck);
  const prepared = prepareData(datasetOf(X, [4], Y, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  const obj = await createObjective(ck, prepared, { workers: 1, backend: 'cpu' });
  try {
    return { ck, ev: await obj.evaluate(obj.theta0) };
  } finally {
    obj.dispose();
  }
}

async function tfjsEval(m: tf.LayersModel): Promise<number> {
  const xs = tf.tensor2d(X, [N, 4]);
  const ys = tf.tensor2d(Y, [N, 1]);
  const r = m.evaluate(xs, ys) as tf.Scalar;
  const v = (await r.data())[0];
  tf.dispose([xs, ys, r]);
  return v;
}

describe('quantized weights are dequantized as tfjs loads them', () => {
  for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
    it(`${dtype}: every weight bit-equal to tf.io.decodeWeights, loss equal to the tfjs-loaded model's evaluate`, async () => {
      const m = net();
      const a = await artifacts(m);
      const q = quantize(a.weightSpecs!, new Float32Array(a.weightData as ArrayBuffer), dtype);
      const file = writeConverterLayout(path.join(tmp(), dtype), a, q.specs, q.bytes);
      const truth = tf.io.decodeWeights(q.bytes.slice().buffer, q.specs);
      const { ck, ev } = await losslensEval(file);
      expect(ck.quantized).toEqual([{ dtype, weights: 4 }]);
      for (const w of ck.weights) {
        const t = truth[w.spec.name];
        expect(Array.from(new Uint32Array(w.values.buffer))).toEqual(Array.from(new Uint32Array(((await t.data()) as Float32Array).buffer)));
      }
      tf.dispose(Object.values(truth));
      // tfjs's own loader on the same manifest and bytes
      const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: q.specs, weightData: q.bytes.slice().buffer }));
      loaded.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      expect(ev.loss).toBeCloseTo(await tfjsEval(loaded), 5);
      // and the dequantized model is close to the float32 original
      expect(ev.loss).toBeCloseTo(await tfjsEval(m), dtype === 'uint8' ? 1 : 3);
      loaded.dispose();
      m.dispose();
    });
  }

  it('float16: all 65 536 bit patterns decode bit for bit as tfjs decodes them', async () => {
    const h = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const t = tf.io.decodeWeights(h.buffer, [{ name: 'w', shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } }]);
    const want = new Uint32Array(((await t.w.data()) as Float32Array).buffer);
    t.w.dispose();
    const got = Uint32Array.from(h, (x) => halfToFloatBits(x));
    let bad = 0;
    for (let i = 0; i < 65536; i++) if (got[i] !== want[i]) bad++;
    expect(bad).toBe(0);
  });

  it('info notes the dequantization; malformed quantization is refused naming the weight and field', async () => {
    const m = net();
    const a = await artifacts(m);
    const q = quantize(a.weightSpecs!, new Float32Array(a.weightData as ArrayBuffer), 'uint8');
    const dir = path.join(tmp(), 'u8');
    writeConverterLayout(dir, a, q.specs, q.bytes);
    const info = await runCli(['info', '--model', dir, '--backend', 'cpu']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/weights stored quantized \(4 as uint8 \(affine: q·scale \+ min\)\) and dequantized to float32 as tfjs does/);
    expect(info.stdout).toMatch(/saved by keras v2\.5\.0 → TensorFlow\.js Converter v3\.6\.0/);
    // eval through the CLI gives the library's (tfjs-checked) loss on the dequantized weights
    const csv = path.join(dir, 'data.csv');
    fs.writeFileSync(
      csv,
      ['x1,x2,x3,x4,label', ...Array.from({ length: N }, (_, i) => [...X.subarray(i * 4, i * 4 + 4)].join(',') + ',' + Y[i])].join('\n') + '\n',
    );
    const ev = await runCli(['eval', '--model', dir, '--data', csv, '--backend', 'cpu', '--json', '--quiet', '--out', path.join(dir, 'ev')]);
    expect(ev.code, ev.stderr).toBe(0);
    const summary = JSON.parse(ev.stdout);
    expect(summary.loss).toBeCloseTo((await losslensEval(path.join(dir, 'model.json'))).ev.loss, 6);
    expect(summary.model.dequantized).toMatch(/uint8/);
    const bad = (quant: object, msg: RegExp) => {
      const specs = q.specs.map((s, i) => (i === 0 ? { ...s, quantization: quant } : s));
      const f = writeConverterLayout(path.join(tmp(), 'bad'), a, specs as tf.io.WeightsManifestEntry[], q.bytes);
      return expect(readCheckpoint(f)).rejects.toThrow(msg);
    };
    await bad(
      { dtype: 'int4', scale: 1, min: 0 },
      /weight dense\/kernel has "quantization": \{"dtype": "int4"\}; supported quantization dtypes: uint8, uint16, float16/,
    );
    await bad({ dtype: 'uint8', min: 0 }, /weight dense\/kernel: "quantization" uint8 needs a finite "scale"/);
    m.dispose();
  });
});

/** Keras 3 (keras.src) serializations of Input(4) → Dense(6, relu) → Dense(3, softmax). */
const DENSE = (name: string, units: number, activation: string, reg: unknown = null) => ({
  module: 'keras.layers',
  class_name: 'Dense',
  registered_name: null,
  name,
  config: {
    name,
    trainable: true,
    dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
    units,
    activation,
    use_bias: true,
    kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
    bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
    kernel_regularizer: reg,
    bias_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  },
  build_config: { input_shape: [null, units === 6 ? 4 : 6] },
});
const kt = (from: string, shape: number[]) => ({
  class_name: '__keras_tensor__',
  config: { shape: [null, ...shape], dtype: 'float32', keras_history: [from, 0, 0] },
});
const L2K3 = { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.002 }, registered_name: null };

function keras3Functional(flatEndpoints: boolean) {
  const input = {
    module: 'keras.layers',
    class_name: 'InputLayer',
    registered_name: null,
    name: 'input_layer',
    config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' },
    inbound_nodes: [],
  };
  return {
    module: 'keras',
    class_name: 'Functional',
    registered_name: 'Functional',
    config: {
      name: 'functional',
      trainable: true,
      layers: [
        input,
        { ...DENSE('dense', 6, 'relu', L2K3), inbound_nodes: [{ args: [kt('input_layer', [4])], kwargs: {} }] },
        { ...DENSE('dense_1', 3, 'softmax'), inbound_nodes: [{ args: [kt('dense', [6])], kwargs: {} }] },
      ],
      input_layers: flatEndpoints ? ['input_layer', 0, 0] : [['input_layer', 0, 0]],
      output_layers: flatEndpoints ? ['dense_1', 0, 0] : [['dense_1', 0, 0]],
    },
  };
}

function keras3Sequential(withInput: boolean) {
  const layers = [DENSE('dense', 6, 'relu', L2K3), DENSE('dense_1', 3, 'softmax')];
  const input = {
    module: 'keras.layers',
    class_name: 'InputLayer',
    registered_name: null,
    config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' },
  };
  return {
    module: 'keras',
    class_name: 'Sequential',
    registered_name: null,
    config: {
      name: 'sequential',
      trainable: true,
      dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
      layers: withInput ? [input, ...layers] : layers,
      ...(withInput ? {} : { build_input_shape: [null, 4] }),
    },
    build_config: { input_shape: [null, 4] },
  };
}

function writeKeras3(dir: string, topology: unknown, a: tf.io.ModelArtifacts): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
  const json = {
    format: 'layers-model',
    generatedBy: 'keras v3.3.3',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: { keras_version: '3.3.3', backend: 'tensorflow', model_config: topology, training_config: { loss: 'sparse_categorical_crossentropy' } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
  };
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('Keras 3 topologies', () => {
  const cases: [string, () => unknown][] = [
    ['Functional with nested input_layers', () => keras3Functional(false)],
    ["Functional with Keras 3's bare [name, 0, 0] endpoints", () => keras3Functional(true)],
    ['Sequential with an InputLayer batch_shape', () => keras3Sequential(true)],
    ['Sequential with only build_input_shape', () => keras3Sequential(false)],
  ];
  for (const [name, topo] of cases) {
    it(`${name}: loss = tfjs evaluate + the Keras 3 L2(0.002) penalty`, async () => {
      const m = net();
      const a = await artifacts(m);
      const file = writeKeras3(path.join(tmp(), 'k3'), topo(), a);
      const { ev } = await losslensEval(file);
      const k = m.getWeights()[0];
      const penalty = 0.002 * (await tf.sum(tf.square(k)).data())[0];
      expect(ev.loss).toBeCloseTo((await tfjsEval(m)) + penalty, 5);
      m.dispose();
    });
  }

  it('merge layers: Keras 3 nested {args: [[t1, t2]]} inbound nodes', async () => {
    const inp = tf.input({ shape: [4], name: 'input_layer' });
    const a1 = tf.layers.dense({ units: 3, name: 'a', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }).apply(inp) as tf.SymbolicTensor;
    const b1 = tf.layers.dense({ units: 3, name: 'b', kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }) }).apply(inp) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'add' }).apply([a1, b1]) as tf.SymbolicTensor;
    const out = tf.layers.activation({ activation: 'softmax', name: 'act' }).apply(sum) as tf.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const art = await artifacts(m);
    const d = (n: string) => ({ ...DENSE(n, 3, 'linear'), inbound_nodes: [{ args: [kt('input_layer', [4])], kwargs: {} }] });
    const topo = {
      module: 'keras',
      class_name: 'Functional',
      registered_name: 'Functional',
      config: {
        name: 'functional',
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            registered_name: null,
            name: 'input_layer',
            config: { batch_shape: [null, 4], dtype: 'float32', name: 'input_layer' },
            inbound_nodes: [],
          },
          d('a'),
          d('b'),
          {
            module: 'keras.layers',
            class_name: 'Add',
            registered_name: null,
            name: 'add',
            config: { name: 'add' },
            inbound_nodes: [{ args: [[kt('a', [3]), kt('b', [3])]], kwargs: {} }],
          },
          {
            module: 'keras.layers',
            class_name: 'Activation',
            registered_name: null,
            name: 'act',
            config: { name: 'act', activation: 'softmax' },
            inbound_nodes: [{ args: [kt('add', [3])], kwargs: {} }],
          },
        ],
        input_layers: ['input_layer', 0, 0],
        output_layers: ['act', 0, 0],
      },
    };
    const file = writeKeras3(path.join(tmp(), 'k3add'), topo, art);
    const { ev } = await losslensEval(file);
    expect(ev.loss).toBeCloseTo(await tfjsEval(m), 5);
    m.dispose();
  });

  it('a custom (registered) layer is refused naming module and registered_name', async () => {
    const m = net();
    const a = await artifacts(m);
    const topo = keras3Sequential(true);
    Object.assign(topo.config.layers[1], { module: 'my_project.layers', registered_name: 'my_project>FancyDense' });
    const file = writeKeras3(path.join(tmp(), 'custom'), topo, a);
    const err = await readCheckpoint(file)
      .then((ck) => loadModel(ck))
      .catch((e) => e);
    expect(err).toBeInstanceOf(LosslensError);
    expect(err.message).toMatch(/model\.json: layer "dense" is a custom layer \("module": "my_project\.layers", "registered_name": "my_project>FancyDense"\)/);
    m.dispose();
  });
});

describe('refusals say what the file is and what to do', () => {
  it('a GraphModel is named as such, with the conversion to use (library and CLI)', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(8));
    const json = {
      format: 'graph-model',
      generatedBy: '2.4.0',
      convertedBy: 'TensorFlow.js Converter v3.6.0',
      modelTopology: { node: [{ name: 'x', op: 'Placeholder', attr: {} }], library: {}, versions: { producer: 440 } },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'Const', shape: [2], dtype: 'int32' }] }],
    };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const err = await readCheckpoint(dir).catch((e) => e);
    expect(err).toBeInstanceOf(LosslensError);
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.message).toMatch(/model\.json: this is a GraphModel \("format": "graph-model"\).*--output_format tfjs_layers_model/);
    // a GraphDef topology without "format" is recognised too
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...json, format: undefined }));
    await expect(readCheckpoint(dir)).rejects.toThrow(/GraphModel \(modelTopology is a TensorFlow GraphDef\)/);
    const r = await runCli(['info', '--model', dir, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/GraphModel.*tensorflowjs_converter --input_format keras --output_format tfjs_layers_model/);
  });

  it('a folder without model.json lists the .json files it holds', async () => {
    const dir = tmp();
    for (const n of ['classifier-v2.json', 'metadata.json', 'weights.bin']) fs.writeFileSync(path.join(dir, n), '{}');
    const err = await readCheckpoint(dir).catch((e) => e);
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(
      /model\.json: model\.json not found in this folder; it holds 2 \.json files: .*classifier-v2\.json, .*metadata\.json; pass the model's \.json file itself to --model/,
    );
    const r = await runCli(['eval', '--model', dir, '--data', path.join(dir, 'x.csv'), '--backend', 'cpu', '--out', path.join(dir, 'o')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/classifier-v2\.json/);
  });

  it('a Keras .h5 file, a weights manifest and a bare Keras config are named with the remedy', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'model.h5'), 'HDF');
    await expect(readCheckpoint(path.join(dir, 'model.h5'))).rejects.toThrow(/this is a Keras \.h5 file, not a tfjs model\.json; .*tfjs_layers_model/);
    fs.writeFileSync(path.join(dir, 'weights_manifest.json'), JSON.stringify([{ paths: ['a'], weights: [] }]));
    await expect(readCheckpoint(path.join(dir, 'weights_manifest.json'))).rejects.toThrow(/this is a weights manifest/);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ class_name: 'Sequential', config: { layers: [] } }));
    await expect(readCheckpoint(path.join(dir, 'config.json'))).rejects.toThrow(/bare Keras model config \(model\.to_json\(\)\)/);
  });
});

describe('info and eval say what they know, and only that', () => {
  it('info on a checkpoint without a training config invents no loss; eval labels rows by the option the file came with', async () => {
    const m = net();
    const a = await artifacts(m);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    // tfjs-node model.save: no trainingConfig unless includeOptimizer
    fs.writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
        format: 'layers-model',
        generatedBy: 'TensorFlow.js tfjs-layers v1.3.2',
        convertedBy: null,
      }),
    );
    const info = await runCli(['info', '--model', dir, '--backend', 'cpu']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/loss unknown: the checkpoint has no training config \(pass --loss to the analyses\)/);
    expect(info.stdout).not.toMatch(/meanSquaredError/);
    const json = await runCli(['info', '--model', dir, '--backend', 'cpu', '--json']);
    const card = JSON.parse(json.stdout);
    expect(card.loss).toBeNull();
    expect(card.lossSource).toBe('none');
    const given = JSON.parse((await runCli(['info', '--model', dir, '--backend', 'cpu', '--json', '--loss', 'categoricalCrossentropy'])).stdout);
    expect([given.loss, given.lossSource]).toEqual(['categoricalCrossentropy', 'option']);
    const rows = ['x1,x2,x3,x4,label', ...Array.from({ length: N }, (_, i) => [...X.subarray(i * 4, i * 4 + 4)].join(',') + ',' + Y[i])];
    const csv = path.join(dir, 't10k.csv');
    fs.writeFileSync(csv, rows.join('\n') + '\n');
    const ev = await runCli([
      'eval',
      '--model',
      dir,
      '--data',
      csv,
      '--test-data',
      csv,
      '--loss',
      'sparseCategoricalCrossentropy',
      '--backend',
      'cpu',
      '--out',
      path.join(dir, 'o'),
      '--quiet',
    ]);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/^--data\s+\S*t10k\.csv/m);
    expect(ev.stdout).toMatch(/^--test-data\s+\S*t10k\.csv/m);
    expect(ev.stdout).not.toMatch(/^train\b/m);
    expect(ev.stdout).toMatch(/^objective: sparseCategoricalCrossentropy \(no regularizers in the checkpoint\)$/m);
    m.dispose();
  });
});

describe('Keras 3 fields tfjs-layers has no room for are refused by name', () => {
  it('Dense lora_rank and Conv2D groups', async () => {
    const m = net();
    const a = await artifacts(m);
    const topo = keras3Sequential(true);
    (topo.config.layers[1].config as any).lora_rank = 4;
    const err = await readCheckpoint(writeKeras3(path.join(tmp(), 'lora'), topo, a))
      .then((ck) => loadModel(ck))
      .catch((e) => e);
    expect(err.message).toMatch(/model\.json: layer "dense": "lora_rank": 4 \(LoRA-adapted weights\) is not supported/);
    const topo2 = keras3Sequential(true);
    (topo2.config.layers[1].config as any).groups = 2;
    const err2 = await readCheckpoint(writeKeras3(path.join(tmp(), 'groups'), topo2, a))
      .then((ck) => loadModel(ck))
      .catch((e) => e);
    expect(err2.message).toMatch(/"groups": 2 \(grouped convolution\)/);
    m.dispose();
  });
});

describe('a training config whose loss is a serialized Keras loss object', () => {
  const withLoss = async (loss: unknown) => {
    const m = net();
    const a = await artifacts(m);
    m.dispose();
    return { ...(await readCheckpoint(writeKeras3(path.join(tmp(), 'loss'), keras3Sequential(true), a))), trainingConfig: { loss } };
  };
  it('maps {class_name, config} to the loss it names (from_logits to the loss on logits); refuses label smoothing and Huber by name', async () => {
    expect(
      loadModel(
        await withLoss({
          class_name: 'SparseCategoricalCrossentropy',
          config: { reduction: 'auto', name: 'sparse_categorical_crossentropy', from_logits: false },
        }),
      ).loss,
    ).toBe('sparseCategoricalCrossentropy');
    expect(
      loadModel(
        await withLoss({
          module: 'keras.losses',
          class_name: 'CategoricalCrossentropy',
          config: { from_logits: false, label_smoothing: 0 },
          registered_name: null,
        }),
      ).loss,
    ).toBe('categoricalCrossentropy');
    expect(loadModel(await withLoss({ class_name: 'SparseCategoricalCrossentropy', config: { from_logits: true } })).loss).toBe(
      'sparseCategoricalCrossentropyFromLogits',
    );
    await expect(withLoss({ class_name: 'Huber', config: { delta: 1 } }).then(loadModel)).rejects.toThrow(/"Huber": Huber is not a tfjs-layers loss/);
    await expect(withLoss({ class_name: 'CategoricalCrossentropy', config: { label_smoothing: 0.1 } }).then(loadModel)).rejects.toThrow(
      /"label_smoothing": 0\.1/,
    );
    // info still describes the model, saying why its loss cannot be used
    const card = checkpointCard(await withLoss({ class_name: 'SparseCategoricalCrossentropy', config: { label_smoothing: 0.2 } }));
    expect([card.loss, card.lossSource]).toEqual([null, 'none']);
    expect(card.lossProblem).toMatch(/label_smoothing/);
    expect(card.trainableParams).toBe(4 * 6 + 6 + 6 * 3 + 3);
  });
});
