/** θ ⇄ model weights: the flat trainable-parameter vector and its layout table. */
import type { Architecture } from '../model/architecture.js';
import type { Checkpoint } from '../io/types.js';
import type { ParamBlock, ParamLayout } from './types.js';

/** Trainable weights in weightsManifest order. */
export function buildLayout(arch: Architecture): ParamLayout {
  const found: { index: number; block: Omit<ParamBlock, 'offset'> }[] = [];
  for (const node of arch.nodes) {
    if (node.sharesWeightsOf !== undefined) continue; // a shared layer's later call reads its first call's weights
    for (const w of node.weights) {
      if (!w.trainable) continue;
      const size = w.shape.reduce((a, b) => a * b, 1);
      const filterAxis = w.filterAxis === null || w.shape.length < 2 ? null : (w.filterAxis + w.shape.length) % w.shape.length;
      found.push({ index: w.index, block: { layer: node.name, name: w.name, shape: w.shape, size, role: w.role, filterAxis } });
    }
  }
  found.sort((a, b) => a.index - b.index);
  let offset = 0;
  const blocks = found.map(({ block }) => {
    const b = { ...block, offset };
    offset += b.size;
    return b;
  });
  return { dim: offset, blocks };
}

/** Checkpoint weight index of each layout block (same order as layout.blocks). */
export function blockIndices(arch: Architecture): number[] {
  return arch.nodes.flatMap((n) => (n.sharesWeightsOf !== undefined ? [] : n.weights).filter((w) => w.trainable).map((w) => w.index)).sort((a, b) => a - b);
}

export function flattenTheta(ckpt: Checkpoint, layout: ParamLayout, indices: number[]): Float32Array {
  const theta = new Float32Array(layout.dim);
  layout.blocks.forEach((b, i) => theta.set(ckpt.weights[indices[i]].values, b.offset));
  return theta;
}

/** A checkpoint with θ written back into its trainable weights (others shared, not copied). */
export function withTheta(ckpt: Checkpoint, layout: ParamLayout, indices: number[], theta: Float32Array): Checkpoint {
  const weights = ckpt.weights.slice();
  layout.blocks.forEach((b, i) => {
    const w = weights[indices[i]];
    weights[indices[i]] = { spec: w.spec, values: theta.slice(b.offset, b.offset + b.size) };
  });
  return { ...ckpt, weights };
}

/** The layer names that own trainable parameters, in layout order. */
export function layoutLayers(layout: ParamLayout): string[] {
  return [...new Set(layout.blocks.map((b) => b.layer))];
}
