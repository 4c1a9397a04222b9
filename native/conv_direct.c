/*
 * Direct convolution for few input channels (conv_direct.h): a first layer on grey or RGB images
 * has K = kH·kW·ci of 9–75, where im2col + sgemm runs at a fifth of the speed of later layers
 * (LeNet's 5×5, 1→16 conv: ~28 GFLOP/s against ~130 for its 16→32 one here). The multiply-adds
 * are vectorised over output channels instead (8 floats a vector, GCC/Clang vector extensions),
 * four output pixels at a time so each filter vector loaded feeds four of them; taps outside the
 * image are skipped, as tfjs's cpu kernel skips them. On x86-64 Linux the hot loops are compiled
 * twice, for AVX2 + FMA and the baseline, one entry per CPU form in cpu.h's table.
 */
#include "conv_direct.h"
#include "pool.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

typedef float v8 __attribute__((vector_size(32)));
static inline v8 ld(const float *p) { v8 v; memcpy(&v, p, sizeof v); return v; }
static inline void st(float *p, v8 v) { memcpy(p, &v, sizeof v); }


/* Output pixels per block of the forward loop (each with NV accumulators). */
#define JB 4

static int g_direct = 1;
int ll_set_direct_conv(int on) {
  int was = g_direct;
  g_direct = on != 0;
  return was;
}

int ll_direct_conv_ok(const geometry *g, int co) {
  return g_direct && g->ci <= DIRECT_MAX_CI && co % 8 == 0 && co > 0 && co <= DIRECT_MAX_CO && (size_t)g->kH * g->kW * g->ci * co <= DIRECT_MAX_FILTER && g->n > 0;
}

/*
 * Columns j ∈ [*j0, *j1) ⊆ [0, outW] whose tap b stays inside the image: 0 ≤ j·sW + b·dW − left < w.
 * Both ends are clamped to outW: a tap that reaches the image only beyond the last output column
 * (padding wider than the image, a dilation ≫ w) gives the empty range [outW, outW), never one
 * starting past the row that the callers' unchecked interior loops would run into.
 */
static void j_range(const geometry *g, int b, int *j0, int *j1) {
  int off = b * g->dW - g->left; /* q = j·sW + off */
  int lo = off >= 0 ? 0 : (-off + g->sW - 1) / g->sW;
  int last = g->w - 1 - off; /* q ≤ w − 1  ⇔  j ≤ floor(last / sW) */
  int hi = last < 0 ? 0 : last / g->sW + 1;
  *j0 = lo < g->outW ? lo : g->outW;
  *j1 = hi < g->outW ? hi : g->outW;
  if (*j1 < *j0) *j1 = *j0;
}

/* Columns whose every tap is inside the image: the intersection of j_range over b. */
static void interior(const geometry *g, int *j0, int *j1) {
  int a0, a1, b0, b1;
  j_range(g, 0, &a0, &a1);
  j_range(g, g->kW - 1, &b0, &b1);
  *j0 = a0 > b0 ? a0 : b0;
  *j1 = a1 < b1 ? a1 : b1;
  if (*j1 < *j0) *j1 = *j0;
}

typedef int v8i __attribute__((vector_size(32)));

static inline v8 epilogue(v8 acc, const float *bias, int act) {
  if (bias) acc += ld(bias);
  /* relu as one vector compare and mask: lanes < 0 (not NaN, not −0) become +0, as ll_bias_act's x < 0 ? 0 : x */
  if (act == 1) acc = (v8)((v8i)acc & ~(acc < (v8){0}));
  return acc;
}

