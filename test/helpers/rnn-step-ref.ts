/**
 * A GRU (reset_after = false, gates z, r, h̃) and SimpleRNN step in float64 plain JS, and the central
 * differences the fused rules are checked against (test/gru-fused.test.ts): h′, its tangent along a
 * direction, the gradients of ⟨g, h′⟩ for (xp, h, U) and their tangents along (direction, R{g}).
 */
import { ACT } from '../../src/kernels/recurrent-cell-math.js';
import type { CellCodes } from '../../src/kernels/recurrent-cell.js';

export type Kind = 'GRU' | 'SimpleRNN';
/** Row-major xp [b, G·u], h [b, u], U [u, G·u]. */
export interface StepInputs {
  xp: number[];
  h: number[];
  U: number[];
}

/** float64 activations as their definitions (hard sigmoid the clip of 0.2z + 0.5). */
const ACT64: Record<number, (z: number) => number> = {
  [ACT.linear]: (z) => z,
  [ACT.tanh]: Math.tanh,
  [ACT.sigmoid]: (z) => 1 / (1 + Math.exp(-z)),
  [ACT.hardSigmoid]: (z) => Math.min(1, Math.max(0, 0.2 * z + 0.5)),
  [ACT.relu]: (z) => Math.max(0, z),
};

/** Σ_i a[i]·U[i][col] over the u rows of U (row length n). */
const dotCol = (a: number[], U: number[], n: number, col: number) => a.reduce((s, ai, i) => s + ai * U[i * n + col]!, 0);

/** h′ [b, u] of one step. */
export function step64(kind: Kind, k: CellCodes, p: StepInputs, u: number): number[] {
  const b = p.h.length / u,
    phi = ACT64[k.act]!,
    sig = ACT64[k.rec]!,
    out: number[] = [];
  for (let r = 0; r < b; r++) {
    const h = p.h.slice(r * u, (r + 1) * u);
    if (kind === 'SimpleRNN') {
      for (let j = 0; j < u; j++) out.push(phi(p.xp[r * u + j]! + dotCol(h, p.U, u, j)));
      continue;
    }
    const x = p.xp.slice(r * 3 * u, (r + 1) * 3 * u);
    const z = h.map((_, j) => sig(x[j]! + dotCol(h, p.U, 3 * u, j)));
    const rh = h.map((hj, j) => sig(x[u + j]! + dotCol(h, p.U, 3 * u, u + j)) * hj);
    for (let j = 0; j < u; j++) out.push(z[j]! * h[j]! + (1 - z[j]!) * phi(x[2 * u + j]! + dotCol(rh, p.U, 3 * u, 2 * u + j)));
  }
  return out;
}

const flat = (p: StepInputs) => [...p.xp, ...p.h, ...p.U];
const unflat = (t: number[], p: StepInputs): StepInputs => ({
  xp: t.slice(0, p.xp.length),
  h: t.slice(p.xp.length, p.xp.length + p.h.length),
  U: t.slice(p.xp.length + p.h.length),
});
const axpy = (a: number[], s: number, b: number[]) => a.map((x, i) => x + s * b[i]!);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** ∂⟨g, h′⟩/∂(xp, h, U) by central differences (step d). */
function grad64(kind: Kind, k: CellCodes, p: StepInputs, g: number[], u: number, d: number): number[] {
  const t = flat(p);
  const L = (s: number[]) => dot(g, step64(kind, k, unflat(s, p), u));
  return t.map((_, i) => (L(t.map((x, q) => x + (q === i ? d : 0))) - L(t.map((x, q) => x - (q === i ? d : 0)))) / (2 * d));
}

/** The float64 truths: h′, R{h′} along v, the gradient of ⟨g, h′⟩ and its tangent along (v, rg). */
export function stepRef(kind: Kind, k: CellCodes, p: StepInputs, v: StepInputs, g: number[], rg: number[]) {
  const units = Math.round(Math.sqrt(p.U.length / (kind === 'GRU' ? 3 : 1))); // U is [u, G·u]
  const at = (s: number) => unflat(axpy(flat(p), s, flat(v)), p);
  const e = 1e-5,
    E = 1e-4;
  const hp = step64(kind, k, at(e), units),
    hm = step64(kind, k, at(-e), units);
  const gp = grad64(kind, k, at(E), axpy(g, E, rg), units, E),
    gm = grad64(kind, k, at(-E), axpy(g, -E, rg), units, E);
  return {
    h: step64(kind, k, p, units),
    rh: hp.map((x, i) => (x - hm[i]!) / (2 * e)),
    grad: grad64(kind, k, p, g, units, e),
    rgrad: gp.map((x, i) => (x - gm[i]!) / (2 * E)),
  };
}
