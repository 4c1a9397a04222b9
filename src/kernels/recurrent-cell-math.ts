/**
 * The fused LSTM cell step of native/recurrent.c in JS, for the cpu and wasm backends: the same
 * float32 operations in the same order (Math.fround after each), per element of [b, u] rows.
 * Activation codes as recurrent.h's LL_ACT_*. A null array reads as zeros.
 */
const F = Math.fround;
const FIFTH = F(0.2);

export const ACT = { linear: 0, tanh: 1, sigmoid: 2, hardSigmoid: 3, relu: 4 } as const;

export function actValue(k: number, z: number): number {
  if (k === ACT.tanh) return F(Math.tanh(z));
  if (k === ACT.sigmoid) return F(1 / F(1 + F(Math.exp(-z))));
  if (k === ACT.hardSigmoid) {
    const s = F(F(z * FIFTH) + 0.5);
    return s > 1 ? 1 : s < 0 ? 0 : s;
  }
  if (k === ACT.relu) return z < 0 ? 0 : z;
  return z;
}

/** f′ as the tape makes it: tanh 1 − y², sigmoid y(1 − y), hard sigmoid 0.2 where y = s, relu step(z). */
export function actD(k: number, z: number, y: number): number {
  if (k === ACT.tanh) return F(1 - F(y * y));
  if (k === ACT.sigmoid) return F(y * F(1 - y));
  if (k === ACT.hardSigmoid) return y === F(F(z * FIFTH) + 0.5) ? FIFTH : 0;
  if (k === ACT.relu) return Number.isNaN(z) ? z : z > 0 ? 1 : 0;
  return 1;
}

/** f″: tanh −2y·f′, sigmoid (1 − 2y)·f′, zero for the piecewise-linear ones. */
export function actD2(k: number, y: number, d: number): number {
  if (k === ACT.tanh) return F(F(-2 * y) * d);
  if (k === ACT.sigmoid) return F(F(1 - F(2 * y)) * d);
  return 0;
}

export interface StepArrays {
  b: number;
  u: number;
  act: number;
  rec: number;
  xp: Float32Array;
  hu: Float32Array;
  c: Float32Array | null;
  rz?: Float32Array | null;
  rc?: Float32Array | null;
}

const at = (a: Float32Array | null | undefined, i: number) => (a ? a[i]! : 0);

/**
 * One element's gates: y (value), d (f′), d2 (f″) of i, f, g, o and φ(c′) at slots 0–4, in a
 * reused scratch array (slot q at 3q), and c, c′ and the tangents ri, rf, rg, ro, rc, R{c′}.
 */
class Point {
  readonly v = new Float64Array(15);
  c = 0;
  cn = 0;
  ri = 0;
  rf = 0;
  rg = 0;
  ro = 0;
  rc = 0;
  rcn = 0;

  private set(q: number, k: number, z: number): void {
    const y = actValue(k, z),
      d = actD(k, z, y);
    this.v[3 * q] = y;
    this.v[3 * q + 1] = d;
    this.v[3 * q + 2] = actD2(k, y, d);
  }

  /** Row r, unit j: the forward values (and tangents when `dual`). */
  at(s: StepArrays, r: number, j: number, dual: boolean): void {
    const u = s.u,
      zr = r * 4 * u + j,
      k = r * u + j,
      v = this.v;
    for (let q = 0; q < 4; q++) this.set(q, q === 2 ? s.act : s.rec, F(s.xp[zr + q * u]! + s.hu[zr + q * u]!));
    this.c = at(s.c, k);
    this.cn = F(F(v[3]! * this.c) + F(v[0]! * v[6]!));
    this.set(4, s.act, this.cn);
    if (!dual) return;
    this.ri = F(v[1]! * at(s.rz, zr));
    this.rf = F(v[4]! * at(s.rz, zr + u));
    this.rg = F(v[7]! * at(s.rz, zr + 2 * u));
    this.ro = F(v[10]! * at(s.rz, zr + 3 * u));
    this.rc = at(s.rc, k);
    this.rcn = F(F(F(this.rf * this.c) + F(v[3]! * this.rc)) + F(F(this.ri * v[6]!) + F(v[0]! * this.rg)));
  }
}

