/**
 * Config fields of the depthwise, separable and 1-D conv and pooling layers, read and checked the
 * way tfjs-layers reads them (a number stands for every axis; padding "same" or "valid"; only
 * channels_last), refusing through `fault` (which names the file and the layer) what tfjs-layers
 * would refuse or what our kernels cannot index, before any tensor exists.
 */
import { ACTIVATION_NAMES, canonicalActivation } from '../activations.js';
import { GEOMETRY_MAX } from '../conv-geometry.js';
import { cfg } from '../layer-op.js';

export type Fault = (problem: string) => Error;
const json = (v: unknown) => JSON.stringify(v);

/** `n` positive integers from one number or a list of 1..n of them (a single entry stands for all axes). */
export function positiveInts(v: unknown, n: 1 | 2, field: string, fault: Fault): number[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length < 1 || list.length > n || !list.every((d) => Number.isSafeInteger(d) && (d as number) >= 1)) {
    throw fault(`${field} ${json(v)} must be ${n === 1 ? 'one positive integer' : 'one or two positive integers'}`);
  }
  if (list.some((d) => (d as number) > GEOMETRY_MAX)) throw fault(`${field} ${json(v)} exceeds ${GEOMETRY_MAX} (2^30), the most the native kernels index`);
  return Array.from({ length: n }, (_, i) => (list[i] ?? list[0]) as number);
}

/** padding "same" or "valid"; `why` explains any other value that tfjs-layers accepts but cannot run (causal). */
export function paddingOf(config: unknown, fault: Fault, why: Record<string, string> = {}): 'same' | 'valid' {
  const p = cfg<unknown>(config, 'padding', 'valid');
  if (p === 'same' || p === 'valid') return p;
  throw fault(`padding ${json(p)} is not supported${typeof p === 'string' && Object.hasOwn(why, p) ? ` (${why[p]})` : ''}; only "same" or "valid"`);
}

/** Refuse a data_format other than channels_last. */
export function channelsLastOnly(config: unknown, fault: Fault): void {
  const f = cfg<unknown>(config, 'data_format', 'channels_last');
  if (f !== 'channels_last' && f !== 'channelsLast')
    throw fault(`"data_format": ${json(f)} is not supported; only channels_last (convert the model to channels_last before saving)`);
}

/** Refuse an activation losslens has no twice-differentiable form of. */
export function checkActivation(config: unknown, fault: Fault): void {
  const a = canonicalActivation(cfg(config, 'activation', 'linear'));
  if (!ACTIVATION_NAMES.includes(a)) throw fault(`activation ${json(a)} is not supported; supported: ${ACTIVATION_NAMES.join(', ')}`);
}

/**
 * The output extent of a window of `span` inputs (a kernel spread by its dilation, or a pool) at
 * stride `s` over `size` inputs, as tfjs computes it; refused where "valid" leaves no output, or
 * where a dilated kernel or pool under "same" is more than twice its input (conv-geometry.ts's rule).
 */
export function windowOut(size: number, span: number, s: number, pad: 'same' | 'valid', what: string, fault: Fault, bounded = true): number {
  if (pad === 'same') {
    if (bounded && span > 2 * size)
      throw fault(
        `${what} spans ${span} inputs, more than twice its input's ${size} with padding "same" (at most ${2 * size}: beyond that it reads only padding)`,
      );
    return Math.ceil(size / s);
  }
  const out = Math.floor((size - span) / s) + 1;
  if (out < 1) throw fault(`${what} (${span} wide) is larger than its input (${size}) with padding "valid"`);
  return out;
}

/** strides and dilation_rate not both above 1 (tfjs refuses them). */
export function stridesOrDilation(s: number[], d: number[], fault: Fault): void {
  if (s.some((v) => v > 1) && d.some((v) => v > 1)) throw fault('strides > 1 together with dilation_rate > 1 are not supported (tfjs refuses them)');
}

/** A bias weight, where present, of shape [n]. */
export function checkBias(shape: number[] | undefined, n: number, fault: Fault): void {
  if (shape && (shape.length !== 1 || shape[0] !== n)) throw fault(`bias has shape ${json(shape)}; it must be [${n}]`);
}
