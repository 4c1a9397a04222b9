/**
 * The weight penalties of a model's regularizers on the flat θ, in float64:
 *   value    Σ_blocks l1·Σ|w| + l2·Σw²
 *   gradient g + l1·sign(w) + 2·l2·w
 *   product  Hv + 2·l2·v   (L1's second derivative is 0 away from w = 0)
 * Shared by the analysed objective (RegularizedObjective) and the training engine, so both see
 * the objective Keras trained.
 */
import type { RegularizerTerm } from '../model/regularizers.js';
import type { ParamLayout } from './types.js';

interface Span {
  offset: number;
  size: number;
  l1: number;
  l2: number;
}

export class WeightPenalty {
  private readonly spans: Span[];

  constructor(terms: RegularizerTerm[], layout: ParamLayout) {
    this.spans = terms.map((t) => {
      const b = layout.blocks[t.block];
      if (!b) throw new Error(`WeightPenalty: no layout block ${t.block} for ${t.weight}`);
      return { offset: b.offset, size: b.size, l1: t.l1, l2: t.l2 };
    });
  }

  get empty(): boolean {
    return this.spans.length === 0;
  }

  value(theta: ArrayLike<number>): number {
    let total = 0;
    for (const s of this.spans) {
      let a = 0;
      let q = 0;
      for (let i = s.offset; i < s.offset + s.size; i++) {
        const w = theta[i];
        a += Math.abs(w);
        q += w * w;
      }
      total += s.l1 * a + s.l2 * q;
    }
    return total;
  }

  /** `grad` plus the penalty's gradient at θ (a new array). */
  gradient(theta: ArrayLike<number>, grad: Float32Array): Float32Array {
    const g = Float32Array.from(grad);
    for (const s of this.spans) {
      for (let i = s.offset; i < s.offset + s.size; i++) g[i] = grad[i] + s.l1 * Math.sign(theta[i]) + 2 * s.l2 * theta[i];
    }
    return g;
  }

  /** `hv` plus the penalty's Hessian times v (a new array). */
  product(hv: Float32Array, v: Float32Array): Float32Array {
    const out = Float32Array.from(hv);
    for (const s of this.spans) {
      if (s.l2 === 0) continue;
      for (let i = s.offset; i < s.offset + s.size; i++) out[i] = hv[i] + 2 * s.l2 * v[i];
    }
    return out;
  }
}
