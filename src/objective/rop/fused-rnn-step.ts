/**
 * The GRU (reset_after = false) and SimpleRNN steps of the rules (gru-step.ts, recurrent-step.ts' simpleRnnStep)
 * as native step parts (kernels/rnn-step.ts) around the h·U products: per GRU step two kernels forward
 * (r·h, then h′ with its tangent) and two backward (g_{a_h}, then [g_{a_z} g_{a_r}] and ∂L/∂h but the U₁ product),
 * one each way for a SimpleRNN, instead of some twenty tf ops. The values are the whole-sequence kernel's
 * float32 operations, so where the loss pass runs that kernel (rnnStepCodes) the rules' loss is its loss to the bit.
 */
import tf from '../../tf.cjs';
import type { CellCodes } from '../../kernels/recurrent-cell.js';
import { PHASE, rnnStep } from '../../kernels/rnn-step.js';
import type { Dual, Maybe } from './dual.js';
import { addPairs, backThrough, recurrentOf, type DualCell, type Recurrent } from './recurrent-step.js';

const pair = (y: tf.Tensor, r: tf.Tensor | undefined): Dual => ({ y, r: r ?? null });
const cat = (a: Dual, b: Dual): Dual => ({
  y: tf.concat([a.y, b.y], 1),
  r: a.r || b.r ? tf.concat([a.r ?? tf.zerosLike(a.y), b.r ?? tf.zerosLike(b.y)], 1) : null,
});

/** recurrent-step.ts' simpleRnnStep in one kernel each way: h′ = φ(xp + h·U). */
export function fusedSimpleRnnStep(k: CellCodes, rec: Recurrent): DualCell {
  return (xp, [h]) => {
    const hu = tf.matMul(h!.y as tf.Tensor2D, rec.U);
    const rhu = rec.fwd(h!),
      tangents = !!(xp.r || rhu);
    const out = rnnStep(PHASE.simpleOut, { xp: xp.y, hu, rxp: xp.r, rhu }, k, tangents);
    return {
      states: [pair(out.o0, out.r0)],
      back: ([gh]) => {
        const g = gh ?? { y: tf.zerosLike(out.o0), r: null };
        const b = rnnStep(PHASE.simpleBack, { xp: xp.y, hu, g: g.y, rg: g.r, rxp: xp.r, rhu }, k, tangents || !!g.r);
        const gz = pair(b.o0, b.r0);
        return { gxp: gz, gPrev: [backThrough(rec, gz)], uTerms: [{ a: h!, g: gz }] };
      },
    };
  };
}

/** gru-step.ts' rules in step parts: U = [U₁ | U₂] (2u | u columns), VU its tangent. */
export function fusedGruStep(k: CellCodes, U: tf.Tensor2D, VU: Maybe): DualCell {
  const u = U.shape[0];
  const [rk1, rk2] = tf.split(U, [2 * u, u], 1) as [tf.Tensor2D, tf.Tensor2D];
  const [vk1, vk2] = VU ? tf.split(VU, [2 * u, u], 1) : [null, null];
  const rec1 = recurrentOf(rk1, vk1 ?? null),
    rec2 = recurrentOf(rk2, vk2 ?? null);
  return (xp, [h]) => {
    const hu = tf.matMul(h!.y as tf.Tensor2D, rk1);
    const rhu = rec1.fwd(h!),
      tangents = !!(xp.r || rhu || h!.r);
    const ins = { xp: xp.y, hu, h: h!.y, rxp: xp.r, rhu, rh: h!.r };
    const gates = rnnStep(PHASE.gruGates, ins, k, tangents);
    const rh = pair(gates.o0, gates.r0);
    const a = tf.matMul(rh.y as tf.Tensor2D, rk2),
      ra = rec2.fwd(rh);
    const out = rnnStep(PHASE.gruOut, { ...ins, a, ra }, k, tangents);
    return {
      states: [pair(out.o0, out.r0)],
      back: ([gh]) => {
        const g = gh ?? { y: tf.zerosLike(out.o0), r: null },
          dual = tangents || !!g.r;
        const common = { ...ins, a, ra, g: g.y, rg: g.r };
        const bh = rnnStep(PHASE.gruBackH, common, k, dual);
        const gah = pair(bh.o0, bh.r0),
          grh = backThrough(rec2, gah);
        const bzr = rnnStep(PHASE.gruBackZr, { ...common, grh: grh.y, rgrh: grh.r }, k, dual);
        const g1 = pair(bzr.o0, bzr.r0);
        const gPrev = addPairs(pair(bzr.o1!, bzr.r1), backThrough(rec1, g1))!;
        return {
          gxp: cat(g1, gah),
          gPrev: [gPrev],
          uTerms: [
            { a: h!, g: g1 },
            { a: rh, g: gah },
          ],
        };
      },
    };
  };
}
