/**
 * Curvature of each layer's diagonal Hessian block H_ll (the layer's weights and biases):
 * λmax by Lanczos and the trace by Hutchinson on v ↦ P_l H P_l v, to find the layer that
 * makes the problem ill-conditioned.
 */
import type { ParamLayout } from '../objective/types.js';
import { extremeEigenpairs } from './extreme-eigenvalues.js';
import { hutchinsonTrace } from './hutchinson-trace.js';
import type { MatVec, OnProgress } from './vector-ops.js';

export interface LayerCurvature {
  layer: string;
  params: number;
  lambdaMax: number;
  residual: number;
  /** λmax of the block met the convergence rule (tol 1e-3·|λ|) within its basis. */
  converged: boolean;
  trace: number;
  traceStderr: number | null;
}

export async function perLayerCurvature(
  matvec: MatVec,
  layout: ParamLayout,
  opts: { maxIter: number; probes: number; seed: number; onProgress?: OnProgress },
): Promise<LayerCurvature[]> {
  const layers = [...new Set(layout.blocks.map((b) => b.layer))];
  const out: LayerCurvature[] = [];
  for (const [li, layer] of layers.entries()) {
    const blocks = layout.blocks.filter((b) => b.layer === layer);
    const size = blocks.reduce((s, b) => s + b.size, 0);
    const block: MatVec = async (v) => {
      const full = new Float64Array(layout.dim);
      let k = 0;
      for (const b of blocks) for (let i = 0; i < b.size; i++) full[b.offset + i] = v[k++];
      const hv = await matvec(full);
      const r = new Float64Array(size);
      k = 0;
      for (const b of blocks) for (let i = 0; i < b.size; i++) r[k++] = hv[b.offset + i];
      return r;
    };
    const eig = await extremeEigenpairs(block, size, { top: 1, bottom: 0, maxIter: Math.min(opts.maxIter, size), tol: 1e-3, seed: opts.seed + li });
    const tr = await hutchinsonTrace(block, size, { probes: opts.probes, seed: opts.seed + 1000 + li });
    out.push({ layer, params: size, lambdaMax: eig.top.values[0], residual: eig.top.residuals[0], converged: eig.top.converged, trace: tr.estimate, traceStderr: tr.stderr });
    opts.onProgress?.(li + 1, layers.length);
  }
  return out;
}