/* Output pixels j … j+JB−1 of row i (every tap inside the image), channels [o0, o0 + 8·NV): taps in (a, b, c) order. */
LL_INLINE void fwd_block(const float *xs, const float *w, float *yr, const geometry *g, int co, int i, int j, int o0,
                                                            const float *bias, int act, const int NV, const int KW, const int CI) {
  /* KW, CI: compile-time constants (0: the geometry's), and then stride and dilation 1 along the row */
  const int ci = CI ? CI : g->ci, kW = KW ? KW : g->kW, sW = KW ? 1 : g->sW, dW = KW ? 1 : g->dW, step = sW * ci;
  v8 acc[JB][2];
  for (int p = 0; p < JB; p++) for (int v = 0; v < NV; v++) acc[p][v] = (v8){0};
  for (int a = 0; a < g->kH; a++) {
    const int r = i * g->sH + a * g->dH - g->top;
    if (r < 0 || r >= g->h) continue;
    const float *xr = xs + (size_t)r * g->w * ci;
    const float *wa = w + (size_t)a * kW * ci * co + o0;
    for (int b = 0; b < kW; b++) {
      const float *xb = xr + (size_t)(j * sW + b * dW - g->left) * ci;
      for (int c = 0; c < ci; c++) {
        const float *wt = wa + (size_t)(b * ci + c) * co;
        v8 w0 = ld(wt), w1 = NV > 1 ? ld(wt + 8) : w0;
        for (int p = 0; p < JB; p++) {
          const float xv = xb[p * step + c];
          acc[p][0] += xv * w0;
          if (NV > 1) acc[p][1] += xv * w1;
        }
      }
    }
  }
  for (int p = 0; p < JB; p++) for (int v = 0; v < NV; v++)
    st(yr + (size_t)(j + p) * co + o0 + 8 * v, epilogue(acc[p][v], bias ? bias + o0 + 8 * v : NULL, act));
}

/* One output pixel j of row i near the border: taps outside the image skipped; the same tap order. */
LL_INLINE void fwd_pixel(const float *xs, const float *w, float *yr, const geometry *g, int co, int i, int j, int o0,
                                                            const float *bias, int act, const int NV) {
  const int ci = g->ci, kW = g->kW;
  v8 acc[2] = {(v8){0}, (v8){0}};
  for (int a = 0; a < g->kH; a++) {
    const int r = i * g->sH + a * g->dH - g->top;
    if (r < 0 || r >= g->h) continue;
    const float *xr = xs + (size_t)r * g->w * ci;
    for (int b = 0; b < kW; b++) {
      const int q = j * g->sW + b * g->dW - g->left;
      if (q < 0 || q >= g->w) continue;
      for (int c = 0; c < ci; c++) {
        const float *wt = w + ((size_t)(a * kW + b) * ci + c) * co + o0;
        const float xv = xr[(size_t)q * ci + c];
        for (int v = 0; v < NV; v++) acc[v] += xv * ld(wt + 8 * v);
      }
    }
  }
  for (int v = 0; v < NV; v++) st(yr + (size_t)j * co + o0 + 8 * v, epilogue(acc[v], bias ? bias + o0 + 8 * v : NULL, act));
}

/* Output row (s, i), channels [o0, o0 + 8·NV), written to yr (outW·co values). */
LL_INLINE void fwd_row_nv(const float *x, const float *w, float *yr, const geometry *g, int co, int s, int i, int o0,
                                                             const float *bias, int act, const int NV) {
  const float *xs = x + (size_t)s * g->h * g->w * g->ci;
  int in0, in1;
  interior(g, &in0, &in1);
  int j = 0;
  for (; j < in0 && j < g->outW; j++) fwd_pixel(xs, w, yr, g, co, i, j, o0, bias, act, NV);
  /* the common first layers with the tap loops' bounds (and a unit stride) known to the compiler: fully unrolled, the
   * overlapping x loads of neighbouring taps shared */
  const int unit = g->sW == 1 && g->dW == 1;
  if (unit && g->kW == 5 && g->ci == 1) for (; j + JB <= in1; j += JB) fwd_block(xs, w, yr, g, co, i, j, o0, bias, act, NV, 5, 1);
  else if (unit && g->kW == 3 && g->ci == 1) for (; j + JB <= in1; j += JB) fwd_block(xs, w, yr, g, co, i, j, o0, bias, act, NV, 3, 1);
  else if (unit && g->kW == 3 && g->ci == 3) for (; j + JB <= in1; j += JB) fwd_block(xs, w, yr, g, co, i, j, o0, bias, act, NV, 3, 3);
  else for (; j + JB <= in1; j += JB) fwd_block(xs, w, yr, g, co, i, j, o0, bias, act, NV, 0, 0);
  for (; j < g->outW; j++) fwd_pixel(xs, w, yr, g, co, i, j, o0, bias, act, NV);
}

