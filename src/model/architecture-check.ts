/**
 * A parsed architecture checked the way tfjs' own loadLayersModel would refuse it, before any
 * tensor exists: layer configs against their weights (units, filters, kernel size, bias shape,
 * BatchNorm epsilon and channel count), per-sample shapes propagated layer by layer (a
 * 3-channel input to a 1-channel conv, a pool larger than its input, a Reshape of the wrong
 * size), and bounds on the activations one sample needs. Every fault names the file and layer.
 */
import { inputError } from '../errors.js';
import type { Checkpoint } from '../io/types.js';
import type { Architecture, LayerNode } from './architecture.js';
import { cfg, layerOp } from './layer-ops.js';
import { checkConvGeometry } from './conv-geometry.js';
import { readConfig } from '../config.js';
import { stateTensors, tensorKey } from './model-endpoints.js';

/** Most activation values one sample may need across all layers (2^25 ≈ 33M, 128 MiB float32). */
export function maxActivationsPerSample(): number {
  return readConfig().maxActivations;
}

type Fault = (problem: string) => Error;
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
const posInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
const fmt = (s: readonly unknown[]) => `[${s.join(', ')}]`;

/** Throw the first inconsistency as an input error naming `ckpt.path`; returns each layer's per-sample output shape. */
export function checkArchitecture(arch: Architecture, ckpt: Checkpoint): Map<string, number[]> {
  const file = ckpt.path;
  const names = checkUniqueNames(arch.nodes, file);
  checkOutputRef(ckpt, names, file);
  const inputs = arch.inputs ?? [{ key: '', shape: arch.inputShape }]; // several inputs: model-io.ts
  for (const i of inputs) if (!i.shape.every(posInt)) throw inputError(file, `input shape ${fmt(i.shape)} must hold positive integers`);
  const shapes = new Map<string, number[]>(inputs.map((i) => [i.key, i.shape]));
  let total = inputs.reduce((s, i) => s + prod(i.shape), 0);
  const max = maxActivationsPerSample();
  for (const node of arch.nodes) {
    const fault: Fault = (p) => inputError(file, `layer "${node.name}" (${node.className}): ${p}`);
    checkConvGeometry(node, shapes.get(node.inputs[0] ?? ''), fault);
    const out = outputShape(
      node,
      node.inputs.map((i) => shapes.get(i)!),
      fault,
    );
    total += prod(out);
    if (total > max) {
      throw inputError(
        file,
        `one sample needs more than ${max.toLocaleString('en')} activation values (at layer "${node.name}", output ${fmt(out)}); losslens refuses models this large (set LOSSLENS_MAX_ACTIVATIONS to raise the limit on a machine with the memory)`,
      );
    }
    shapes.set(node.name, out);
    // return_state's h (and c) are [units] each, readable as another layer's initial state
    for (let k = 1; k <= stateTensors(node.className, node.config); k++) shapes.set(tensorKey(node.name, k), [out[out.length - 1]!]);
  }
  return shapes;
}

/** Refuse two layers of one name (references to either would be ambiguous); returns the names. */
export function checkUniqueNames(nodes: { name: string }[], file: string): Set<string> {
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.name)) throw inputError(file, `two layers are both named "${n.name}"; layer names must be unique`);
    names.add(n.name);
  }
  return names;
}

function checkOutputRef(ckpt: Checkpoint, names: Set<string>, file: string): void {
  const topo = ckpt.modelTopology?.model_config ?? ckpt.modelTopology;
  const outs = topo?.config?.output_layers;
  if (topo?.class_name === 'Sequential' || !Array.isArray(outs)) return;
  // Keras 3 writes a single output as a bare [name, node, tensor] rather than a list of them
  const entries: unknown[] = typeof outs[0] === 'string' ? [outs] : outs;
  for (const o of entries) {
    const name = Array.isArray(o) ? o[0] : o;
    if (!names.has(String(name))) throw inputError(file, `output_layers names unknown layer "${String(name)}"`);
    if (Array.isArray(o) && ((o[1] ?? 0) !== 0 || (o[2] ?? 0) !== 0))
      throw inputError(file, `output_layers entry ${JSON.stringify(o)}: node and tensor index must be 0 (shared layers are not supported)`);
  }
  for (const l of topo.config.layers ?? []) {
    for (const node of l.inbound_nodes ?? []) {
      if (!Array.isArray(node)) continue; // Keras 3 keeps references in keras_history
      for (const e of node) {
        if (Array.isArray(e) && ((e[1] ?? 0) !== 0 || (e[2] ?? 0) !== 0)) {
          throw inputError(
            file,
            `layer "${l.config?.name ?? l.name}" takes input ${JSON.stringify(e.slice(0, 3))}: node and tensor index must be 0 (the model has no shared layers)`,
          );
        }
      }
    }
  }
}

