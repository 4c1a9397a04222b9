/**
 * The geometry of a Conv2D or 2-D pooling layer checked against what tfjs-layers and tfjs-core
 * accept (positive integer kernel sizes, strides and dilations; padding "same" or "valid"; strides
 * and dilations not both above 1; an output extent ≥ 1) and against our own bounds, before any
 * tensor exists: no value above GEOMETRY_MAX (the native kernels index in 32-bit ints), and no
 * window — a kernel spread by its dilation, or a pool — more than twice as wide as its input under
 * padding "same", where all but a few of its taps would read padding and the padding would grow
 * with the window rather than with the data (dilation 1000 on a 12-pixel input asked for 2000
 * pixels of padding a side). A plain kernel is bounded by its weights and is not held to that.
 */
import { cfg } from './layer-op.js';
import type { LayerNode } from './architecture.js';

/** The largest kernel size, stride, dilation or pool size a checkpoint may declare (2^30). */
export const GEOMETRY_MAX = 2 ** 30;

type Fault = (problem: string) => Error;
const fmt = (v: unknown) => JSON.stringify(v);

/** One or two integers in [1, GEOMETRY_MAX] (a number stands for both axes, as in tfjs-layers). */
function pair(v: unknown, field: string, fault: Fault): [number, number] {
  const p = Array.isArray(v) ? v : [v, v];
  if (p.length < 1 || p.length > 2 || !p.every((d) => Number.isSafeInteger(d) && (d as number) >= 1))
    throw fault(`${field} ${fmt(v)} must be one or two positive integers`);
  const [a, b = a] = p as number[];
  if (a! > GEOMETRY_MAX || b > GEOMETRY_MAX) throw fault(`${field} ${fmt(v)} exceeds ${GEOMETRY_MAX} (2^30), the most the native kernels index`);
  return [a!, b];
}

function padding(config: unknown, fault: Fault): 'same' | 'valid' {
  const p = cfg<unknown>(config, 'padding', 'valid');
  if (p !== 'same' && p !== 'valid') throw fault(`padding ${fmt(p)} must be "same" or "valid"`);
  return p;
}

/** A window of `span` pixels over `size` under padding "same", refused when it is mostly padding ("valid": architecture-check's output extent ≥ 1). */
function window(size: number, span: number, pad: 'same' | 'valid', what: string, fault: Fault): void {
  if (pad === 'same' && span > 2 * size)
    throw fault(
      `${what} spans ${span} pixels, more than twice its input's ${size} with padding "same" (at most ${2 * size}: beyond that it reads only padding)`,
    );
}

/** Conv2D: strides, dilation_rate and padding against its kernel [kh, kw, ci, co] and input [h, w, c]. */
function conv(node: LayerNode, x: number[], fault: Fault): void {
  const c = node.config;
  const s = pair(cfg(c, 'strides', 1), 'strides', fault);
  const d = pair(cfg(c, 'dilation_rate', 1), 'dilation_rate', fault);
  if ((s[0] > 1 || s[1] > 1) && (d[0] > 1 || d[1] > 1)) throw fault('strides > 1 together with dilation_rate > 1 are not supported (tfjs refuses them)');
  const pad = padding(c, fault);
  const k = node.weights.find((w) => w.param === 'kernel')?.shape;
  if (!k || k.length !== 4 || x.length !== 3) return; // architecture-check names these faults
  for (const axis of [0, 1]) {
    if (d[axis]! === 1) continue;
    const span = (k[axis]! - 1) * d[axis]! + 1;
    window(x[axis]!, span, pad, `the ${k[0]}×${k[1]} kernel with dilation_rate ${fmt(cfg(c, 'dilation_rate', 1))}`, fault);
  }
}

/** MaxPooling2D / AveragePooling2D: pool_size, strides (pool_size by default) and padding against the input [h, w, c]. */
function pool(node: LayerNode, x: number[], fault: Fault): void {
  const c = node.config;
  const k = pair(cfg(c, 'pool_size', 2), 'pool_size', fault);
  pair(cfg(c, 'strides', k), 'strides', fault);
  const pad = padding(c, fault);
  if (x.length !== 3) return;
  for (const axis of [0, 1]) window(x[axis]!, k[axis]!, pad, `pool_size ${fmt(cfg(c, 'pool_size', 2))}`, fault);
}

/**
 * Throw, through `fault` (which names the file and layer), the first geometry of a Conv2D or 2-D
 * pooling layer that tfjs would refuse or that our kernels cannot index; other layers pass.
 * `x`: the layer's per-sample input shape.
 */
export function checkConvGeometry(node: LayerNode, x: number[] | undefined, fault: Fault): void {
  if (!x) return;
  if (node.className === 'Conv2D') conv(node, x, fault);
  else if (node.className === 'MaxPooling2D' || node.className === 'AveragePooling2D') pool(node, x, fault);
}
