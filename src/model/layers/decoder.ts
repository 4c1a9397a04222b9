/**
 * Decoder layers as tfjs-layers 4.x runs them: Conv2DTranspose (tf.conv2dTranspose with the
 * output size of tfjs-layers' deconvLength, kernel [h, w, filters, in], bias, activation),
 * UpSampling2D (resizeNearestNeighbor / resizeBilinear to size × the input, alignCorners and
 * halfPixelCenters off as tfjs-layers calls them — Keras/TF 2's bilinear uses half-pixel centers,
 * tfjs-layers does not) and Cropping2D (a slice). Channels-last only. Config fields tfjs-layers
 * 4.x silently ignores (Conv2DTranspose's output_padding and dilation_rate) are refused, since
 * the checkpoint would mean something other than what tfjs computes.
 */
import tf from '../../tf.cjs';
import { ACTIVATION_NAMES, activationFn, canonicalActivation } from '../activations.js';
import { cfg, type LayerOp, type ParamDecl, type ShapeContext } from '../layer-op.js';

const fmt = (s: unknown) => JSON.stringify(s);
/** conv-geometry.ts' GEOMETRY_MAX (2^30, what the native kernels index), restated: that module imports the layer registry. */
const GEOMETRY_MAX = 2 ** 30;
const posInt = (v: unknown, max = GEOMETRY_MAX) => Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= max;

/** One or two integers in [1, 2^30] (a number stands for both axes). */
function pair(v: unknown, field: string, ctx: ShapeContext): [number, number] {
  const p = Array.isArray(v) ? v : [v, v];
  if (p.length < 1 || p.length > 2 || !p.every((d) => posInt(d))) throw ctx.fault(`${field} ${fmt(v)} must be one or two integers in [1, ${GEOMETRY_MAX}]`);
  return [p[0] as number, (p[1] ?? p[0]) as number];
}

function channelsLast(ctx: ShapeContext): void {
  const f = cfg<unknown>(ctx.config, 'data_format', 'channels_last');
  if (f !== 'channels_last' && f !== 'channelsLast') throw ctx.fault(`"data_format": ${fmt(f)} is not supported; only channels_last`);
}

function image(x: number[], ctx: ShapeContext): [number, number, number] {
  if (x.length !== 3) throw ctx.fault(`needs [height, width, channels] input, got ${fmt(x)}`);
  return x as [number, number, number];
}

/** tfjs-layers' deconvLength: the transposed conv's output extent along one axis. */
export function deconvLength(size: number, stride: number, kernel: number, pad: 'same' | 'valid'): number {
  return pad === 'valid' ? size * stride + Math.max(kernel - stride, 0) : size * stride;
}

const transposeParams = (config: any): ParamDecl[] => [
  { param: 'kernel', role: 'kernel', trainable: true, filterAxis: 2 }, // [h, w, filters, in]: axis 2 is the output unit
  ...(cfg(config, 'use_bias', true) ? [{ param: 'bias', role: 'bias' as const, trainable: true, filterAxis: null }] : []),
];

/** The fields that choose what a Conv2DTranspose computes: padding (returned), dilation_rate, output_padding, activation. */
function transposeFields(ctx: ShapeContext): 'same' | 'valid' {
  const c = ctx.config;
  const pad = cfg<unknown>(c, 'padding', 'valid');
  if (pad !== 'same' && pad !== 'valid') throw ctx.fault(`padding ${fmt(pad)} must be "same" or "valid" (tfjs-layers refuses others)`);
  const d = pair(cfg(c, 'dilation_rate', 1), 'dilation_rate', ctx);
  if (d[0] !== 1 || d[1] !== 1)
    throw ctx.fault(
      `dilation_rate ${fmt(cfg(c, 'dilation_rate', 1))}: tfjs-layers 4.x ignores a Conv2DTranspose's dilation (it would compute an undilated transpose), so the checkpoint cannot be run as saved`,
    );
  const op = cfg<unknown>(c, 'output_padding', null);
  if (op !== null)
    throw ctx.fault(
      `output_padding ${fmt(op)}: tfjs-layers 4.x ignores output_padding (its output would be a different size), so the checkpoint cannot be run as saved`,
    );
  const act = canonicalActivation(cfg(c, 'activation', 'linear'));
  if (!ACTIVATION_NAMES.includes(act)) throw ctx.fault(`activation ${fmt(act)} is not supported; supported: ${ACTIVATION_NAMES.join(', ')}`);
  return pad;
}

function transposeShape([x]: number[][], ctx: ShapeContext): number[] {
  const c = ctx.config,
    [h, w, ci] = image(x!, ctx);
  channelsLast(ctx);
  const k = ctx.weightShape('kernel');
  if (!k || k.length !== 4) throw ctx.fault(`kernel has shape ${fmt(k)}; a Conv2DTranspose kernel is [height, width, filters, in channels]`);
  const filters = cfg<unknown>(c, 'filters', k[2]);
  if (filters !== k[2]) throw ctx.fault(`filters ${fmt(filters)} does not match its kernel ${fmt(k)} (${k[2]} filters)`);
  const ks = pair(cfg(c, 'kernel_size', [k[0], k[1]]), 'kernel_size', ctx);
  if (ks[0] !== k[0] || ks[1] !== k[1]) throw ctx.fault(`kernel_size ${fmt(ks)} does not match its kernel ${fmt(k)}`);
  if (ci !== k[3]) throw ctx.fault(`input has ${ci} channels ${fmt(x)} but the kernel ${fmt(k)} expects ${k[3]}`);
  const s = pair(cfg(c, 'strides', 1), 'strides', ctx);
  const pad = transposeFields(ctx);
  const b = ctx.weightShape('bias');
  if (b && (b.length !== 1 || b[0] !== k[2])) throw ctx.fault(`bias has shape ${fmt(b)}; it must be [${k[2]}]`);
  return [deconvLength(h, s[0], k[0], pad), deconvLength(w, s[1], k[1], pad), k[2]];
}