/* Padded-row floats a row call may take on its stack. */
#define PAD_ROWS_MAX 4096

/* Whether a row's padded input rows fit PAD_ROWS_MAX (and its row pointers). */
static int pad_rows_fit(const geometry *g) {
  return (size_t)g->kH * (g->outW + g->kW - 1) * g->ci <= PAD_ROWS_MAX && g->kH <= PAD_ROWS_MAX / 8;
}

#ifdef LL_X86_FORMS
#include <immintrin.h>
/* Output pixels per block of the AVX-512 forward loop: one 16-channel vector each. */
#define JB16 8


/* epilogue() on 16 lanes: + bias, then lanes < 0 (not NaN, not −0) to +0 when act == 1. */
LL_INLINE LL_TARGET_AVX512 __m512 epilogue16(__m512 acc, const float *bias, int act) {
  if (bias) acc = _mm512_add_ps(acc, _mm512_loadu_ps(bias));
  if (act == 1) acc = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(acc, _mm512_setzero_ps(), _CMP_NLT_UQ), acc);
  return acc;
}

/*
 * fwd_block for 16 channels a vector (AVX-512) and NP pixels from output column j, stride and
 * dilation 1, KW and CI compile-time: each filter vector loaded feeds 8 pixels' FMAs where the
 * 8-float form feeds 4 pixels two vectors each. The taps in the same (a, b, c) order, one FMA each,
 * as the AVX2 fwd_block (GCC contracts its multiply-adds): the same bits. Row a's input is
 * prow[a] (NULL: outside the image, skipped as fwd_block skips it), its column q at (q + off)·CI:
 * the image's rows with off = −left for interior pixels, or zero-padded copies with off = 0 (below).
 */
LL_INLINE LL_TARGET_AVX512 void fwd_block16p(const float *const *prow, int off, const float *w, float *yr, int kH, int co, int j, int o0,
                                                                    const float *bias, int act, const int KW, const int CI, const int NP) {
  __m512 acc[JB16];
  for (int p = 0; p < NP; p++) acc[p] = _mm512_setzero_ps();
  for (int a = 0; a < kH; a++) {
    if (!prow[a]) continue;
    const float *wa = w + (size_t)a * KW * CI * co + o0;
    for (int b = 0; b < KW; b++) {
      const float *xb = prow[a] + (size_t)(j + b + off) * CI;
      for (int c = 0; c < CI; c++) {
        const __m512 wv = _mm512_loadu_ps(wa + (size_t)(b * CI + c) * co);
        for (int p = 0; p < NP; p++) acc[p] = _mm512_fmadd_ps(_mm512_set1_ps(xb[p * CI + c]), wv, acc[p]);
      }
    }
  }
  for (int p = 0; p < NP; p++) _mm512_storeu_ps(yr + (size_t)(j + p) * co + o0, epilogue16(acc[p], bias ? bias + o0 : NULL, act));
}

/*
 * Output row (s, i) from zero-padded copies of its input rows (column 0 at x column −left): all
 * pixels in blocks of 8, then 4, the last few as fwd_pixel. With finite weights a padding tap adds
 * 0·w = ±0 to a sum that starts at +0, which leaves it unchanged to the bit (round to nearest never
 * makes −0 of +0 + −0): the same values as skipping it, without fwd_pixel's per-tap bounds checks.
 */
