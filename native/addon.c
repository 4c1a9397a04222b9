/*
 * Node-API glue for losslens's native kernels: every function takes Float32Arrays (views of the
 * wasm heap, or any float32 arrays) and writes its output in place; shapes and flags come as
 * plain numbers, geometry as an Int32Array of 14 (n, h, w, ci, kH, kW, sH, sW, dH, dW, top, left,
 * outH, outW). Every geometry passes geometry.h's checks (fields in range, the windows' reach and
 * per-image products within the kernels' int arithmetic), and each array's length is checked
 * against its shape with overflow-checked products, so a wrong or hostile geometry throws a
 * RangeError instead of reading or writing outside the arrays.
 *
 *   gemm(a, b, c, batch, M, N, K, transA, transB, strideA, strideB)   c[i] = op(a[i])·op(b[i])
 *   biasAct(c, bias|null, M, N, act)                                  c += bias (per column or scalar), act 1 = relu
 *   im2col(x, cols, geo) · col2im(cols, x, geo)
 *   conv2dPool(x, w, p, geo, co, bias|null, act, kh, kw[, keep])     maxPool(conv2d(...)) over windows tiling its output; keep: the conv output too
 *   conv2dPoolBackpropFilter(x, frame, dp, dw, db, geo, co, kh, kw, positive)   dw, db from route(frame, dp) (conv.h)
 *   conv2d(x, w, y, geo, co[, bias|null, act]) · conv2dBackpropInput(dy, w, dx, geo, co) · conv2dBackpropFilter(x, dy, dw, geo, co)
 *   poolShare(x, share, t, positive) · poolSpread(dy, share, out, t) · poolGather(tile, share, out, t) · maxPool(x, y, t)
 *   poolRoute(x, dy, out, t, positive)       spread(dy, share(x)) in one pass
 *                        t: Int32Array [n, ho, wo, c, kh, kw]; tile-frame arrays [n, ho·kh, wo·kw, c]
 *   sumRows(x, out, m, c)                                              out[j] = Σ_i x[i·c + j]
 *   binaryAdd / binarySub / binaryMul(big, small, out, reversed)   out[i] = big[i] ∘ small[i mod len(small)] (reversed: small ∘ big)
 *   unaryRelu / unaryExp / unaryLog(x, out) · unaryStep(x, out, alpha)   step: x > 0 ? 1 : alpha; NaN stays NaN
 *   adam(theta, grad, m, v, k)               Adam's step in place (optim.h); m, v Float64Array, k Float64Array [9]
 *   basisCombine(out, q, c)                  out += Σ_j c[j]·q[j] (basis.h); q an array of Float64Arrays as long as out, c a Float64Array
 *   basisDots(q, v, c)                       c[j] = q[j]ᵀv, each sum in index order (basis.h)
 *   setThreads(n) · setOwnGemm(on) → was · info() → {blas, corename, openblas, threads, gemm, cpuForm, cpuBest}
 *   setCpuForm('auto' | 'avx512' | 'avx2' | 'portable') → the form now running (cpu.h; RangeError where the CPU lacks it)
 *   setDirectConv(on) → previous     few-input-channel convs direct (default) or always im2col
 *   lstmStep(backward, act, rec, b, u, ins, outs)   the fused LSTM cell step and its dual backward (recurrent.h)
 *   rnnSequence(kind, act, rec, b, T, u, backwards, sequences, ins, out)   a SimpleRNN / LSTM / GRU sequence forward (recurrent.h)
 *   rnnStep(phase, act, rec, b, u, ins, outs)   a GRU / SimpleRNN step part of the rules and its tangents (recurrent.h's ll_rnn_step)
 *   relu6Grad(z, dy|null, out)       out = (0 < z ≤ 6) · dy, or the mask alone (conv_act.h)
 *   depthwise(x, w, y, geo, m[, bias|null, act]) · depthwiseBackpropInput(dy, w, dx, geo, m) · depthwiseBackpropFilter(x, dy, dw, geo, m)
 *                                    (depthwise.h; geo ci = C, m the multiplier)
 */
#include <node_api.h>
#include "blas.h"
#include "cpu.h"
#include <stdio.h>
#include <string.h>
#include "conv.h"
#include "conv_direct.h"
#include "gemm.h"
#include "pool.h"
#include "elementwise.h"
#include "optim.h"
#include "basis.h"
#include "geometry.h"
#include "depthwise.h"
#include "conv_act.h"
#include "recurrent.h"
#include <stdlib.h>

#define MAX_ARGS 12
#define THROW(env, msg) do { napi_throw_range_error(env, NULL, msg); return NULL; } while (0)
#define CHECK(env, call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "losslens native: N-API call failed"); return NULL; } } while (0)

typedef struct { napi_value v[MAX_ARGS]; size_t n; } args;

static int get_args(napi_env env, napi_callback_info info, args *a, size_t want) {
  a->n = MAX_ARGS;
  if (napi_get_cb_info(env, info, &a->n, a->v, NULL, NULL) != napi_ok || a->n < want) {
    napi_throw_type_error(env, NULL, "losslens native: too few arguments");
    return 0;
  }
  return 1;
}

