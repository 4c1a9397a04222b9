/** An analytic Objective: L(θ) = ½(θ−c)ᵀA(θ−c) + L0 with a diagonal or dense symmetric A. */
import type { Objective, ParamLayout } from '../../src/objective/types.js';

export function quadraticObjective(A: number[][], c: number[], opts: { L0?: number; layout?: ParamLayout } = {}): Objective {
  const d = c.length;
  const layout = opts.layout ?? { dim: d, blocks: [{ layer: 'q', name: 'q/kernel', shape: [d], offset: 0, size: d, role: 'kernel', filterAxis: null }] };
  const mv = (v: ArrayLike<number>) => Float32Array.from(A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0)));
  const lossOf = (t: Float32Array) => {
    const r = Array.from(t, (x, i) => x - c[i]);
    const Ar = mv(r);
    return 0.5 * r.reduce((s, x, i) => s + x * Ar[i], 0) + (opts.L0 ?? 0);
  };
  return {
    layout,
    theta0: Float32Array.from(c),
    n: 1,
    loss: async (t) => lossOf(t),
    evaluate: async (t) => ({ loss: lossOf(t), n: 1 }),
    grad: async (t) => ({ loss: lossOf(t), grad: mv(Array.from(t, (x, i) => x - c[i])) }),
    hvp: async (_t, v) => mv(v),
    dispose: () => {},
  };
}