LL_INLINE LL_TARGET_AVX512 void fwd_row16p_kw(const float *xs, const float *w, float *yr, const geometry *g, int co, int i,
                                                                     const float *bias, int act, const int KW, const int CI) {
  const int L = g->outW + KW - 1, kH = g->kH;
  float pad[PAD_ROWS_MAX];
  const float *prow[PAD_ROWS_MAX / 8];
  for (int a = 0; a < kH; a++) {
    const int r = i * g->sH + a * g->dH - g->top;
    if (r < 0 || r >= g->h) { prow[a] = NULL; continue; }
    float *dst = pad + (size_t)a * L * CI;
    const float *xr = xs + (size_t)r * g->w * CI;
    for (int jj = 0; jj < L; jj++) {
      const int q = jj - g->left;
      for (int c = 0; c < CI; c++) dst[jj * CI + c] = q >= 0 && q < g->w ? xr[q * CI + c] : 0.0f;
    }
    prow[a] = dst;
  }
  for (int o0 = 0; o0 < co; o0 += 16) {
    int j = 0;
    for (; j + JB16 <= g->outW; j += JB16) fwd_block16p(prow, 0, w, yr, kH, co, j, o0, bias, act, KW, CI, JB16);
    for (; j + 4 <= g->outW; j += 4) fwd_block16p(prow, 0, w, yr, kH, co, j, o0, bias, act, KW, CI, 4);
    for (; j < g->outW; j++) fwd_pixel(xs, w, yr, g, co, i, j, o0, bias, act, 2);
  }
}

/* fwd_row for co a multiple of 16 and the first layers fwd_row_nv unrolls (unit stride, 5×5/3×3 on 1 channel, 3×3 on 3):
 * with finite weights (`padded`) every pixel from padded rows; otherwise interior pixels JB16 at a time, the rest as
 * fwd_row_nv makes them. */
__attribute__((noinline)) LL_TARGET_AVX512 static void fwd_row16(const float *x, const float *w, float *yr, const geometry *g, int co, int s, int i, const float *bias, int act, int padded) {
  const float *xs = x + (size_t)s * g->h * g->w * g->ci;
  if (padded) {
    if (g->kW == 5 && g->ci == 1) fwd_row16p_kw(xs, w, yr, g, co, i, bias, act, 5, 1);
    else if (g->kW == 3 && g->ci == 1) fwd_row16p_kw(xs, w, yr, g, co, i, bias, act, 3, 1);
    else fwd_row16p_kw(xs, w, yr, g, co, i, bias, act, 3, 3);
    return;
  }
  int in0, in1;
  interior(g, &in0, &in1);
  const float *prow[PAD_ROWS_MAX / 8];
  for (int a = 0; a < g->kH; a++) {
    const int r = i * g->sH + a * g->dH - g->top;
    prow[a] = r < 0 || r >= g->h ? NULL : xs + (size_t)r * g->w * g->ci;
  }
  const int off = -g->left;
  for (int o0 = 0; o0 < co; o0 += 16) {
    int j = 0;
    for (; j < in0 && j < g->outW; j++) fwd_pixel(xs, w, yr, g, co, i, j, o0, bias, act, 2);
    if (g->kW == 5 && g->ci == 1) for (; j + JB16 <= in1; j += JB16) fwd_block16p(prow, off, w, yr, g->kH, co, j, o0, bias, act, 5, 1, JB16);
    else if (g->kW == 3 && g->ci == 1) for (; j + JB16 <= in1; j += JB16) fwd_block16p(prow, off, w, yr, g->kH, co, j, o0, bias, act, 3, 1, JB16);
    else for (; j + JB16 <= in1; j += JB16) fwd_block16p(prow, off, w, yr, g->kH, co, j, o0, bias, act, 3, 3, JB16);
    for (; j + JB <= in1; j += JB) fwd_block(xs, w, yr, g, co, i, j, o0, bias, act, 2, 0, 0);
    for (; j < g->outW; j++) fwd_pixel(xs, w, yr, g, co, i, j, o0, bias, act, 2);
  }
}

/* The shapes the AVX-512 forward form takes. */
static int fwd16_ok(const geometry *g, int co) {
  return co % 16 == 0 && g->kH <= PAD_ROWS_MAX / 8 && g->sW == 1 && g->dW == 1 && ((g->kW == 5 && g->ci == 1) || (g->kW == 3 && g->ci == 1) || (g->kW == 3 && g->ci == 3));
}
#endif