/* A typed array's data and length (elements) when it is of type `want`; 0 otherwise (a TypeError naming `what` is pending). */
static int typed(napi_env env, napi_value v, napi_typedarray_type want, const char *what, void **data, size_t *len) {
  napi_typedarray_type t;
  if (napi_get_typedarray_info(env, v, &t, len, data, NULL, NULL) != napi_ok || t != want) {
    char msg[64];
    snprintf(msg, sizeof msg, "losslens native: expected a %s", what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int f32(napi_env env, napi_value v, float **data, size_t *len) { return typed(env, v, napi_float32_array, "Float32Array", (void **)data, len); }
static int f64(napi_env env, napi_value v, double **data, size_t *len) { return typed(env, v, napi_float64_array, "Float64Array", (void **)data, len); }

static int i32(napi_env env, napi_value v, int *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "losslens native: expected a number");
    return 0;
  }
  return 1;
}

static int geo(napi_env env, napi_value v, geometry *g) {
  napi_typedarray_type t;
  size_t len;
  void *p;
  if (napi_get_typedarray_info(env, v, &t, &len, &p, NULL, NULL) != napi_ok || t != napi_int32_array || len != 14) {
    napi_throw_type_error(env, NULL, "losslens native: geometry must be an Int32Array of 14");
    return 0;
  }
  const int *q = p;
  *g = (geometry){q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11], q[12], q[13]};
  const char *problem = ll_geometry_problem(g, 1);
  if (problem) { napi_throw_range_error(env, NULL, problem); return 0; }
  return 1;
}

/* A geometry's array lengths (floats): x, the conv output y (co channels), the filter w, the column matrix. */
typedef struct { size_t x, y, w, cols; } geo_lengths;

/* g's lengths for co output channels; 0 with a RangeError pending when co does not fit g or a length overflows. */
static int lengths(napi_env env, const geometry *g, int co, geo_lengths *l) {
  const char *problem = ll_geometry_problem(g, co);
  size_t rows, k = (size_t)g->kH * g->kW * g->ci;
  if (!problem && (!ll_mul4((size_t)g->n, (size_t)g->h, (size_t)g->w, (size_t)g->ci, &l->x) || !ll_mul4((size_t)g->n, (size_t)g->outH, (size_t)g->outW, 1, &rows) ||
                   rows > INT_MAX || !ll_mul(rows, (size_t)co, &l->y) || !ll_mul(k, (size_t)co, &l->w) || !ll_mul(rows, k, &l->cols)))
    problem = "losslens native: bad geometry (sizes overflow: sgemm takes the batch's output pixels as an int)";
  if (problem) { napi_throw_range_error(env, NULL, problem); return 0; }
  return 1;
}

/* Largest Bᵀ (floats) the gemm copies transposed for our kernel where OpenBLAS is linked (a larger one is
 * slower through the copy, so OpenBLAS keeps it); without OpenBLAS any size. */
#define OWN_GEMM_BT_MAX ((size_t)1 << 15)

static napi_value gemm(napi_env env, napi_callback_info info) {
  args a;
  float *A, *B, *C;
  size_t la, lb, lc;
  int batch, M, N, K, tA, tB, sA, sB;
  if (!get_args(env, info, &a, 11) || !f32(env, a.v[0], &A, &la) || !f32(env, a.v[1], &B, &lb) || !f32(env, a.v[2], &C, &lc)) return NULL;
  if (!i32(env, a.v[3], &batch) || !i32(env, a.v[4], &M) || !i32(env, a.v[5], &N) || !i32(env, a.v[6], &K) || !i32(env, a.v[7], &tA) ||
      !i32(env, a.v[8], &tB) || !i32(env, a.v[9], &sA) || !i32(env, a.v[10], &sB)) return NULL;
  if (batch < 0 || M < 0 || N < 0 || K < 0 || sA < 0 || sB < 0) THROW(env, "gemm: negative size");
  size_t mk = (size_t)M * K, kn = (size_t)K * N, mn = (size_t)M * N, cl, macs;
  if (!ll_mul(mn, (size_t)batch, &cl) || !ll_mul(cl, (size_t)K, &macs)) THROW(env, "gemm: sizes overflow");
  if (batch > 0 && (lc < cl || la < (size_t)sA * (batch - 1) + mk || lb < (size_t)sB * (batch - 1) + kn)) THROW(env, "gemm: an array is shorter than its shape");
  ll_use_threads_for(macs);
  const ll_gemm_pref pref = tB && kn > OWN_GEMM_BT_MAX ? LL_PREFER_BLAS : LL_PREFER_OWN;
  for (int i = 0; i < batch; i++)
    if (ll_sgemm(tA != 0, tB != 0, M, N, K, A + (size_t)sA * i, tA ? M : K, B + (size_t)sB * i, tB ? K : N, C + mn * i, N, 0, pref)) {
      napi_throw_error(env, "ENOMEM", "losslens native: out of memory");
      return NULL;
    }
  return NULL;
}

