/**
 * Seeded data for the seq2seq encoder (shipped without any): a folder with one .npy per model input
 * and output, named as losslens names them (the input layer; an LSTM's return_state tensors as
 * "<layer>.1" (h) and "<layer>.2" (c)), the input shape read from model.json with its null time
 * dimension fixed at 12 steps. Mechanics only: random sequences and random state targets under MSE.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Reference } from './cases.js';

const N = 64,
  STEPS = 12;

function seeded(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => scale * (2 * ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 1));
}

/** A float32 .npy (format 1.0). */
export function writeNpy(file: string, values: Float32Array, shape: number[]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head.writeUInt8(1, 6);
  head.writeUInt8(0, 7);
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

export function seq2seqData(dir: string, model: string): { data: string[]; reference: Reference } {
  const json = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
  const topo = json.modelTopology.model_config ?? json.modelTopology;
  const layers: any[] = topo.config.layers;
  const [inName] = topo.config.input_layers[0] as [string];
  const inLayer = layers.find((l) => l.config.name === inName)!;
  const features = inLayer.config.batch_input_shape.at(-1) as number;
  const outs = (topo.config.output_layers as Array<[string, number, number]>).map(([name, , k]) => ({
    name,
    k,
    units: layers.find((l) => l.config.name === name)!.config.units as number,
  }));
  fs.mkdirSync(dir, { recursive: true });
  const x = seeded(N * STEPS * features, 1, 1);
  writeNpy(path.join(dir, `${inName}.npy`), x, [N, STEPS, features]);
  const targets = outs.map((o, i) => ({ values: seeded(N * o.units, 2 + i, 0.5), shape: [N, o.units] }));
  outs.forEach((o, i) => writeNpy(path.join(dir, `${o.k === 0 ? o.name : `${o.name}.${o.k}`}.npy`), targets[i]!.values, targets[i]!.shape));
  return { data: ['--data', dir], reference: { inputs: [{ values: x, shape: [N, STEPS, features] }], targets, losses: outs.map(() => 'meanSquaredError') } };
}
