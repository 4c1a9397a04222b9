/**
 * One LSTM step as value–tangent pairs (recurrent-step.ts), tfjs-layers' gate order i, f, c̃, o:
 *   z = xp + h·U = [z_i z_f z_g z_o],  i = σ(z_i), f = σ(z_f), g = φ(z_g), o = σ(z_o)
 *   c′ = f·c + i·g,  h′ = o·φ(c′)        (σ the recurrent activation, φ the activation)
 * Tangents: R{c′} = R{f}·c + f·R{c} + R{i}·g + i·R{g}, R{h′} = R{o}·φ(c′) + o·φ′(c′)·R{c′}.
 * Backward from (g_h′, g_c′): g_φ = g_h′·o, g_o = g_h′·φ(c′), ĝ_c = g_c′ + g_φ·φ′(c′);
 *   g_i = ĝ_c·g, g_g = ĝ_c·i, g_f = ĝ_c·c, g_c = ĝ_c·f, each gate's z through its activation;
 * and R of each product by the product rule, with φ″(c′)·R{c′}·g_φ the curvature term of ĝ_c.
 * fusedLstmStep runs the same rules as two kernels a step (src/kernels/recurrent-cell.ts), the
 * loss pass's fused kernel giving the values; lstmStep is the op-by-op form for the other cases.
 */
import tf from '../../tf.cjs';
import { add, type Dual, type Maybe } from './dual.js';
import type { Gate, GateFn } from './recurrent-gates.js';
import { backThrough, tangent, throughGate, type DualCell, type GradPair, type Recurrent } from './recurrent-step.js';
import { lstmBack, lstmCell, lstmDual, type CellCodes } from '../../kernels/recurrent-cell.js';

/** R{a·b} = R{a}·b + a·R{b} */
const prodR = (ra: Maybe, b: tf.Tensor, a: tf.Tensor, rb: Maybe): Maybe => add(ra && tf.mul(ra, b), rb && tf.mul(a, rb));

interface Forward {
  i: Gate;
  f: Gate;
  g: Gate;
  o: Gate;
  tc: Gate;
  rz: Maybe[];
  ri: Maybe;
  rf: Maybe;
  rg: Maybe;
  ro: Maybe;
  rc: Maybe;
}

/** The backward pass of one step from the gradient pairs of h′ and c′ (gc null: nothing reads c′). */
function backward(s: Forward, c: Dual, gh: Dual, gc: GradPair) {
  const gphi = tf.mul(gh.y, s.o.y),
    go = tf.mul(gh.y, s.tc.y);
  const rgphi = prodR(gh.r, s.o.y, gh.y, s.ro),
    rgo = prodR(gh.r, s.tc.y, gh.y, tangent(s.tc, s.rc));
  const d2c = s.rc ? s.tc.d2() : null;
  const gcHat = add(gc?.y ?? null, tf.mul(gphi, s.tc.d()))!;
  const rgcHat = add(add(gc?.r ?? null, rgphi && tf.mul(rgphi, s.tc.d())), d2c && tf.mul(tf.mul(d2c, s.rc!), gphi));
  const pair = (other: tf.Tensor, rOther: Maybe): Dual => ({ y: tf.mul(gcHat, other), r: prodR(rgcHat, other, gcHat, rOther) });
  const [zi, zf, zg, zo] = s.rz;
  const gz = [
    throughGate(s.i, zi!, pair(s.g.y, s.rg)),
    throughGate(s.f, zf!, pair(c.y, c.r)),
    throughGate(s.g, zg!, pair(s.i.y, s.ri)),
    throughGate(s.o, zo!, { y: go, r: rgo }),
  ];
  const g: Dual = {
    y: tf.concat(
      gz.map((p) => p.y),
      1,
    ),
    r: gz.some((p) => p.r)
      ? tf.concat(
          gz.map((p) => p.r ?? tf.zerosLike(p.y)),
          1,
        )
      : null,
  };
  return { g, gcPrev: pair(s.f.y, s.rf) };
}

export function lstmStep(act: GateFn, recAct: GateFn, rec: Recurrent): DualCell {
  return (xp, [h, c]) => {
    // recurrent-cells.ts' LSTM, op for op: the same values as the loss pass
    const z = tf.add(xp.y, tf.matMul(h!.y as tf.Tensor2D, rec.U));
    const [z0, z1, z2, z3] = tf.split(z, 4, 1);
    const f = recAct(z1!),
      i = recAct(z0!),
      g = act(z2!);
    const cNew = tf.add(tf.mul(f.y, c!.y), tf.mul(i.y, g.y));
    const o = recAct(z3!),
      tc = act(cNew);
    const hNew = tf.mul(o.y, tc.y);
    const rzAll = add(xp.r, rec.fwd(h!));
    const rz: Maybe[] = rzAll ? tf.split(rzAll, 4, 1) : [null, null, null, null];
    const ri = tangent(i, rz[0]!),
      rf = tangent(f, rz[1]!),
      rg = tangent(g, rz[2]!),
      ro = tangent(o, rz[3]!);
    const rc = add(prodR(rf, c!.y, f.y, c!.r), prodR(ri, g.y, i.y, rg));
    const s: Forward = { i, f, g, o, tc, rz, ri, rf, rg, ro, rc };
    return {
      states: [
        { y: hNew, r: prodR(ro, tc.y, o.y, tangent(tc, rc)) },
        { y: cNew, r: rc },
      ],
      back: ([gh, gc]) => {
        const { g: gz, gcPrev } = backward(s, c!, gh ?? { y: tf.zerosLike(hNew), r: null }, gc ?? null);
        return { gxp: gz, gPrev: [backThrough(rec, gz), gcPrev], uTerms: [{ a: h!, g: gz }] };
      },
    };
  };
}

/** lstmStep's rules in the fused kernels: the forward (with tangents where any) and the backward each one kernel after the h·U products. */
export function fusedLstmStep(k: CellCodes, rec: Recurrent): DualCell {
  return (xp, [h, c]) => {
    const hu = tf.matMul(h!.y as tf.Tensor2D, rec.U);
    const rz = add(xp.r, rec.fwd(h!)),
      tangents = !!(rz || c!.r);
    const [hNew, cNew, rh, rc] = tangents ? lstmDual(xp.y, hu, c!.y, rz, c!.r, k) : lstmCell(xp.y, hu, c!.y, k);
    return {
      states: [
        { y: hNew!, r: rh ?? null },
        { y: cNew!, r: rc ?? null },
      ],
      back: ([gh, gc]) => {
        const dual = tangents || !!gh?.r || !!gc?.r;
        const back = { gh: gh?.y ?? null, gc: gc?.y ?? null, rz, rc: c!.r, rgh: gh?.r, rgc: gc?.r };
        const [gz, gcp, rgz, rgcp] = lstmBack(xp.y, hu, c!.y, back, k, dual);
        const g: Dual = { y: gz!, r: rgz ?? null };
        return { gxp: g, gPrev: [backThrough(rec, g), { y: gcp!, r: rgcp ?? null }], uTerms: [{ a: h!, g }] };
      },
    };
  };
}
