/**
 * One GRU step (reset_after = false, the form tfjs-layers runs) as value–tangent pairs
 * (recurrent-step.ts), gate order z, r, h̃, U = [U₁ | U₂] (2u | u columns):
 *   [a_z a_r] = [xp_z xp_r] + h·U₁,  z = σ(a_z), r = σ(a_r),  a_h = xp_h + (r·h)·U₂,  h̃ = φ(a_h)
 *   h′ = z·h + (1 − z)·h̃
 * Tangents: R{h′} = R{z}·(h − h̃) + z·R{h} + (1 − z)·R{h̃}, R{r·h} = R{r}·h + r·R{h}.
 * Backward from g_h′: g_z = g_h′·(h − h̃), g_h̃ = g_h′·(1 − z), g_rh = g_{a_h}·U₂ᵀ, g_r = g_rh·h,
 *   g_h = g_h′·z + g_rh·r + [g_{a_z} g_{a_r}]·U₁ᵀ; ∂L/∂U₁ from (h, [g_{a_z} g_{a_r}]), ∂L/∂U₂ from (r·h, g_{a_h});
 * each R{·} by the product rule.
 */
import tf from '../../tf.cjs';
import { add, sub, type Dual, type Maybe } from './dual.js';
import type { GateFn } from './recurrent-gates.js';
import { addPairs, backThrough, recurrentOf, tangent, throughGate, type DualCell } from './recurrent-step.js';

const prodR = (ra: Maybe, b: tf.Tensor, a: tf.Tensor, rb: Maybe): Maybe => add(ra && tf.mul(ra, b), rb && tf.mul(a, rb));
const cat = (ps: Dual[]): Dual => ({
  y: tf.concat(
    ps.map((p) => p.y),
    1,
  ),
  r: ps.some((p) => p.r)
    ? tf.concat(
        ps.map((p) => p.r ?? tf.zerosLike(p.y)),
        1,
      )
    : null,
});

export function gruStep(act: GateFn, recAct: GateFn, U: tf.Tensor2D, VU: Maybe): DualCell {
  const u = U.shape[0];
  const [rk1, rk2] = tf.split(U, [2 * u, u], 1) as [tf.Tensor2D, tf.Tensor2D];
  const [vk1, vk2] = VU ? tf.split(VU, [2 * u, u], 1) : [null, null];
  const rec1 = recurrentOf(rk1, vk1!),
    rec2 = recurrentOf(rk2, vk2!);
  return (xp, [h]) => {
    // recurrent-cells.ts' GRU, op for op: the same values as the loss pass
    const [xz, xr, xh] = tf.split(xp.y, 3, 1);
    const [hz, hr] = tf.split(tf.matMul(h!.y as tf.Tensor2D, rk1), 2, 1);
    const az = tf.add(xz!, hz!),
      ar = tf.add(xr!, hr!);
    const z = recAct(az),
      r = recAct(ar);
    const rh = tf.mul(r.y, h!.y);
    const hh = act(tf.add(xh!, tf.matMul(rh as tf.Tensor2D, rk2)));
    const omz = tf.sub(1, z.y);
    const hNew = tf.add(tf.mul(z.y, h!.y), tf.mul(omz, hh.y));
    const [rxz, rxr, rxh] = xp.r ? tf.split(xp.r, 3, 1) : [null, null, null];
    const rzr = rec1.fwd(h!),
      [rhz, rhr] = rzr ? tf.split(rzr, 2, 1) : [null, null];
    const raz = add(rxz!, rhz!),
      rar = add(rxr!, rhr!);
    const rz = tangent(z, raz),
      rr = tangent(r, rar);
    const rhPair: Dual = { y: rh, r: prodR(rr, h!.y, r.y, h!.r) };
    const rah = add(rxh!, rec2.fwd(rhPair)),
      rhh = tangent(hh, rah);
    const diff = tf.sub(h!.y, hh.y),
      rdiff = sub(h!.r, rhh);
    const rNew = add(add(rz && tf.mul(rz, diff), h!.r && tf.mul(z.y, h!.r)), rhh && tf.mul(omz, rhh));
    return {
      states: [{ y: hNew, r: rNew }],
      back: ([g]) => {
        const gz = { y: tf.mul(g!.y, diff), r: prodR(g!.r, diff, g!.y, rdiff) };
        const gDirect: Dual = { y: tf.mul(g!.y, z.y), r: prodR(g!.r, z.y, g!.y, rz) };
        const ghh: Dual = { y: tf.mul(g!.y, omz), r: sub(g!.r && tf.mul(g!.r, omz), rz && tf.mul(g!.y, rz)) };
        const gah = throughGate(hh, rah, ghh);
        const grh = backThrough(rec2, gah);
        const gr: Dual = { y: tf.mul(grh.y, h!.y), r: prodR(grh.r, h!.y, grh.y, h!.r) };
        const gFromRh: Dual = { y: tf.mul(grh.y, r.y), r: prodR(grh.r, r.y, grh.y, rr) };
        const g1 = cat([throughGate(z, raz, gz), throughGate(r, rar, gr)]);
        const gPrev = addPairs(addPairs(gDirect, gFromRh), backThrough(rec1, g1))!;
        return {
          gxp: cat([g1, gah]),
          gPrev: [gPrev],
          uTerms: [
            { a: h!, g: g1 },
            { a: rhPair, g: gah },
          ],
        };
      },
    };
  };
}
