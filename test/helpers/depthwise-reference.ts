/**
 * A float64 depthwise convolution and its two gradients, with each element's rounding bound, for
 * test/native-depthwise.test.ts: x [n, h, w, c], filter [kh, kw, c, m], dy [n, oh, ow, c·m].
 */

export interface DwCase {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  /** stride and dilation (both axes) */
  s: number;
  d: number;
  same: boolean;
  /** channel multiplier */
  m: number;
}

/** The addon's geometry (n, h, w, ci, kH, kW, sH, sW, dH, dW, top, left, outH, outW) as tfjs computes 'same' / 'valid'. */
export function dwGeometry(q: DwCase): Int32Array {
  const axis = (size: number, k: number) => {
    const eff = (k - 1) * q.d + 1;
    const out = q.same ? Math.ceil(size / q.s) : Math.ceil((size - eff + 1) / q.s);
    const pad = q.same ? Math.max(0, (out - 1) * q.s + eff - size) : 0;
    return { out, before: Math.floor(pad / 2) };
  };
  const H = axis(q.h, q.kh),
    W = axis(q.w, q.kw);
  return Int32Array.of(q.n, q.h, q.w, q.c, q.kh, q.kw, q.s, q.s, q.d, q.d, H.before, W.before, H.out, W.out);
}

export interface DwReference {
  y: Float64Array;
  dx: Float64Array;
  dw: Float64Array;
  /** (terms + 1)·2⁻²⁴·Σ|terms| of each element: a float32 sum of its terms in any order stays within it */
  yTol: Float64Array;
  dxTol: Float64Array;
  dwTol: Float64Array;
}

/** Every product x·w, dy·w and x·dy added in float64 to its output, its magnitude and count kept. */
export function depthwiseReference(x: Float32Array, w: Float32Array, dy: Float32Array, q: DwCase, g: Int32Array): DwReference {
  const [, , , , , , , , , , top, left, oh, ow] = g as unknown as number[];
  const cm = q.c * q.m;
  const acc = (len: number) => ({ v: new Float64Array(len), mag: new Float64Array(len), cnt: new Float64Array(len) });
  const Y = acc(dy.length),
    DX = acc(x.length),
    DW = acc(w.length);
  const add = (t: ReturnType<typeof acc>, i: number, p: number) => {
    t.v[i]! += p;
    t.mag[i]! += Math.abs(p);
    t.cnt[i]! += 1;
  };
  for (let s = 0; s < q.n; s++)
    for (let i = 0; i < oh!; i++)
      for (let j = 0; j < ow!; j++)
        for (let a = 0; a < q.kh; a++)
          for (let b = 0; b < q.kw; b++) {
            const r = i * q.s + a * q.d - top!,
              col = j * q.s + b * q.d - left!;
            if (r < 0 || r >= q.h || col < 0 || col >= q.w) continue;
            for (let c = 0; c < q.c; c++)
              for (let k = 0; k < q.m; k++) {
                const xi = ((s * q.h + r) * q.w + col) * q.c + c,
                  wi = (a * q.kw + b) * cm + c * q.m + k,
                  yi = ((s * oh! + i) * ow! + j) * cm + c * q.m + k;
                add(Y, yi, x[xi]! * w[wi]!);
                add(DX, xi, dy[yi]! * w[wi]!);
                add(DW, wi, x[xi]! * dy[yi]!);
              }
          }
  const tol = (t: ReturnType<typeof acc>) => t.mag.map((mag, i) => (t.cnt[i]! + 1) * 2 ** -24 * mag);
  return { y: Y.v, dx: DX.v, dw: DW.v, yTol: tol(Y), dxTol: tol(DX), dwTol: tol(DW) };
}