/* Whether one kernel call's rows may be made from padded rows: they fit, and the weights are finite (0·w = ±0). */
static int padded_ok(const float *w, const geometry *g, int co) {
  if (!pad_rows_fit(g)) return 0;
  const size_t n = (size_t)g->kH * g->kW * g->ci * co;
  for (size_t k = 0; k < n; k++) if (!isfinite(w[k])) return 0;
  return 1;
}

/* The 8-float form of an output row (the AVX2 and portable forms; the AVX-512 form's other shapes). */
LL_BODY void ll_conv_fwd_row_body(const float *x, const float *w, float *yr, const geometry *g, int co, int s, int i, const float *bias, int act, int padded) {
  (void)padded;
  int o0 = 0;
  for (; o0 + 16 <= co; o0 += 16) fwd_row_nv(x, w, yr, g, co, s, i, o0, bias, act, 2);
  if (o0 < co) fwd_row_nv(x, w, yr, g, co, s, i, o0, bias, act, 1);
}
LL_BY_FORM_EXPORT(void, ll_conv_fwd_row, (const float *x, const float *w, float *yr, const geometry *g, int co, int s, int i, const float *bias, int act, int padded),
                  (x, w, yr, g, co, s, i, bias, act, padded))
#ifdef LL_X86_FORMS
__attribute__((noinline)) LL_TARGET_AVX512 void ll_conv_fwd_row_avx512(const float *x, const float *w, float *yr, const geometry *g, int co, int s, int i,
                                                                      const float *bias, int act, int padded) {
  if (fwd16_ok(g, co)) fwd_row16(x, w, yr, g, co, s, i, bias, act, padded);
  else ll_conv_fwd_row_avx2(x, w, yr, g, co, s, i, bias, act, padded);
}
#endif

void ll_conv2d_direct(const float *x, const float *w, float *y, const geometry *g, int co, const float *bias, int act, int threads) {
  const int rows = g->n * g->outH, padded = padded_ok(w, g, co);
  const ll_kernel_table *k = ll_kernels();
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads) if (threads > 1 && rows > 1)
#endif
  for (int t = 0; t < rows; t++) k->conv_fwd_row(x, w, y + (size_t)t * g->outW * co, g, co, t / g->outH, t % g->outH, bias, act, padded);
}

int ll_conv2d_direct_pool(const float *x, const float *w, float *p, float *keep, const geometry *g, int co, const float *bias, int act, int kh, int kw, int threads) {
  const int ho = g->outH / kh, wo = g->outW / kw, groups = g->n * ho, padded = padded_ok(w, g, co);
  const ll_kernel_table *k = ll_kernels();
  const size_t row = (size_t)g->outW * co;
  int failed = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1 && groups > 1)
#endif
  {
    float *mine = keep ? NULL : malloc(sizeof(float) * kh * row); /* this thread's kh conv rows: a few KiB, in L1 */
    if (!keep && !mine) failed = 1;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 8)
#endif
    for (int t = 0; t < groups; t++) {
      if (!keep && !mine) continue;
      const int s = t / ho, i = t % ho;
      float *rows = keep ? keep + (size_t)t * kh * row : mine; /* kept: the rows in place in the conv output, pooled while in cache */
      for (int r = 0; r < kh; r++) k->conv_fwd_row(x, w, rows + r * row, g, co, s, i * kh + r, bias, act, padded);
      const tiles one = {1, 1, wo, co, kh, kw};
      ll_max_pool_serial(rows, p + (size_t)t * wo * co, &one);
    }
    free(mine);
  }
  return failed ? -1 : 0;
}

/*
 * Filter-gradient taps of output row (s, i) added into part [kH·kW·ci, co]: for each tap, a dot
 * product over the row's in-image pixels, four pixels' partial sums apart (independent FMA chains).
 */