function weightShape(node: LayerNode, param: string): number[] | undefined {
  return node.weights.find((w) => w.param === param)?.shape;
}

function pair(v: unknown, what: string, fault: Fault): [number, number] {
  const p = Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];
  if (!p.every(posInt) || (Array.isArray(v) && v.length > 2)) throw fault(`${what} ${JSON.stringify(v)} must be one or two positive integers`);
  return p as [number, number];
}

function window(size: number, k: number, s: number, pad: string, what: string, fault: Fault): number {
  if (pad === 'same') return Math.ceil(size / s);
  const out = Math.floor((size - k) / s) + 1;
  if (out < 1) throw fault(`${what} ${k} is larger than its input (${size}) with padding "valid"`);
  return out;
}

/** One layer's per-sample output shape (exported for TimeDistributed, which applies it per step). */
export function outputShape(node: LayerNode, ins: number[][], fault: Fault): number[] {
  const c = node.config;
  const x = ins[0];
  switch (node.className) {
    case 'Dense':
      return dense(node, x, fault);
    case 'Conv2D':
      return conv(node, x, fault);
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      if (x.length !== 3) throw fault(`needs [height, width, channels] input, got ${fmt(x)}`);
      const k = pair(cfg(c, 'pool_size', 2), 'pool_size', fault);
      const s = pair(cfg(c, 'strides', k), 'strides', fault);
      const pad = cfg(c, 'padding', 'valid');
      return [window(x[0], k[0], s[0], pad, 'pool size', fault), window(x[1], k[1], s[1], pad, 'pool size', fault), x[2]];
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      if (x.length !== 3) throw fault(`needs [height, width, channels] input, got ${fmt(x)}`);
      return [x[2]];
    case 'Flatten':
      return [prod(x)];
    case 'Reshape': {
      const t = cfg<unknown>(c, 'target_shape', null);
      if (!Array.isArray(t) || !t.every((d) => posInt(d) || d === -1) || t.filter((d) => d === -1).length > 1)
        throw fault(`target_shape ${JSON.stringify(t)} must be positive integers (at most one -1)`);
      const known = prod(t.filter((d) => d !== -1));
      const free = prod(x) / known;
      if (!Number.isInteger(free) || (!t.includes(-1) && known !== prod(x)))
        throw fault(`cannot reshape ${prod(x)} values ${fmt(x)} into ${JSON.stringify(t)}`);
      return t.map((d) => (d === -1 ? free : d));
    }
    case 'BatchNormalization':
      return batchNorm(node, x, fault);
    case 'LeakyReLU':
    case 'ELU':
      if (!Number.isFinite(cfg(c, 'alpha', 1))) throw fault(`alpha ${cfg(c, 'alpha', 1)} is not a finite number`);
      return x;
    case 'Add':
    case 'Subtract':
    case 'Multiply':
    case 'Average': {
      if (node.className === 'Subtract' && ins.length !== 2) throw fault(`takes exactly 2 inputs, got ${ins.length}`);
      for (const s of ins) if (fmt(s) !== fmt(x)) throw fault(`inputs have different shapes ${ins.map(fmt).join(' and ')}`);
      return x;
    }
    case 'Concatenate': {
      const a0 = cfg(c, 'axis', -1);
      const ax = a0 < 0 ? x.length + 1 + a0 : a0; // axis counts the batch axis
      if (!Number.isInteger(ax) || ax < 1 || ax > x.length) throw fault(`axis ${a0} is outside the inputs' ${x.length + 1} axes`);
      for (const s of ins) {
        if (s.length !== x.length || s.some((d, i) => i !== ax - 1 && d !== x[i]))
          throw fault(`inputs ${ins.map(fmt).join(' and ')} differ off the concatenation axis`);
      }
      return x.map((d, i) => (i === ax - 1 ? ins.reduce((a, s) => a + s[i], 0) : d));
    }
    default: {
      // a layer family's own rule (src/model/layers/), else shape-preserving (InputLayer, Dropout, activations)
      const op = layerOp(node.className);
      return op?.outputShape
        ? op.outputShape(ins, { config: c, weightShape: (p) => weightShape(node, p), fault, innerShape: (n, i, f) => outputShape(n as LayerNode, i, f) })
        : x;
    }
  }
}

