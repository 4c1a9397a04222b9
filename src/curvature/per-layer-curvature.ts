/**
 * Curvature of each diagonal Hessian block H_bb: λmax by Lanczos and the trace by Hutchinson on
 * v ↦ P_b H P_b v, to find the part of the model that makes the problem ill-conditioned. A block is
 * a layer's weights together, except in recurrent layers (those with a `recurrent_kernel`), whose
 * input kernel, recurrent kernel and bias are blocks of their own (per direction in a
 * Bidirectional): the recurrent kernel is applied at every step, and its curvature is what
 * differs from a feed-forward layer's.
 */
import type { ParamBlock, ParamLayout } from '../objective/types.js';
import { extremeEigenpairs } from './extreme-eigenvalues.js';
import { hutchinsonTrace } from './hutchinson-trace.js';
import type { MatVec, OnProgress } from './vector-ops.js';

/** The curvature of one diagonal block of H (a layer, or a recurrent layer's weight): its λmax and trace. */
export interface LayerCurvature {
  /** The block: a layer's name, or `layer/weight` (`lstm/recurrent_kernel`) for a recurrent layer's weights. */
  layer: string;
  /** The weights the block holds (layout names). */
  weights: string[];
  params: number;
  lambdaMax: number;
  residual: number;
  /** λmax of the block met the convergence rule (tol 1e-3·|λ|) within its basis. */
  converged: boolean;
  trace: number;
  traceStderr: number | null;
}

export interface CurvatureBlock {
  name: string;
  blocks: ParamBlock[];
}

const isRecurrentKernel = (b: ParamBlock) => /(^|\/)recurrent_kernel(:\d+)?$/.test(b.name);

/** The diagonal blocks in layout order: one per layer, one per weight in layers that own a recurrent kernel. */
export function curvatureBlocks(layout: ParamLayout): CurvatureBlock[] {
  const layers = [...new Set(layout.blocks.map((b) => b.layer))];
  return layers.flatMap((layer) => {
    const blocks = layout.blocks.filter((b) => b.layer === layer);
    return blocks.some(isRecurrentKernel) ? blocks.map((b) => ({ name: b.name.replace(/:\d+$/, ''), blocks: [b] })) : [{ name: layer, blocks }];
  });
}

/** v ↦ P H P v restricted to `blocks`, in their coordinates. */
function restricted(matvec: MatVec, dim: number, blocks: ParamBlock[], size: number): MatVec {
  return async (v) => {
    const full = new Float64Array(dim);
    let k = 0;
    for (const b of blocks) for (let i = 0; i < b.size; i++) full[b.offset + i] = v[k++];
    const hv = await matvec(full);
    const r = new Float64Array(size);
    k = 0;
    for (const b of blocks) for (let i = 0; i < b.size; i++) r[k++] = hv[b.offset + i];
    return r;
  };
}

/**
 * λmax and trace of each diagonal block of the curvature matrix (one per layer, or per recurrent weight), each
 * from products with the block alone: Lanczos for λmax, Hutchinson for the trace.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, hessianMatVec } from 'losslens';
 * import { perLayerCurvature } from 'losslens/curvature';
 *
 * // linreg has one layer, so its one block is the whole Hessian 2·X̃ᵀX̃/N: λmax 41.1138 (float64, from the data)
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const blocks = await perLayerCurvature(hessianMatVec(objective, objective.theta0).matvec, objective.layout, { maxIter: 6, probes: 10, seed: 0 });
 *   assert.equal(blocks.length, 1);
 *   assert.ok(Math.abs(blocks[0].lambdaMax - 41.11382788) < 1e-5 * 41.11382788);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function perLayerCurvature(
  matvec: MatVec,
  layout: ParamLayout,
  opts: { maxIter: number; probes: number; seed: number; onProgress?: OnProgress },
): Promise<LayerCurvature[]> {
  const groups = curvatureBlocks(layout);
  const out: LayerCurvature[] = [];
  for (const [li, g] of groups.entries()) {
    const size = g.blocks.reduce((s, b) => s + b.size, 0);
    const block = restricted(matvec, layout.dim, g.blocks, size);
    const eig = await extremeEigenpairs(block, size, { top: 1, bottom: 0, maxIter: Math.min(opts.maxIter, size), tol: 1e-3, seed: opts.seed + li });
    const tr = await hutchinsonTrace(block, size, { probes: opts.probes, seed: opts.seed + 1000 + li });
    out.push({
      layer: g.name,
      weights: g.blocks.map((b) => b.name),
      params: size,
      lambdaMax: eig.top.values[0],
      residual: eig.top.residuals[0],
      converged: eig.top.converged,
      trace: tr.estimate,
      traceStderr: tr.stderr,
    });
    opts.onProgress?.(li + 1, groups.length);
  }
  return out;
}