LL_INLINE void filter_row_nv(const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i, int o0, const int NV) {
  const int ci = g->ci, kW = g->kW;
  const float *xs = x + (size_t)s * g->h * g->w * ci;
  const float *dr = dyr + o0;
  for (int a = 0; a < g->kH; a++) {
    const int r = i * g->sH + a * g->dH - g->top;
    if (r < 0 || r >= g->h) continue;
    const float *xr = xs + (size_t)r * g->w * ci;
    for (int b = 0; b < kW; b++) {
      int j0, j1;
      j_range(g, b, &j0, &j1);
      const int off = b * g->dW - g->left;
      for (int c = 0; c < ci; c++) {
        v8 acc[JB][2];
        for (int p = 0; p < JB; p++) for (int v = 0; v < NV; v++) acc[p][v] = (v8){0};
        int j = j0;
        for (; j + JB <= j1; j += JB) for (int p = 0; p < JB; p++) {
          const float xv = xr[(size_t)((j + p) * g->sW + off) * ci + c];
          for (int v = 0; v < NV; v++) acc[p][v] += xv * ld(dr + (size_t)(j + p) * co + 8 * v);
        }
        for (; j < j1; j++) {
          const float xv = xr[(size_t)(j * g->sW + off) * ci + c];
          for (int v = 0; v < NV; v++) acc[0][v] += xv * ld(dr + (size_t)j * co + 8 * v);
        }
        float *pt = part + ((size_t)(a * kW + b) * ci + c) * co + o0;
        for (int v = 0; v < NV; v++) st(pt + 8 * v, ld(pt + 8 * v) + ((acc[0][v] + acc[1][v]) + (acc[2][v] + acc[3][v])));
      }
    }
  }
}

/* Pixel j's contribution to a tap row's KW taps (channels o0 … o0 + 8·NV), checked: taps outside the image skipped. */
LL_INLINE void filter_pixel_taps(v8 acc[][2], const float *xr, const float *dr, const geometry *g, int co, int c, int j,
                                                                    const int NV, const int KW, const int checked) {
  const v8 d0 = ld(dr + (size_t)j * co), d1 = NV > 1 ? ld(dr + (size_t)j * co + 8) : d0;
  for (int b = 0; b < KW; b++) {
    const int q = j * g->sW + b * g->dW - g->left;
    if (checked && (q < 0 || q >= g->w)) continue;
    const float xv = xr[(size_t)q * g->ci + c];
    acc[b][0] += xv * d0;
    if (NV > 1) acc[b][1] += xv * d1;
  }
}

/*
 * The same taps for a kW known at compile time (3, 5): a tap row's KW taps (× NV vectors, ≤ 10
 * registers) accumulate over the whole output row, each dy vector loaded once for all of them,
 * where filter_row_nv makes one pass over the row per tap (three loads for two FMAs).
 * Interior pixels unchecked; the sums in another order than filter_row_nv's (within rounding).
 */
LL_INLINE void filter_taps_nv(const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i, int o0,
                                                                 const int NV, const int KW) {
  const int ci = g->ci;
  const float *xs = x + (size_t)s * g->h * g->w * ci;
  const float *dr = dyr + o0;
  int in0, in1;
  interior(g, &in0, &in1);
  for (int a = 0; a < g->kH; a++) {
    const int r = i * g->sH + a * g->dH - g->top;
    if (r < 0 || r >= g->h) continue;
    const float *xr = xs + (size_t)r * g->w * ci;
    for (int c = 0; c < ci; c++) {
      v8 acc[KW][2];
      for (int b = 0; b < KW; b++) for (int v = 0; v < NV; v++) acc[b][v] = (v8){0};
      int j = 0;
      for (; j < in0 && j < g->outW; j++) filter_pixel_taps(acc, xr, dr, g, co, c, j, NV, KW, 1);
      for (; j < in1; j++) filter_pixel_taps(acc, xr, dr, g, co, c, j, NV, KW, 0);
      for (; j < g->outW; j++) filter_pixel_taps(acc, xr, dr, g, co, c, j, NV, KW, 1);
      for (int b = 0; b < KW; b++) {
        float *pt = part + ((size_t)(a * KW + b) * ci + c) * co + o0;
        for (int v = 0; v < NV; v++) st(pt + 8 * v, ld(pt + 8 * v) + acc[b][v]);
      }
    }
  }
}