function dense(node: LayerNode, x: number[], fault: Fault): number[] {
  const k = weightShape(node, 'kernel')!;
  if (k.length !== 2) throw fault(`kernel has shape ${fmt(k)}; a Dense kernel is [inputs, units]`);
  const units = cfg<unknown>(node.config, 'units', k[1]);
  if (!posInt(units)) throw fault(`units ${JSON.stringify(units)} must be a positive integer`);
  if (units !== k[1]) throw fault(`units ${units} does not match its kernel ${fmt(k)} (${k[1]} units)`);
  if (x.length < 1 || x[x.length - 1] !== k[0]) throw fault(`kernel ${fmt(k)} expects ${k[0]} inputs but the layer receives ${fmt(x)}`);
  checkBias(node, k[1], fault);
  return [...x.slice(0, -1), k[1]];
}

function conv(node: LayerNode, x: number[], fault: Fault): number[] {
  const c = node.config;
  const k = weightShape(node, 'kernel')!;
  if (k.length !== 4) throw fault(`kernel has shape ${fmt(k)}; a Conv2D kernel is [height, width, in channels, filters]`);
  if (x.length !== 3) throw fault(`needs [height, width, channels] input, got ${fmt(x)}`);
  const filters = cfg<unknown>(c, 'filters', k[3]);
  if (!posInt(filters) || filters !== k[3]) throw fault(`filters ${JSON.stringify(filters)} does not match its kernel ${fmt(k)} (${k[3]} filters)`);
  const ks = pair(cfg(c, 'kernel_size', [k[0], k[1]]), 'kernel_size', fault);
  if (ks[0] !== k[0] || ks[1] !== k[1]) throw fault(`kernel_size ${fmt(ks)} does not match its kernel ${fmt(k)}`);
  if (x[2] !== k[2]) throw fault(`input has ${x[2]} channels ${fmt(x)} but the kernel ${fmt(k)} expects ${k[2]}`);
  const s = pair(cfg(c, 'strides', 1), 'strides', fault);
  const d = pair(cfg(c, 'dilation_rate', 1), 'dilation_rate', fault);
  if ((s[0] > 1 || s[1] > 1) && (d[0] > 1 || d[1] > 1)) throw fault('strides > 1 together with dilation_rate > 1 are not supported (tfjs refuses them)');
  const pad = cfg(c, 'padding', 'valid');
  checkBias(node, k[3], fault);
  return [window(x[0], (k[0] - 1) * d[0] + 1, s[0], pad, 'kernel', fault), window(x[1], (k[1] - 1) * d[1] + 1, s[1], pad, 'kernel', fault), k[3]];
}

function checkBias(node: LayerNode, n: number, fault: Fault): void {
  const b = weightShape(node, 'bias');
  if (b && (b.length !== 1 || b[0] !== n)) throw fault(`bias has shape ${fmt(b)}; it must be [${n}]`);
}

function batchNorm(node: LayerNode, x: number[], fault: Fault): number[] {
  const eps = cfg<unknown>(node.config, 'epsilon', 1e-3);
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) throw fault(`epsilon ${JSON.stringify(eps)} must be a finite number > 0`);
  let axis = cfg<number | number[]>(node.config, 'axis', -1);
  axis = Array.isArray(axis) ? axis[0] : axis;
  const ax = axis < 0 ? x.length + 1 + axis : axis;
  if (!Number.isInteger(ax) || ax < 1 || ax > x.length) throw fault(`axis ${axis} is outside the input's ${x.length + 1} axes`);
  const ch = x[ax - 1];
  for (const w of node.weights)
    if (w.shape.length !== 1 || w.shape[0] !== ch) throw fault(`${w.param} has shape ${fmt(w.shape)}; it must be [${ch}] (the input's channels)`);
  return x;
}