/** h′, c′ and, with rh, rcn, their tangents. */
export function lstmForward(s: StepArrays, h: Float32Array, cn: Float32Array, rh?: Float32Array | null, rcn?: Float32Array | null): void {
  const p = new Point(),
    v = p.v,
    dual = !!(rh && rcn);
  for (let r = 0; r < s.b; r++) {
    for (let j = 0; j < s.u; j++) {
      p.at(s, r, j, dual);
      const k = r * s.u + j;
      cn[k] = p.cn;
      h[k] = v[9]! * v[12]!;
      if (dual) {
        rcn![k] = p.rcn;
        rh![k] = F(F(p.ro * v[12]!) + F(v[9]! * F(v[13]! * p.rcn)));
      }
    }
  }
}

export interface BackArrays {
  gh: Float32Array | null;
  gc: Float32Array | null;
  rgh?: Float32Array | null;
  rgc?: Float32Array | null;
}
export interface BackOut {
  gz: Float32Array;
  gcp: Float32Array;
  rgz?: Float32Array | null;
  rgcp?: Float32Array | null;
}

/** R{g_z} of gate slot q: R{g}·f′ + (f″·R{z})·g. */
const through = (v: Float64Array, q: number, rgIn: number, rz: number, gIn: number) => F(F(rgIn * v[3 * q + 1]!) + F(F(v[3 * q + 2]! * rz) * gIn));

/** ∂L/∂z and ∂L/∂c from ∂L/∂h′, ∂L/∂c′, and with rgz, rgcp their tangents (rop/lstm-step.ts' rules). */
export function lstmBackward(s: StepArrays, g: BackArrays, o: BackOut): void {
  const p = new Point(),
    v = p.v,
    dual = !!(o.rgz && o.rgcp),
    u = s.u;
  for (let r = 0; r < s.b; r++) {
    for (let j = 0; j < u; j++) {
      p.at(s, r, j, dual);
      const k = r * u + j,
        z = r * 4 * u + j;
      const gh = at(g.gh, k),
        gphi = F(gh * v[9]!),
        go = F(gh * v[12]!);
      const gc = F(at(g.gc, k) + F(gphi * v[13]!));
      const gi = F(gc * v[6]!),
        gf = F(gc * p.c),
        gg = F(gc * v[0]!);
      o.gz[z] = gi * v[1]!;
      o.gz[z + u] = gf * v[4]!;
      o.gz[z + 2 * u] = gg * v[7]!;
      o.gz[z + 3 * u] = go * v[10]!;
      o.gcp[k] = gc * v[3]!;
      if (!dual) continue;
      const rgh = at(g.rgh, k),
        rt = F(v[13]! * p.rcn);
      const rgphi = F(F(rgh * v[9]!) + F(gh * p.ro)),
        rgo = F(F(rgh * v[12]!) + F(gh * rt));
      const rgc = F(F(at(g.rgc, k) + F(rgphi * v[13]!)) + F(F(v[14]! * p.rcn) * gphi));
      o.rgz![z] = through(v, 0, F(F(rgc * v[6]!) + F(gc * p.rg)), at(s.rz, z), gi);
      o.rgz![z + u] = through(v, 1, F(F(rgc * p.c) + F(gc * p.rc)), at(s.rz, z + u), gf);
      o.rgz![z + 2 * u] = through(v, 2, F(F(rgc * v[0]!) + F(gc * p.ri)), at(s.rz, z + 2 * u), gg);
      o.rgz![z + 3 * u] = through(v, 3, rgo, at(s.rz, z + 3 * u), go);
      o.rgcp![k] = F(F(rgc * v[3]!) + F(gc * p.rf));
    }
  }
}
