/**
 * Embedding and Masking as tfjs-layers runs them. Embedding reads integer token ids (any stored
 * dtype, cast to int32 as tfjs-layers does, so 3.7 is token 3) and looks them up in its table, a
 * weight; an id outside [0, input_dim) is refused naming the layer (tfjs' cpu backend refuses it
 * too; wasm would read past the table). Its mask (mask_zero: id ≠ 0) and Masking's (a step whose
 * features are not all mask_value) are made by layer-mask.ts.
 */
import tf from '../../tf.cjs';
import { unsupportedError } from '../../errors.js';
import { cfg, type LayerOp, type ShapeContext } from '../layer-op.js';

const fmt = (s: readonly unknown[]) => `[${s.join(', ')}]`;

/** The ids of x as int32, refused when any lies outside [0, rows). */
function tokenIds(x: tf.Tensor, rows: number, where: string): tf.Tensor {
  const ids = x.dtype === 'int32' ? x : tf.cast(x, 'int32');
  const [lo, hi] = tf.tidy(() => [tf.min(ids).dataSync()[0]!, tf.max(ids).dataSync()[0]!]);
  if (x.size > 0 && (lo < 0 || hi >= rows)) {
    throw unsupportedError(`${where}: token id ${lo < 0 ? lo : hi} is outside the Embedding's input_dim range [0, ${rows - 1}]`);
  }
  return ids;
}

function embeddingShape(ins: number[][], ctx: ShapeContext): number[] {
  const e = ctx.weightShape('embeddings')!;
  if (e.length !== 2) throw ctx.fault(`embeddings has shape ${fmt(e)}; it must be [input_dim, output_dim]`);
  const inDim = cfg<unknown>(ctx.config, 'input_dim', e[0]),
    outDim = cfg<unknown>(ctx.config, 'output_dim', e[1]);
  if (inDim !== e[0] || outDim !== e[1])
    throw ctx.fault(`input_dim ${JSON.stringify(inDim)} and output_dim ${JSON.stringify(outDim)} do not match its embeddings ${fmt(e)}`);
  return [...ins[0]!, e[1]!];
}

export const EMBEDDING_LAYERS: Record<string, LayerOp> = {
  Embedding: {
    params: () => [{ param: 'embeddings', role: 'kernel', trainable: true, filterAxis: 0 }],
    forward: ([x], w, _c, where) => tf.gather(w.embeddings!, tokenIds(x!, w.embeddings!.shape[0]!, where)),
    outputShape: embeddingShape,
  },
  Masking: {
    params: () => [],
    forward: ([x], _w, c) => tf.mul(x!, tf.cast(tf.any(tf.notEqual(x!, cfg(c, 'mask_value', 0)), -1, true), x!.dtype)),
  },
};