static napi_value bias_act(napi_env env, napi_callback_info info) {
  args a;
  float *C, *bias = NULL;
  size_t lc, lbias = 0;
  int M, N, act;
  napi_valuetype bt;
  if (!get_args(env, info, &a, 5) || !f32(env, a.v[0], &C, &lc)) return NULL;
  CHECK(env, napi_typeof(env, a.v[1], &bt));
  if (bt != napi_null && bt != napi_undefined && !f32(env, a.v[1], &bias, &lbias)) return NULL;
  if (!i32(env, a.v[2], &M) || !i32(env, a.v[3], &N) || !i32(env, a.v[4], &act)) return NULL;
  size_t total = (size_t)M * N;
  if (M < 0 || N < 0 || lc < total) THROW(env, "biasAct: the array is shorter than its shape");
  if (bias && lbias != 1 && lbias != (size_t)N) THROW(env, "biasAct: bias must have 1 or N entries");
  ll_bias_act(C, (size_t)M, N, bias, lbias, act);
  return NULL;
}

static napi_value im2col_or_col2im(napi_env env, napi_callback_info info, int forward) {
  args a;
  float *src, *dst;
  size_t ls, ld;
  geometry g;
  geo_lengths l;
  if (!get_args(env, info, &a, 3) || !f32(env, a.v[0], &src, &ls) || !f32(env, a.v[1], &dst, &ld) || !geo(env, a.v[2], &g) || !lengths(env, &g, 1, &l)) return NULL;
  size_t xl = l.x, cl = l.cols;
  if (ls < (forward ? xl : cl) || ld < (forward ? cl : xl)) THROW(env, "im2col/col2im: an array is shorter than its shape");
  if (forward) ll_im2col(src, dst, &g);
  else ll_col2im(src, dst, &g);
  return NULL;
}
static napi_value im2col(napi_env env, napi_callback_info info) { return im2col_or_col2im(env, info, 1); }
static napi_value col2im(napi_env env, napi_callback_info info) { return im2col_or_col2im(env, info, 0); }

/* which: 0 conv2d(x, w → y), 1 backprop input(dy, w → dx), 2 backprop filter(x, dy → dw),
 * 3 conv2d then max pool (x, w → p; bias, act, kh, kw after co). */
static napi_value conv(napi_env env, napi_callback_info info, int which) {
  args a;
  float *p0, *p1, *out;
  size_t l0, l1, lo;
  geometry g;
  int co;
  if (!get_args(env, info, &a, 5) || !f32(env, a.v[0], &p0, &l0) || !f32(env, a.v[1], &p1, &l1) || !f32(env, a.v[2], &out, &lo) ||
      !geo(env, a.v[3], &g) || !i32(env, a.v[4], &co)) return NULL;
  if (co < 1) THROW(env, "conv: output channels must be positive");
  geo_lengths l;
  if (!lengths(env, &g, co, &l)) return NULL;
  int kh = 1, kw = 1;
  if (which == 3 && (a.n < 9 || !i32(env, a.v[7], &kh) || !i32(env, a.v[8], &kw))) { if (a.n < 9) THROW(env, "conv2dPool: too few arguments"); return NULL; }
  if (kh < 1 || kw < 1 || g.outH % kh || g.outW % kw) THROW(env, "conv2dPool: the pool windows must tile the conv output");
  size_t xl = l.x, yl = l.y, wl = l.w;
  size_t need0 = which == 1 ? yl : xl, need1 = which == 2 ? yl : wl, needo = which == 0 ? yl : which == 1 ? xl : which == 2 ? wl : yl / ((size_t)kh * kw);
  if (l0 < need0 || l1 < need1 || lo < needo) THROW(env, "conv: an array is shorter than its shape");
  float *bias = NULL;
  int act = 0;
  if ((which == 0 || which == 3) && a.n >= 7) { /* FusedConv2D: bias [co] or null, act 0 linear / 1 relu */
    napi_valuetype bt;
    size_t lbias = 0;
    CHECK(env, napi_typeof(env, a.v[5], &bt));
    if (bt != napi_null && bt != napi_undefined && !f32(env, a.v[5], &bias, &lbias)) return NULL;
    if (!i32(env, a.v[6], &act)) return NULL;
    if (bias && lbias != (size_t)co) THROW(env, "conv: bias must have co entries");
    if (act != 0 && act != 1) THROW(env, "conv: act must be 0 (linear) or 1 (relu)");
  }
  float *keep = NULL;
  if (which == 3 && a.n >= 10) {
    napi_valuetype kt;
    size_t lkeep = 0;
    CHECK(env, napi_typeof(env, a.v[9], &kt));
    if (kt != napi_null && kt != napi_undefined && !f32(env, a.v[9], &keep, &lkeep)) return NULL;
    if (keep && lkeep < yl) THROW(env, "conv2dPool: keep is shorter than the conv output");
  }
  /* an empty batch: nothing to compute, and the kernels size their tiles from the batch (a division by it) */
  if (g.n == 0) { if (which == 2) memset(out, 0, sizeof(float) * wl); return NULL; }
  int rc = which == 0 ? ll_conv2d(p0, p1, out, &g, co, bias, act) : which == 1 ? ll_conv2d_backprop_input(p0, p1, out, &g, co)
         : which == 2 ? ll_conv2d_backprop_filter(p0, p1, out, &g, co) : ll_conv2d_pool(p0, p1, out, keep, &g, co, bias, act, kh, kw);
  if (rc) { napi_throw_error(env, "ENOMEM", "losslens native: out of memory for the column matrix"); return NULL; }
  return NULL;
}
static napi_value conv2d(napi_env env, napi_callback_info info) { return conv(env, info, 0); }
static napi_value conv2d_bi(napi_env env, napi_callback_info info) { return conv(env, info, 1); }
static napi_value conv2d_bf(napi_env env, napi_callback_info info) { return conv(env, info, 2); }
static napi_value conv2d_pool(napi_env env, napi_callback_info info) { return conv(env, info, 3); }