/* Every channel block of output row (s, i) through filter_taps_nv, KW a compile-time constant. */
LL_INLINE void filter_taps(const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i, const int KW) {
  int o0 = 0;
  for (; o0 + 16 <= co; o0 += 16) filter_taps_nv(x, dyr, part, g, co, s, i, o0, 2, KW);
  if (o0 < co) filter_taps_nv(x, dyr, part, g, co, s, i, o0, 1, KW);
}

#ifdef LL_X86_FORMS
/* filter_pixel_taps on 16 channels a vector: pixel j's contribution to a tap row's KW taps. */
LL_INLINE LL_TARGET_AVX512 void filter_pixel_taps16(__m512 *acc, const float *xr, const float *dr, const geometry *g, int co, int c, int j,
                                                                           const int KW, const int checked) {
  const __m512 d = _mm512_loadu_ps(dr + (size_t)j * co);
  for (int b = 0; b < KW; b++) {
    const int q = j * g->sW + b * g->dW - g->left;
    if (checked && (q < 0 || q >= g->w)) continue;
    acc[b] = _mm512_fmadd_ps(_mm512_set1_ps(xr[(size_t)q * g->ci + c]), d, acc[b]);
  }
}

/*
 * filter_taps for co a multiple of 16 where the CPU has AVX-512: each 16-channel dy vector loaded
 * once for a tap row's KW taps (one FMA each), where the 8-float form loads two for 2·KW. The same
 * taps in the same pixel order, one FMA each, as the AVX2 filter_taps_nv: the same bits.
 */
LL_INLINE LL_TARGET_AVX512 void filter_taps16_kw(const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i, const int KW) {
  const int ci = g->ci;
  const float *xs = x + (size_t)s * g->h * g->w * ci;
  int in0, in1;
  interior(g, &in0, &in1);
  for (int o0 = 0; o0 < co; o0 += 16) {
    const float *dr = dyr + o0;
    for (int a = 0; a < g->kH; a++) {
      const int r = i * g->sH + a * g->dH - g->top;
      if (r < 0 || r >= g->h) continue;
      const float *xr = xs + (size_t)r * g->w * ci;
      for (int c = 0; c < ci; c++) {
        __m512 acc[5];
        for (int b = 0; b < KW; b++) acc[b] = _mm512_setzero_ps();
        int j = 0;
        for (; j < in0 && j < g->outW; j++) filter_pixel_taps16(acc, xr, dr, g, co, c, j, KW, 1);
        for (; j < in1; j++) filter_pixel_taps16(acc, xr, dr, g, co, c, j, KW, 0);
        for (; j < g->outW; j++) filter_pixel_taps16(acc, xr, dr, g, co, c, j, KW, 1);
        for (int b = 0; b < KW; b++) {
          float *pt = part + ((size_t)(a * KW + b) * ci + c) * co + o0;
          _mm512_storeu_ps(pt, _mm512_add_ps(_mm512_loadu_ps(pt), acc[b]));
        }
      }
    }
  }
}
/* KW a compile-time constant: the taps' accumulators stay in registers. */
__attribute__((noinline)) LL_TARGET_AVX512 static void filter_taps16(const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i) {
  if (g->kW == 5) filter_taps16_kw(x, dyr, part, g, co, s, i, 5);
  else filter_taps16_kw(x, dyr, part, g, co, s, i, 3);
}
#endif