function transposeForward(x: tf.Tensor, w: Record<string, tf.Tensor>, config: any, where: string): tf.Tensor {
  const k = w.kernel as tf.Tensor4D,
    [, h, wd] = x.shape as number[];
  const s = cfg<number | number[]>(config, 'strides', 1),
    strides: [number, number] = Array.isArray(s) ? [s[0]!, s[1] ?? s[0]!] : [s, s];
  const pad = cfg<'same' | 'valid'>(config, 'padding', 'valid');
  const out: [number, number, number, number] = [
    x.shape[0]!,
    deconvLength(h!, strides[0], k.shape[0], pad),
    deconvLength(wd!, strides[1], k.shape[1], pad),
    k.shape[2],
  ];
  let y: tf.Tensor = tf.conv2dTranspose(x as tf.Tensor4D, k, out, strides, pad);
  if (w.bias) y = tf.add(y, w.bias);
  return activationFn(cfg(config, 'activation', 'linear'), where)(y);
}

/** UpSampling2D's size: [rows, cols] (tfjs-layers reads size[0] and size[1]; a bare number would give NaN there). */
function upSize(config: any): [number, number] {
  const s = cfg<number[]>(config, 'size', [2, 2]);
  return [s[0]!, s[1]!];
}

function upShape([x]: number[][], ctx: ShapeContext): number[] {
  const [h, w, c] = image(x!, ctx);
  channelsLast(ctx);
  const s = cfg<unknown>(ctx.config, 'size', [2, 2]);
  if (!Array.isArray(s) || s.length !== 2 || !s.every((d) => posInt(d)))
    throw ctx.fault(`size ${fmt(s)} must be two integers in [1, ${GEOMETRY_MAX}] (tfjs-layers reads size as [rows, cols])`);
  const interp = cfg<unknown>(ctx.config, 'interpolation', 'nearest');
  if (interp !== 'nearest' && interp !== 'bilinear')
    throw ctx.fault(`interpolation ${fmt(interp)} is not supported by tfjs-layers 4.x (only "nearest", "bilinear")`);
  return [h * s[0], w * s[1], c];
}

function upForward(x: tf.Tensor, config: any): tf.Tensor {
  const [sh, sw] = upSize(config),
    size: [number, number] = [x.shape[1]! * sh, x.shape[2]! * sw];
  const x4 = x as tf.Tensor4D;
  return cfg<string>(config, 'interpolation', 'nearest') === 'bilinear' ? tf.image.resizeBilinear(x4, size) : tf.image.resizeNearestNeighbor(x4, size);
}

/** Cropping2D's [[top, bottom], [left, right]] from its three forms (n; [h, w]; [[t, b], [l, r]]), or null when malformed. */
export function croppingOf(v: unknown): [[number, number], [number, number]] | null {
  const ok = (d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0;
  if (ok(v))
    return [
      [v as number, v as number],
      [v as number, v as number],
    ];
  if (!Array.isArray(v) || v.length !== 2) return null;
  if (ok(v[0]) && ok(v[1]))
    return [
      [v[0], v[0]],
      [v[1], v[1]],
    ];
  const p = v.map((e) => (Array.isArray(e) && e.length === 2 && e.every(ok) ? (e as [number, number]) : null));
  return p[0] && p[1] ? [p[0], p[1]] : null;
}

function cropShape([x]: number[][], ctx: ShapeContext): number[] {
  const [h, w, c] = image(x!, ctx);
  channelsLast(ctx);
  const raw = cfg<unknown>(ctx.config, 'cropping', [
    [0, 0],
    [0, 0],
  ]);
  const cr = croppingOf(raw);
  if (!cr) throw ctx.fault(`cropping ${fmt(raw)} must be n, [rows, cols] or [[top, bottom], [left, right]] of non-negative integers`);
  const oh = h - cr[0][0] - cr[0][1],
    ow = w - cr[1][0] - cr[1][1];
  if (oh < 1 || ow < 1) throw ctx.fault(`cropping ${fmt(raw)} leaves nothing of its ${h}×${w} input`);
  return [oh, ow, c];
}

function cropForward(x: tf.Tensor, config: any): tf.Tensor {
  const [[t, b], [l, r]] = croppingOf(
    cfg(config, 'cropping', [
      [0, 0],
      [0, 0],
    ]),
  )!;
  const [n, h, w, c] = x.shape as number[];
  return tf.slice(x, [0, t, l, 0], [n!, h! - t - b, w! - l - r, c!]);
}

export const DECODER_LAYERS = {
  Conv2DTranspose: { params: transposeParams, forward: ([x], w, c, where) => transposeForward(x!, w, c, where), outputShape: transposeShape },
  UpSampling2D: { params: () => [], forward: ([x], _w, c) => upForward(x!, c), outputShape: upShape },
  Cropping2D: { params: () => [], forward: ([x], _w, c) => cropForward(x!, c), outputShape: cropShape },
} satisfies Record<string, LayerOp>;