/* which: 0 depthwise(x, w → y), 1 backprop input(dy, w → dx), 2 backprop filter(x, dy → dw); geo's ci is C, m the channel multiplier. */
static napi_value depthwise(napi_env env, napi_callback_info info, int which) {
  args a;
  float *p0, *p1, *out;
  size_t l0, l1, lo;
  geometry g;
  int m;
  ll_dw_lengths l;
  if (!get_args(env, info, &a, 5) || !f32(env, a.v[0], &p0, &l0) || !f32(env, a.v[1], &p1, &l1) || !f32(env, a.v[2], &out, &lo) ||
      !geo(env, a.v[3], &g) || !i32(env, a.v[4], &m)) return NULL;
  const char *problem = ll_depthwise_problem(&g, m, &l);
  if (problem) THROW(env, problem);
  size_t need0 = which == 1 ? l.y : l.x, need1 = which == 2 ? l.y : l.w, needo = which == 0 ? l.y : which == 1 ? l.x : l.w;
  if (l0 < need0 || l1 < need1 || lo < needo) THROW(env, "depthwise: an array is shorter than its shape");
  float *bias = NULL;
  int act = 0;
  if (which == 0 && a.n >= 7) { /* FusedDepthwiseConv2D: bias [C·m] or null, act 0 linear / 1 relu */
    napi_valuetype bt;
    size_t lbias = 0;
    CHECK(env, napi_typeof(env, a.v[5], &bt));
    if (bt != napi_null && bt != napi_undefined && !f32(env, a.v[5], &bias, &lbias)) return NULL;
    if (!i32(env, a.v[6], &act)) return NULL;
    if ((bias && lbias != (size_t)g.ci * m) || (act != 0 && act != 1)) THROW(env, "depthwise: bias must have C·m entries and act be 0 or 1");
  }
  if (g.n == 0) { if (which == 2) memset(out, 0, sizeof(float) * l.w); return NULL; }
  if (which == 0) ll_depthwise_fused(p0, p1, out, &g, m, bias, act);
  else if (which == 1) ll_depthwise_backprop_input(p0, p1, out, &g, m);
  else if (ll_depthwise_backprop_filter(p0, p1, out, &g, m)) { napi_throw_error(env, "ENOMEM", "losslens native: out of memory"); return NULL; }
  return NULL;
}
/* relu6Grad(z, dy|null, out): out = mask(z) · dy, or mask(z) without dy (conv_act.h) */
static napi_value relu6_grad(napi_env env, napi_callback_info info) {
  args a;
  float *z, *dy = NULL, *out;
  size_t lz, ld = 0, lo;
  napi_valuetype dt;
  if (!get_args(env, info, &a, 3) || !f32(env, a.v[0], &z, &lz) || !f32(env, a.v[2], &out, &lo)) return NULL;
  CHECK(env, napi_typeof(env, a.v[1], &dt));
  if (dt != napi_null && dt != napi_undefined && !f32(env, a.v[1], &dy, &ld)) return NULL;
  if (lo < lz || (dy && ld < lz)) THROW(env, "relu6Grad: an array is shorter than z");
  ll_relu6_grad(z, dy, out, lz);
  return NULL;
}
static napi_value depthwise_fwd(napi_env env, napi_callback_info info) { return depthwise(env, info, 0); }
static napi_value depthwise_bi(napi_env env, napi_callback_info info) { return depthwise(env, info, 1); }
static napi_value depthwise_bf(napi_env env, napi_callback_info info) { return depthwise(env, info, 2); }

/* conv2dPoolBackpropFilter(x, frame, dp, dw, db, geo, co, kh, kw, positive) */
static napi_value conv2d_pool_bf(napi_env env, napi_callback_info info) {
  args a;
  float *x, *frame, *dp, *dw, *db;
  size_t lx, lf, lp, lw, lb;
  geometry g;
  int co, kh, kw, positive;
  if (!get_args(env, info, &a, 10) || !f32(env, a.v[0], &x, &lx) || !f32(env, a.v[1], &frame, &lf) || !f32(env, a.v[2], &dp, &lp) ||
      !f32(env, a.v[3], &dw, &lw) || !f32(env, a.v[4], &db, &lb) || !geo(env, a.v[5], &g) || !i32(env, a.v[6], &co) || !i32(env, a.v[7], &kh) ||
      !i32(env, a.v[8], &kw) || !i32(env, a.v[9], &positive)) return NULL;
  if (co < 1 || kh < 1 || kw < 1 || g.outH % kh || g.outW % kw) THROW(env, "conv2dPoolBackpropFilter: the pool windows must tile the conv output");
  geo_lengths l;
  if (!lengths(env, &g, co, &l)) return NULL;
  size_t yl = l.y;
  if (lx < l.x || lf < yl || lp < yl / ((size_t)kh * kw) || lw < l.w || lb < (size_t)co) THROW(env, "conv2dPoolBackpropFilter: an array is shorter than its shape");
  if (g.n == 0) { memset(dw, 0, sizeof(float) * l.w); memset(db, 0, sizeof(float) * co); return NULL; }
  if (ll_conv2d_pool_backprop_filter(x, frame, dp, dw, db, &g, co, kh, kw, positive != 0)) { napi_throw_error(env, "ENOMEM", "losslens native: out of memory"); return NULL; }
  return NULL;
}