/* Output row (s, i)'s taps added into part, its dy row at dyr (outW·co values): the 8-float form. */
LL_BODY void ll_conv_filter_row_body(const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i) {
  if (g->kW == 5) return filter_taps(x, dyr, part, g, co, s, i, 5);
  if (g->kW == 3) return filter_taps(x, dyr, part, g, co, s, i, 3);
  int o0 = 0;
  for (; o0 + 16 <= co; o0 += 16) filter_row_nv(x, dyr, part, g, co, s, i, o0, 2);
  if (o0 < co) filter_row_nv(x, dyr, part, g, co, s, i, o0, 1);
}
LL_BY_FORM_EXPORT(void, ll_conv_filter_row, (const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i), (x, dyr, part, g, co, s, i))
#ifdef LL_X86_FORMS
__attribute__((noinline)) LL_TARGET_AVX512 void ll_conv_filter_row_avx512(const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i) {
  if (co % 16 == 0 && (g->kW == 5 || g->kW == 3)) filter_taps16(x, dyr, part, g, co, s, i);
  else ll_conv_filter_row_avx2(x, dyr, part, g, co, s, i);
}
#endif

int ll_conv2d_backprop_filter_direct(const float *x, const float *dy, float *dw, const geometry *g, int co, int threads) {
  const size_t wsize = (size_t)g->kH * g->kW * g->ci * co;
  const int rows = g->n * g->outH, nt = threads > 1 && rows > 1 ? threads : 1;
  float *parts = calloc((size_t)nt * wsize, sizeof(float));
  if (!parts) return -1;
  const ll_kernel_table *k = ll_kernels();
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
  {
#ifdef _OPENMP
    float *mine = parts + (size_t)omp_get_thread_num() * wsize;
#pragma omp for schedule(static)
#else
    float *mine = parts;
#endif
    for (int t = 0; t < rows; t++) k->conv_filter_row(x, dy + (size_t)t * g->outW * co, mine, g, co, t / g->outH, t % g->outH);
  }
  memcpy(dw, parts, sizeof(float) * wsize);
  for (int t = 1; t < nt; t++) for (size_t k = 0; k < wsize; k++) dw[k] += parts[(size_t)t * wsize + k];
  free(parts);
  return 0;
}

int ll_conv2d_pool_backprop_filter_direct(const float *x, const float *frame, const float *dp, float *dw, float *db, const geometry *g, int co,
                                          int kh, int kw, int positive, int threads) {
  const size_t wsize = (size_t)g->kH * g->kW * g->ci * co, row = (size_t)g->outW * co;
  const int ho = g->outH / kh, wo = g->outW / kw, groups = g->n * ho, nt = threads > 1 && groups > 1 ? threads : 1;
  float *parts = calloc((size_t)nt * wsize, sizeof(float));
  double *bparts = calloc((size_t)nt * co, sizeof(double));
  const ll_kernel_table *k = ll_kernels();
  int failed = !parts || !bparts;
  if (!failed) {
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
#ifdef _OPENMP
      const int me = omp_get_thread_num();
#else
      const int me = 0;
#endif
      float *mine = parts + (size_t)me * wsize, *dyr = malloc(sizeof(float) * kh * row); /* this group's kh dy rows, in L1 */
      double *bmine = bparts + (size_t)me * co;
      if (!dyr) failed = 1;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
      for (int t = 0; t < groups; t++) {
        if (!dyr) continue;
        const int s = t / ho, i = t % ho;
        const tiles one = {1, 1, wo, co, kh, kw};
        ll_pool_route_serial(frame + (size_t)t * kh * row, dp + (size_t)t * wo * co, dyr, &one, positive);
        for (int r = 0; r < kh; r++) {
          k->conv_filter_row(x, dyr + r * row, mine, g, co, s, i * kh + r);
          for (int j = 0; j < g->outW; j++) for (int c = 0; c < co; c++) bmine[c] += dyr[(size_t)r * row + (size_t)j * co + c];
        }
      }
      free(dyr);
    }
  }
  if (!failed) {
    memcpy(dw, parts, sizeof(float) * wsize);
    for (int t = 1; t < nt; t++) for (size_t k = 0; k < wsize; k++) dw[k] += parts[(size_t)t * wsize + k];
    for (int c = 0; c < co; c++) {
      double b = 0;
      for (int t = 0; t < nt; t++) b += bparts[(size_t)t * co + c];
      db[c] = (float)b;
    }
  }
  free(parts);
  free(bparts);
  return failed ? -1 : 0;
}
