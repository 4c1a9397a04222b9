/**
 * Bidirectional and TimeDistributed as tfjs-layers runs them. Bidirectional runs its recurrent
 * layer forwards and a copy with go_backwards flipped, reverses the backward sequence back when
 * return_sequences, and merges (concat, sum, mul, ave; merge_mode null is two outputs, refused);
 * its weights are the forward layer's then the backward layer's, named forward_<layer>/… and
 * backward_<layer>/… in the manifest. TimeDistributed applies its layer to every step at once
 * (steps folded into the batch: the same values as tfjs' step-by-step loop).
 */
import tf from '../../tf.cjs';
import { unsupportedError } from '../../errors.js';
import { cfg, type LayerOp, type ParamDecl, type ShapeContext } from '../layer-op.js';
import { RECURRENT_LAYERS, runRecurrent } from './recurrent.js';
import type { CellKind } from './recurrent-cells.js';

/** The layer table's lookup, set by layer-ops.ts (which holds this file's ops in its table) so that this file does not import it back. */
let lookupLayer: (className: unknown) => LayerOp | undefined = () => undefined;
export function setInnerLayerLookup(lookup: (className: unknown) => LayerOp | undefined): void {
  lookupLayer = lookup;
}

const MERGES = ['concat', 'sum', 'mul', 'ave'];

/** The wrapped layer's class and config. */
function inner(config: any): { cls: string; config: any; name: string } {
  const l = config?.layer;
  const cls = typeof l?.class_name === 'string' ? l.class_name : typeof l?.className === 'string' ? l.className : '';
  return { cls, config: l?.config ?? {}, name: String(l?.config?.name ?? cls.toLowerCase()) };
}

function recurrentInner(config: any, where: string): { kind: CellKind; config: any; name: string } {
  const i = inner(config);
  if (!Object.hasOwn(RECURRENT_LAYERS, i.cls))
    throw unsupportedError(`${where}: Bidirectional wraps ${JSON.stringify(i.cls)}; supported: ${Object.keys(RECURRENT_LAYERS).join(', ')}`);
  const merge = cfg<unknown>(config, 'merge_mode', 'concat');
  if (config?.merge_mode === null || config?.mergeMode === null)
    throw unsupportedError(`${where}: Bidirectional with merge_mode null has two outputs; losslens analyses one model output`);
  if (typeof merge !== 'string' || !MERGES.includes(merge))
    throw unsupportedError(`${where}: merge_mode ${JSON.stringify(merge)}; supported: ${MERGES.join(', ')}`);
  return { kind: i.cls as CellKind, config: i.config, name: i.name };
}

const side = (s: 'forward' | 'backward', name: string) => `${s}_${name}/`;
function pick(w: Record<string, tf.Tensor>, prefix: string): Record<string, tf.Tensor> {
  return Object.fromEntries(
    Object.entries(w)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, t]) => [k.slice(prefix.length), t]),
  );
}

function biParams(config: any): ParamDecl[] {
  const r = recurrentInner(config, 'Bidirectional');
  const decls = RECURRENT_LAYERS[r.kind]!.params(r.config);
  return (['forward', 'backward'] as const).flatMap((s) => decls.map((d) => ({ ...d, param: side(s, r.name) + d.param })));
}

function biForward([x, ...initial]: tf.Tensor[], w: Record<string, tf.Tensor>, config: any, where: string, mask?: tf.Tensor | null): tf.Tensor {
  const r = recurrentInner(config, where),
    half = initial.length / 2;
  const back = { ...r.config, go_backwards: !cfg(r.config, 'go_backwards', false) };
  const y = runRecurrent(r.kind, x!, pick(w, side('forward', r.name)), r.config, where, { initial: initial.slice(0, half), mask }).output;
  let yRev = runRecurrent(r.kind, x!, pick(w, side('backward', r.name)), back, where, { initial: initial.slice(half), mask }).output;
  if (cfg(r.config, 'return_sequences', false)) yRev = tf.reverse(yRev, 1);
  switch (cfg<string>(config, 'merge_mode', 'concat')) {
    case 'sum':
      return tf.add(y, yRev);
    case 'mul':
      return tf.mul(y, yRev);
    case 'ave':
      return tf.mul(0.5, tf.add(y, yRev));
    default:
      return tf.concat([y, yRev], -1);
  }
}

function biShape(ins: number[][], ctx: ShapeContext): number[] {
  const r = recurrentInner(ctx.config, 'Bidirectional');
  const op = RECURRENT_LAYERS[r.kind]!;
  const half = (ins.length - 1) / 2;
  const shapes = (['forward', 'backward'] as const).map((s, k) =>
    op.outputShape!([ins[0]!, ...ins.slice(1 + k * half, 1 + (k + 1) * half)], {
      config: r.config,
      weightShape: (p) => ctx.weightShape(side(s, r.name) + p),
      fault: (p) => ctx.fault(`${s} ${r.kind}: ${p}`),
    }),
  );
  const out = shapes[0]!;
  if (String(out) !== String(shapes[1])) throw ctx.fault(`forward and backward layers give shapes [${out}] and [${shapes[1]}]`);
  return cfg(ctx.config, 'merge_mode', 'concat') === 'concat' ? [...out.slice(0, -1), 2 * out[out.length - 1]!] : out;
}

function wrapped(config: any, where: string): { op: LayerOp; cls: string; config: any } {
  const i = inner(config);
  const op = lookupLayer(i.cls);
  if (!op || i.cls === 'TimeDistributed' || i.cls === 'InputLayer')
    throw unsupportedError(`${where}: TimeDistributed wraps ${JSON.stringify(i.cls)}, which losslens cannot run per step`);
  return { op, cls: i.cls, config: i.config };
}

function tdForward([x]: tf.Tensor[], w: Record<string, tf.Tensor>, config: any, where: string): tf.Tensor {
  const { op, config: c } = wrapped(config, where);
  const [b, steps, ...rest] = x!.shape;
  const y = op.forward([tf.reshape(x!, [b! * steps!, ...rest])], w, c, where);
  return tf.reshape(y, [b!, steps!, ...y.shape.slice(1)]);
}

/** The wrapped layer's own shape rule on one step, its weights those of the wrapper. */
function tdShape(ins: number[][], ctx: ShapeContext): number[] {
  const x = ins[0]!;
  if (x.length < 2) throw ctx.fault(`needs a [steps, …] input per sample, got [${x}]`);
  const { op, cls, config } = wrapped(ctx.config, 'TimeDistributed');
  const weights = op.params(config).map((d) => ({ ...d, index: -1, name: d.param, shape: ctx.weightShape(d.param) ?? [] }));
  const node = { name: 'TimeDistributed', className: cls, config, inputs: [''], weights };
  if (!ctx.innerShape) throw ctx.fault('the shape checker gave no rule for the wrapped layer');
  return [x[0]!, ...ctx.innerShape(node, [x.slice(1)], (p) => ctx.fault(`${cls}: ${p}`))];
}

export const WRAPPER_LAYERS: Record<string, LayerOp> = {
  Bidirectional: { params: biParams, forward: biForward, outputShape: biShape },
  TimeDistributed: {
    params: (c) => wrapped(c, 'TimeDistributed').op.params(inner(c).config),
    forward: tdForward,
    outputShape: tdShape,
  },
};