static int tiles_of(napi_env env, napi_value v, tiles *t, size_t *tile, size_t *pooled) {
  napi_typedarray_type ty;
  size_t len;
  void *p;
  if (napi_get_typedarray_info(env, v, &ty, &len, &p, NULL, NULL) != napi_ok || ty != napi_int32_array || len != 6) {
    napi_throw_type_error(env, NULL, "losslens native: pool tiles must be an Int32Array of 6");
    return 0;
  }
  const int *q = p;
  *t = (tiles){q[0], q[1], q[2], q[3], q[4], q[5]};
  const char *problem = ll_tiles_problem(t, tile, pooled);
  if (problem) { napi_throw_range_error(env, NULL, problem); return 0; }
  return 1;
}

/* which: 0 share(x → share), 1 spread(dy, share → out), 2 gather(tile, share → out), 3 max pool(x → y),
 * 4 route(x, dy → out); 0 and 4 take `positive` after the tiles. */
static napi_value pool(napi_env env, napi_callback_info info, int which) {
  args a;
  float *p[3];
  size_t l[3];
  tiles t;
  int arrays = which == 0 || which == 3 ? 2 : 3, positive = 0, takes_positive = which == 0 || which == 4;
  if (!get_args(env, info, &a, arrays + 1 + takes_positive)) return NULL;
  if (takes_positive && !i32(env, a.v[arrays + 1], &positive)) return NULL;
  for (int i = 0; i < arrays; i++) if (!f32(env, a.v[i], &p[i], &l[i])) return NULL;
  size_t tile, pooled;
  if (!tiles_of(env, a.v[arrays], &t, &tile, &pooled)) return NULL;
  size_t need[5][3] = {{tile, tile, 0}, {pooled, tile, tile}, {tile, tile, pooled}, {tile, pooled, 0}, {tile, pooled, tile}};
  for (int i = 0; i < arrays; i++) if (l[i] < need[which][i]) THROW(env, "pool: an array is shorter than its shape");
  if (which == 3) ll_max_pool(p[0], p[1], &t);
  else if (which == 0) ll_pool_share(p[0], p[1], &t, positive != 0);
  else if (which == 1) ll_pool_spread(p[0], p[1], p[2], &t);
  else if (which == 4) ll_pool_route(p[0], p[1], p[2], &t, positive != 0);
  else ll_pool_gather(p[0], p[1], p[2], &t);
  return NULL;
}
static napi_value pool_share(napi_env env, napi_callback_info info) { return pool(env, info, 0); }
static napi_value pool_spread(napi_env env, napi_callback_info info) { return pool(env, info, 1); }
static napi_value pool_gather(napi_env env, napi_callback_info info) { return pool(env, info, 2); }
static napi_value max_pool(napi_env env, napi_callback_info info) { return pool(env, info, 3); }
static napi_value pool_route(napi_env env, napi_callback_info info) { return pool(env, info, 4); }

static napi_value sum_rows(napi_env env, napi_callback_info info) {
  args a;
  float *x, *out;
  size_t lx, lo;
  int m, c;
  if (!get_args(env, info, &a, 4) || !f32(env, a.v[0], &x, &lx) || !f32(env, a.v[1], &out, &lo) || !i32(env, a.v[2], &m) || !i32(env, a.v[3], &c)) return NULL;
  if (m < 0 || c < 0 || lx < (size_t)m * c || lo < (size_t)c) THROW(env, "sumRows: an array is shorter than its shape");
  if (ll_sum_rows(x, out, m, c)) { napi_throw_error(env, "ENOMEM", "losslens native: out of memory"); return NULL; }
  return NULL;
}

/* binaryAdd / binarySub / binaryMul(big, small, out, reversed) */
static napi_value binary(napi_env env, napi_callback_info info, int op) {
  args a;
  float *big, *small, *out;
  size_t lb, ls, lo;
  int reversed;
  if (!get_args(env, info, &a, 4) || !f32(env, a.v[0], &big, &lb) || !f32(env, a.v[1], &small, &ls) || !f32(env, a.v[2], &out, &lo) ||
      !i32(env, a.v[3], &reversed)) return NULL;
  if (ls == 0 || lb % ls || lo < lb) THROW(env, "binary: the small operand must divide the big one and out must hold it");
  ll_binary(big, small, out, lb, ls, op, reversed);
  return NULL;
}
static napi_value binary_add(napi_env env, napi_callback_info info) { return binary(env, info, LL_ADD); }
static napi_value binary_sub(napi_env env, napi_callback_info info) { return binary(env, info, LL_SUB); }
static napi_value binary_mul(napi_env env, napi_callback_info info) { return binary(env, info, LL_MUL); }

/* unaryRelu / unaryExp / unaryLog(x, out), unaryStep(x, out, alpha) */
static napi_value unary(napi_env env, napi_callback_info info, int op) {
  args a;
  float *x, *out;
  size_t lx, lo;
  double alpha = 0;
  if (!get_args(env, info, &a, op == LL_STEP ? 3 : 2) || !f32(env, a.v[0], &x, &lx) || !f32(env, a.v[1], &out, &lo)) return NULL;
  if (op == LL_STEP && napi_get_value_double(env, a.v[2], &alpha) != napi_ok) { napi_throw_type_error(env, NULL, "losslens native: expected a number"); return NULL; }
  if (lo < lx) THROW(env, "unary: out is shorter than x");
  ll_unary(x, out, lx, op, (float)alpha);
  return NULL;
}
static napi_value unary_relu(napi_env env, napi_callback_info info) { return unary(env, info, LL_RELU); }
static napi_value unary_step(napi_env env, napi_callback_info info) { return unary(env, info, LL_STEP); }
static napi_value unary_exp(napi_env env, napi_callback_info info) { return unary(env, info, LL_EXP); }
static napi_value unary_log(napi_env env, napi_callback_info info) { return unary(env, info, LL_LOG); }

/* lstmStep(backward, act, rec, b, u, ins[9], outs[4]): recurrent.h; ins xp, hu, c, rz, rc, gh, rgh, gc, rgc,
   outs h, cn, rh, rcn (forward) or gz, gcp, rgz, rgcp; null: absent */
static napi_value lstm_step(napi_env env, napi_callback_info info) {
  args a;
  int m[5];
  if (!get_args(env, info, &a, 7)) return NULL;
  for (int i = 0; i < 5; i++) if (!i32(env, a.v[i], &m[i])) return NULL;
  if (m[3] < 0 || m[4] < 0) THROW(env, "lstmStep: negative shape");
  const size_t bu = (size_t)m[3] * (size_t)m[4];
  const int wide[13] = {1, 1, 0, 1, 0, 0, 0, 0, 0, !m[0] ? 0 : 1, 0, !m[0] ? 0 : 1, 0}; /* [b, 4u] arrays: xp, hu, rz; gz, rgz */
  float *p[13] = {0};
  for (int i = 0; i < 13; i++) {
    napi_value e, list = i < 9 ? a.v[5] : a.v[6];
    napi_valuetype t;
    size_t len;
    CHECK(env, napi_get_element(env, list, (uint32_t)(i < 9 ? i : i - 9), &e));
    CHECK(env, napi_typeof(env, e, &t));
    if (t == napi_null || t == napi_undefined) continue;
    if (!f32(env, e, &p[i], &len)) return NULL;
    if (len < (wide[i] ? 4 * bu : bu)) THROW(env, "lstmStep: an array is shorter than its shape");
  }
  if (!p[0] || !p[1] || !p[9] || !p[10]) THROW(env, "lstmStep: xp, hu and the first two outputs are required");
  ll_lstm_step s = {m[3], m[4], m[1], m[2], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]};
  if (m[0]) { s.gz = p[9]; s.gcp = p[10]; s.rgz = p[11]; s.rgcp = p[12]; ll_lstm_backward(&s); }
  else { s.h = p[9]; s.cn = p[10]; s.rh = p[11]; s.rcn = p[12]; ll_lstm_forward(&s); }
  return NULL;
}

/* rnnSequence(kind, act, rec, b, T, u, backwards, sequences, ins[5], out): recurrent.h's ll_rnn_sequence; ins xp, bias, U, h0, c0
   (bias, h0, c0 null: absent) */
static napi_value rnn_sequence(napi_env env, napi_callback_info info) {
  args a;
  int m[8];
  if (!get_args(env, info, &a, 10)) return NULL;
  for (int i = 0; i < 8; i++) if (!i32(env, a.v[i], &m[i])) return NULL;
  if (m[0] < 0 || m[0] > 2 || m[3] < 0 || m[4] < 0 || m[5] < 0 || m[5] > (1 << 24)) THROW(env, "rnnSequence: bad kind or shape");
  const size_t G = (size_t)ll_rnn_gates(m[0]), bu = (size_t)m[3] * (size_t)m[5], bt = (size_t)m[3] * (size_t)m[4];
  const size_t need[6] = {bt * G * m[5], G * m[5], G * m[5] * (size_t)m[5], bu, bu, m[7] ? bt * m[5] : bu};
  float *p[6] = {0};
  for (int i = 0; i < 6; i++) {
    napi_value e = a.v[9];
    napi_valuetype t;
    size_t len;
    if (i < 5) CHECK(env, napi_get_element(env, a.v[8], (uint32_t)i, &e));
    CHECK(env, napi_typeof(env, e, &t));
    if (t == napi_null || t == napi_undefined) continue;
    if (!f32(env, e, &p[i], &len)) return NULL;
    if (len < need[i]) THROW(env, "rnnSequence: an array is shorter than its shape");
  }
  if (!p[0] || !p[2] || !p[5]) THROW(env, "rnnSequence: xp, U and out are required");
  ll_rnn_seq s = {m[0], m[3], m[4], m[5], m[1], m[2], m[6], m[7], p[0], p[1], p[2], p[3], p[4], p[5]};
  if (ll_rnn_sequence(&s)) napi_throw_error(env, "ENOMEM", "losslens native: out of memory");
  return NULL;
}

/* rnnStep(phase, act, rec, b, u, ins[12], outs[4]): recurrent.h's ll_rnn_step; ins xp, hu, h, a, g, grh, rxp, rhu, ra, rh, rg, rgrh,
   outs o0, o1, r0, r1; null: absent (zeros) */
static napi_value rnn_step(napi_env env, napi_callback_info info) {
  args a;
  int m[5];
  if (!get_args(env, info, &a, 7)) return NULL;
  for (int i = 0; i < 5; i++) if (!i32(env, a.v[i], &m[i])) return NULL;
  if (m[0] < LL_GRU_GATES || m[0] > LL_SIMPLE_BACK || m[3] < 0 || m[4] < 0) THROW(env, "rnnStep: bad phase or shape");
  const int gru = m[0] < LL_SIMPLE_OUT, zr = m[0] == LL_GRU_BACK_ZR;
  const size_t bu = (size_t)m[3] * (size_t)m[4];
  const size_t wide[16] = {gru ? 3 : 1, gru ? 2 : 1, 1, 1, 1, 1, gru ? 3 : 1, gru ? 2 : 1, 1, 1, 1, 1, zr ? 2 : 1, 1, zr ? 2 : 1, 1};
  float *p[16] = {0};
  for (int i = 0; i < 16; i++) {
    napi_value e;
    napi_valuetype t;
    size_t len;
    CHECK(env, napi_get_element(env, i < 12 ? a.v[5] : a.v[6], (uint32_t)(i < 12 ? i : i - 12), &e));
    CHECK(env, napi_typeof(env, e, &t));
    if (t == napi_null || t == napi_undefined) continue;
    if (!f32(env, e, &p[i], &len)) return NULL;
    if (len < wide[i] * bu) THROW(env, "rnnStep: an array is shorter than its shape");
  }
  const int needA = gru && m[0] != LL_GRU_GATES, needG = m[0] >= LL_GRU_BACK_H && m[0] != LL_SIMPLE_OUT;
  if (!p[0] || !p[1] || !p[12] || (needA && !p[3]) || (needG && !p[4]) || (zr && (!p[5] || !p[13]))) THROW(env, "rnnStep: a required array is missing");
  ll_rnn_step s = {m[0], m[3], m[4], m[1], m[2], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]};
  ll_rnn_step_run(&s);
  return NULL;
}

static napi_value adam(napi_env env, napi_callback_info info) {
  args a;
  float *th, *g;
  double *m, *v, *k;
  size_t lt, lg, lm, lv, lk;
  if (!get_args(env, info, &a, 5) || !f32(env, a.v[0], &th, &lt) || !f32(env, a.v[1], &g, &lg) || !f64(env, a.v[2], &m, &lm) ||
      !f64(env, a.v[3], &v, &lv) || !f64(env, a.v[4], &k, &lk)) return NULL;
  if (lg != lt || lm != lt || lv != lt) THROW(env, "adam: theta, grad, m and v must have one length");
  if (lk != 9) THROW(env, "adam: k must hold 9 numbers");
  ll_adam(th, g, m, v, lt, k);
  return NULL;
}

/* The data of a JS array of Float64Arrays, each of length n: a malloc'd array of m pointers (the caller frees it), or NULL with an error pending. */
static const double **f64_list(napi_env env, napi_value list, size_t n, uint32_t *m) {
  bool is;
  if (napi_is_array(env, list, &is) != napi_ok || !is || napi_get_array_length(env, list, m) != napi_ok) {
    napi_throw_type_error(env, NULL, "losslens native: expected an array of Float64Arrays");
    return NULL;
  }
  const double **q = malloc(sizeof(double *) * (*m ? *m : 1));
  if (!q) { napi_throw_error(env, NULL, "losslens native: out of memory"); return NULL; }
  for (uint32_t j = 0; j < *m; j++) {
    napi_value e;
    double *d;
    size_t len;
    if (napi_get_element(env, list, j, &e) != napi_ok || !f64(env, e, &d, &len)) { free(q); return NULL; }
    if (len != n) { free(q); napi_throw_range_error(env, NULL, "losslens native: basis vectors must all have the length of the vector"); return NULL; }
    q[j] = d;
  }
  return q;
}

/* The arguments of a basis kernel: the list of basis vectors at a.v[list_at], the vector at a.v[vec_at], the
 * coefficients at a.v[2] (at least as many as basis vectors). Returns the basis pointers (the caller frees
 * them) or NULL with an error pending. */
static const double **basis_args(napi_env env, napi_callback_info info, int list_at, int vec_at, const char *short_msg,
                                 double **vec, size_t *n, double **c, uint32_t *m) {
  args a;
  size_t lc;
  if (!get_args(env, info, &a, 3) || !f64(env, a.v[vec_at], vec, n) || !f64(env, a.v[2], c, &lc)) return NULL;
  const double **q = f64_list(env, a.v[list_at], *n, m);
  if (q && lc < *m) { free(q); napi_throw_range_error(env, NULL, short_msg); return NULL; }
  return q;
}

static napi_value basis_combine(napi_env env, napi_callback_info info) {
  double *out, *c;
  size_t n;
  uint32_t m;
  const double **q = basis_args(env, info, 1, 0, "basisCombine: fewer coefficients than basis vectors", &out, &n, &c, &m);
  if (!q) return NULL;
  ll_add_combination(out, q, c, (int)m, n);
  free(q);
  return NULL;
}

static napi_value basis_dots(napi_env env, napi_callback_info info) {
  double *v, *c;
  size_t n;
  uint32_t m;
  const double **q = basis_args(env, info, 0, 1, "basisDots: the output is shorter than the basis", &v, &n, &c, &m);
  if (!q) return NULL;
  ll_dots(q, v, c, (int)m, n);
  free(q);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  args a;
  int n;
  if (!get_args(env, info, &a, 1) || !i32(env, a.v[0], &n)) return NULL;
  if (n < 1 || n > 1024) THROW(env, "setThreads: threads must be in [1, 1024]");
  ll_set_threads(n);
  return NULL;
}

/* A boolean switch: set(on) with the call's one boolean argument, its previous setting returned. */
static napi_value switch_call(napi_env env, napi_callback_info info, int (*set)(int)) {
  args a;
  bool on;
  napi_value was;
  if (!get_args(env, info, &a, 1)) return NULL;
  if (napi_get_value_bool(env, a.v[0], &on) != napi_ok) { napi_throw_type_error(env, NULL, "losslens native: expected a boolean"); return NULL; }
  CHECK(env, napi_get_boolean(env, set(on) != 0, &was));
  return was;
}
static napi_value set_direct_conv(napi_env env, napi_callback_info info) { return switch_call(env, info, ll_set_direct_conv); }
/* setOwnGemm(on): the conv tiles' and dense layers' GEMMs through our kernel or OpenBLAS (OpenBLAS builds only). */
static napi_value set_own_gemm(napi_env env, napi_callback_info info) { return switch_call(env, info, ll_set_own_gemm); }

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value info_fn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, threads;
  CHECK(env, napi_create_object(env, &o));
  CHECK(env, napi_create_int32(env, ll_threads(), &threads));
  napi_value openblas;
  CHECK(env, napi_get_boolean(env, ll_have_openblas() != 0, &openblas));
  CHECK(env, napi_set_named_property(env, o, "blas", str(env, LL_BLAS_CONFIG())));
  CHECK(env, napi_set_named_property(env, o, "corename", str(env, LL_BLAS_CORE())));
  CHECK(env, napi_set_named_property(env, o, "openblas", openblas));
  CHECK(env, napi_set_named_property(env, o, "threads", threads));
  CHECK(env, napi_set_named_property(env, o, "gemm", str(env, ll_own_gemm() ? ll_form_name(ll_cpu_form()) : "openblas")));
  CHECK(env, napi_set_named_property(env, o, "cpuForm", str(env, ll_form_name(ll_cpu_form()))));
  CHECK(env, napi_set_named_property(env, o, "cpuBest", str(env, ll_form_name(ll_cpu_best()))));
  return o;
}

/* setCpuForm(name): the kernels' CPU form from now on ("auto": the best this CPU runs); returns the form now running. */
static napi_value set_cpu_form(napi_env env, napi_callback_info info) {
  args a;
  char name[16];
  size_t len;
  if (!get_args(env, info, &a, 1)) return NULL;
  if (napi_get_value_string_utf8(env, a.v[0], name, sizeof name, &len) != napi_ok) { napi_throw_type_error(env, NULL, "losslens native: expected a string"); return NULL; }
  int form = -1;
  for (int f = LL_PORTABLE; f <= LL_AVX512; f++) if (strcmp(name, ll_form_name((ll_form)f)) == 0) form = f;
  if (strcmp(name, "auto") == 0) form = ll_cpu_best();
  if (form < 0) THROW(env, "setCpuForm: the form must be auto, avx512, avx2 or portable");
  if (ll_set_cpu_form((ll_form)form)) THROW(env, "setCpuForm: this CPU cannot run that form");
  return str(env, ll_form_name(ll_cpu_form()));
}

static void cleanup(void *arg) { (void)arg; ll_free_scratch(); }

NAPI_MODULE_INIT() {
  static const struct { const char *name; napi_callback fn; } fns[] = {
    {"gemm", gemm}, {"biasAct", bias_act}, {"im2col", im2col}, {"col2im", col2im}, {"conv2d", conv2d},
    {"conv2dBackpropInput", conv2d_bi}, {"conv2dBackpropFilter", conv2d_bf}, {"setThreads", set_threads}, {"info", info_fn},
    {"poolShare", pool_share}, {"poolSpread", pool_spread}, {"poolGather", pool_gather}, {"sumRows", sum_rows},
    {"binaryAdd", binary_add}, {"binarySub", binary_sub}, {"binaryMul", binary_mul},
    {"unaryRelu", unary_relu}, {"unaryStep", unary_step}, {"unaryExp", unary_exp}, {"unaryLog", unary_log}, {"setDirectConv", set_direct_conv}, {"setOwnGemm", set_own_gemm}, {"maxPool", max_pool}, {"adam", adam},
    {"poolRoute", pool_route}, {"conv2dPool", conv2d_pool}, {"conv2dPoolBackpropFilter", conv2d_pool_bf},
    {"basisCombine", basis_combine}, {"basisDots", basis_dots}, {"setCpuForm", set_cpu_form},
    {"depthwise", depthwise_fwd}, {"depthwiseBackpropInput", depthwise_bi}, {"depthwiseBackpropFilter", depthwise_bf},
    {"lstmStep", lstm_step},
    {"rnnSequence", rnn_sequence},
    {"rnnStep", rnn_step},
    {"relu6Grad", relu6_grad},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return NULL;
  }
  napi_add_env_cleanup_hook(env, cleanup, NULL);
  return exports;
}
