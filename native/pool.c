/*
 * Max-pool share / spread / gather and the leading-axes sum (pool.h): the loops of
 * src/kernels/pool-share.ts in C, images split over OpenMP threads where compiled in.
 */
#include "pool.h"
#include "conv.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW(t, s, i, j) ((((size_t)(s) * (t)->ho + (i)) * (t)->kh * (t)->wo * (t)->kw + (size_t)(j) * (t)->kw) * (t)->c)
#define POOLED(t, s, i, j) ((((size_t)(s) * (t)->ho + (i)) * (t)->wo + (j)) * (t)->c)
#define IMAGES_PARALLEL(t) (ll_threads() > 1 && (t)->n > 1 && (size_t)(t)->n * (t)->ho * (t)->wo * (t)->kh * (t)->kw * (t)->c >= 65536)

/* One window at a time, channel by channel: any pooled-row length. dy non-NULL: the route, each
 * share times its window's dy (spread's product, the same bits without the share array). */
static void share_windows(const float *x, const float *dy, float *o, const tiles *t, int s, int i, int positive) {
  const size_t row = (size_t)t->wo * t->kw * t->c;
  for (int j = 0; j < t->wo; j++) {
    const size_t base = WINDOW(t, s, i, j);
    for (int ch = 0; ch < t->c; ch++) {
      float m = -INFINITY;
      int ties = 0, nan = 0;
      for (int a = 0; a < t->kh; a++) for (int q = 0; q < t->kw; q++) {
        float v = x[base + a * row + (size_t)q * t->c + ch];
        if (v > m) { m = v; ties = 1; } else if (v == m) ties++;
        else if (v != v) nan = 1;
      }
      const float share = positive && !(m > 0) ? 0.0f : 1.0f / (float)ties; /* m ≤ 0: step(x) = 0 at every max */
      const float gy = dy ? dy[POOLED(t, s, i, j) + ch] : 1.0f;
      for (int a = 0; a < t->kh; a++) for (int q = 0; q < t->kw; q++) {
        size_t p = base + a * row + (size_t)q * t->c + ch;
        const float sh = nan ? NAN : x[p] == m ? share : 0.0f; /* a NaN window propagates NaN */
        o[p] = dy ? gy * sh : sh;
      }
    }
  }
}

/* Pooled rows up to this many values take the row form (its three arrays on the stack). */
#define SHARE_ROW_MAX 4096

/*
 * A whole pooled row at once: the max, the NaN flag and the tie count of every window in
 * passes over the row's kh·kw strided copies, each a loop over contiguous channels the compiler
 * vectorizes (the window-by-window form runs scalar, at ~2 ns a value). The same values: ties are
 * the entries equal to the final max, as the window form counts them.
 */
LL_INLINE void share_row_c(const float *x, const float *dy, float *o, const tiles *t, int s, int i, const int c, const int positive) {
  const int wo = t->wo, kw = t->kw;
  const size_t row = (size_t)wo * kw * c, n = (size_t)wo * c;
  float m[SHARE_ROW_MAX], inv[SHARE_ROW_MAX], nan[SHARE_ROW_MAX];
  const float *x0 = x + WINDOW(t, s, i, 0);
  float *o0 = o + WINDOW(t, s, i, 0);
  for (size_t u = 0; u < n; u++) { m[u] = -INFINITY; inv[u] = 0.0f; nan[u] = 0.0f; }
  for (int a = 0; a < t->kh; a++) for (int q = 0; q < kw; q++) for (int j = 0; j < wo; j++) {
    const float *restrict v = x0 + a * row + ((size_t)j * kw + q) * c;
    float *restrict mj = m + (size_t)j * c, *restrict nj = nan + (size_t)j * c;
    for (int ch = 0; ch < c; ch++) { mj[ch] = v[ch] > mj[ch] ? v[ch] : mj[ch]; nj[ch] = v[ch] != v[ch] ? 1.0f : nj[ch]; }
  }
  for (int a = 0; a < t->kh; a++) for (int q = 0; q < kw; q++) for (int j = 0; j < wo; j++) {
    const float *restrict v = x0 + a * row + ((size_t)j * kw + q) * c;
    const float *restrict mj = m + (size_t)j * c;
    float *restrict tj = inv + (size_t)j * c;
    for (int ch = 0; ch < c; ch++) tj[ch] += v[ch] == mj[ch] ? 1.0f : 0.0f;
  }
  for (size_t u = 0; u < n; u++) inv[u] = nan[u] != 0.0f ? NAN : 1.0f / inv[u]; /* a NaN window propagates NaN */
  if (positive) for (size_t u = 0; u < n; u++) inv[u] = m[u] > 0.0f || inv[u] != inv[u] ? inv[u] : 0.0f; /* the relu mask: max ≤ 0 shares 0 */
  for (int a = 0; a < t->kh; a++) for (int q = 0; q < kw; q++) for (int j = 0; j < wo; j++) {
    const size_t off = a * row + ((size_t)j * kw + q) * c;
    const float *restrict v = x0 + off, *restrict mj = m + (size_t)j * c, *restrict ij = inv + (size_t)j * c;
    float *restrict out = o0 + off;
    /* 1/ties at the max, else 0; a NaN window's inv is NaN and 0·NaN = NaN: all of it NaN */
    if (dy) {
      const float *restrict dj = dy + POOLED(t, s, i, j);
      for (int ch = 0; ch < c; ch++) out[ch] = dj[ch] * ((v[ch] == mj[ch] ? 1.0f : 0.0f) * ij[ch]);
    } else {
      for (int ch = 0; ch < c; ch++) out[ch] = (v[ch] == mj[ch] ? 1.0f : 0.0f) * ij[ch];
    }
  }
}

/* A row form F(x, o, t, s, i, c) called with the channel count a constant for the common widths (its loops unrolled). */
#define BY_CHANNELS(F, x, o, t, s, i) do { \
    switch ((t)->c) { \
      case 8: F(x, o, t, s, i, 8); break; \
      case 16: F(x, o, t, s, i, 16); break; \
      case 32: F(x, o, t, s, i, 32); break; \
      case 64: F(x, o, t, s, i, 64); break; \
      default: F(x, o, t, s, i, (t)->c); \
    } \
  } while (0)

#ifdef LL_X86_FORMS
#include <immintrin.h>
/*
 * share_row_c for 2×2 windows and channels a multiple of 16 (AVX-512): a window's four vectors
 * loaded once and everything in registers, where the row form makes three passes through its
 * stack arrays. The same operations on each value: max over the non-NaN entries from −∞ (vmaxps
 * keeps its second operand on a NaN or a tie, as `v > m ? v : m`), the ties counted as floats,
 * 1/ties (NaN for a NaN window), the relu mask, then dy · (match · inv): the same bits.
 */
LL_INLINE LL_TARGET_AVX512 void share_row2x2_16(const float *x, const float *dy, float *o, const tiles *t, int s, int i, const int positive) {
  const int c = t->c, wo = t->wo;
  const size_t row = (size_t)wo * 2 * c;
  const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps(), ninf = _mm512_set1_ps(-INFINITY), qnan = _mm512_set1_ps(NAN);
  for (int j = 0; j < wo; j++) for (int ch = 0; ch < c; ch += 16) {
    const size_t base = WINDOW(t, s, i, j) + ch;
    const __m512 v0 = _mm512_loadu_ps(x + base), v1 = _mm512_loadu_ps(x + base + c), v2 = _mm512_loadu_ps(x + base + row), v3 = _mm512_loadu_ps(x + base + row + c);
    const __m512 m = _mm512_max_ps(v3, _mm512_max_ps(v2, _mm512_max_ps(v1, _mm512_max_ps(v0, ninf))));
    const __mmask16 nan = _mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v2, v2, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v3, v3, _CMP_UNORD_Q);
    const __mmask16 e0 = _mm512_cmp_ps_mask(v0, m, _CMP_EQ_OQ), e1 = _mm512_cmp_ps_mask(v1, m, _CMP_EQ_OQ), e2 = _mm512_cmp_ps_mask(v2, m, _CMP_EQ_OQ), e3 = _mm512_cmp_ps_mask(v3, m, _CMP_EQ_OQ);
    __m512 ties = _mm512_add_ps(_mm512_maskz_mov_ps(e0, one), zero);
    ties = _mm512_add_ps(ties, _mm512_maskz_mov_ps(e1, one));
    ties = _mm512_add_ps(ties, _mm512_maskz_mov_ps(e2, one));
    ties = _mm512_add_ps(ties, _mm512_maskz_mov_ps(e3, one));
    __m512 inv = _mm512_mask_mov_ps(_mm512_div_ps(one, ties), nan, qnan);
    if (positive) inv = _mm512_mask_mov_ps(zero, _mm512_cmp_ps_mask(m, zero, _CMP_GT_OQ) | nan, inv);
    const __m512 g = dy ? _mm512_loadu_ps(dy + POOLED(t, s, i, j) + ch) : one;
    const __m512 s0 = _mm512_mul_ps(_mm512_maskz_mov_ps(e0, one), inv), s1 = _mm512_mul_ps(_mm512_maskz_mov_ps(e1, one), inv);
    const __m512 s2 = _mm512_mul_ps(_mm512_maskz_mov_ps(e2, one), inv), s3 = _mm512_mul_ps(_mm512_maskz_mov_ps(e3, one), inv);
    _mm512_storeu_ps(o + base, dy ? _mm512_mul_ps(g, s0) : s0);
    _mm512_storeu_ps(o + base + c, dy ? _mm512_mul_ps(g, s1) : s1);
    _mm512_storeu_ps(o + base + row, dy ? _mm512_mul_ps(g, s2) : s2);
    _mm512_storeu_ps(o + base + row + c, dy ? _mm512_mul_ps(g, s3) : s3);
  }
}
__attribute__((noinline)) LL_TARGET_AVX512 static void share_row16(const float *x, const float *dy, float *o, const tiles *t, int s, int i, int positive) {
  if (positive) share_row2x2_16(x, dy, o, t, s, i, 1);
  else share_row2x2_16(x, dy, o, t, s, i, 0);
}
#endif

/* 8-float vectors (GCC/Clang vector extensions): AVX registers in the AVX2 form, SSE pairs in the portable one. */
typedef float pv8 __attribute__((vector_size(32)));
typedef int pv8i __attribute__((vector_size(32)));
LL_INLINE pv8 pld(const float *p) { pv8 v; memcpy(&v, p, sizeof v); return v; }
LL_INLINE void pst(float *p, pv8 v) { memcpy(p, &v, sizeof v); }
LL_INLINE pv8 splat(float f) { return (pv8){f, f, f, f, f, f, f, f}; }
/* m ? a : b lane by lane (m: a comparison's all-ones / zero lanes). */
LL_INLINE pv8 sel(pv8i m, pv8 a, pv8 b) { return (pv8)((m & (pv8i)a) | (~m & (pv8i)b)); }
/* The running max as `v > m ? v : m` from −∞ (NaN entries skipped), and the window's NaN lanes. */
LL_INLINE pv8 max4(pv8 v0, pv8 v1, pv8 v2, pv8 v3, pv8i *nan) {
  pv8 m = splat(-INFINITY);
  m = sel(v0 > m, v0, m);
  m = sel(v1 > m, v1, m);
  m = sel(v2 > m, v2, m);
  m = sel(v3 > m, v3, m);
  *nan = (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3);
  return m;
}

/*
 * share_row_c for 2×2 windows and channels a multiple of 8, a window's four vectors in registers
 * (the AVX-512 form's scheme on 8 lanes): the same operations on each value as the row form — the
 * max, the ties counted as floats from 0, 1/ties (NaN for a NaN window), the relu mask, then
 * dy · (match · inv): the same bits.
 */
LL_INLINE void share_row2x2_8(const float *x, const float *dy, float *o, const tiles *t, int s, int i, const int positive) {
  const int c = t->c, wo = t->wo;
  const size_t row = (size_t)wo * 2 * c;
  const pv8 one = splat(1.0f), zero = splat(0.0f);
  for (int j = 0; j < wo; j++) for (int ch = 0; ch < c; ch += 8) {
    const size_t base = WINDOW(t, s, i, j) + ch, at[4] = {base, base + c, base + row, base + row + c};
    const pv8 v[4] = {pld(x + at[0]), pld(x + at[1]), pld(x + at[2]), pld(x + at[3])};
    pv8i nan;
    const pv8 m = max4(v[0], v[1], v[2], v[3], &nan);
    pv8 ties = zero;
    for (int k = 0; k < 4; k++) ties += (pv8)((v[k] == m) & (pv8i)one);
    pv8 inv = sel(nan, splat(NAN), one / ties);
    if (positive) inv = sel((m > zero) | nan, inv, zero);
    const pv8 g = dy ? pld(dy + POOLED(t, s, i, j) + ch) : one;
    for (int k = 0; k < 4; k++) {
      const pv8 sh = (pv8)((v[k] == m) & (pv8i)one) * inv;
      pst(o + at[k], dy ? g * sh : sh);
    }
  }
}

/* max_row_c for 2×2 windows and channels a multiple of 8: the same max and NaN flag per value, in registers. */
LL_INLINE void max_row2x2_8(const float *x, float *y, const tiles *t, int s, int i) {
  const int c = t->c, wo = t->wo;
  const size_t row = (size_t)wo * 2 * c;
  for (int j = 0; j < wo; j++) for (int ch = 0; ch < c; ch += 8) {
    const size_t base = WINDOW(t, s, i, j) + ch;
    pv8i nan;
    const pv8 m = max4(pld(x + base), pld(x + base + c), pld(x + base + row), pld(x + base + row + c), &nan);
    pst(y + POOLED(t, s, i, j) + ch, sel(nan, splat(NAN), m));
  }
}

/* A pooled row of the share or route in the row form or, past SHARE_ROW_MAX values, window by window. */
#define SHARE_POS(x, o, t, s, i, c) share_row_c(x, NULL, o, t, s, i, c, 1)
#define SHARE_ANY(x, o, t, s, i, c) share_row_c(x, NULL, o, t, s, i, c, 0)
#define ROUTE_POS(x, o, t, s, i, c) share_row_c(x, dy, o, t, s, i, c, 1)
#define ROUTE_ANY(x, o, t, s, i, c) share_row_c(x, dy, o, t, s, i, c, 0)
LL_BODY void ll_pool_share_row_body(const float *x, const float *dy, float *o, const tiles *t, int s, int i, int positive) {
  if (t->kh == 2 && t->kw == 2 && t->c % 8 == 0) {
    if (positive) share_row2x2_8(x, dy, o, t, s, i, 1);
    else share_row2x2_8(x, dy, o, t, s, i, 0);
  } else if ((size_t)t->wo * t->c > SHARE_ROW_MAX) share_windows(x, dy, o, t, s, i, positive);
  else if (dy && positive) BY_CHANNELS(ROUTE_POS, x, o, t, s, i);
  else if (dy) BY_CHANNELS(ROUTE_ANY, x, o, t, s, i);
  else if (positive) BY_CHANNELS(SHARE_POS, x, o, t, s, i);
  else BY_CHANNELS(SHARE_ANY, x, o, t, s, i);
}
LL_BY_FORM_EXPORT(void, ll_pool_share_row, (const float *x, const float *dy, float *o, const tiles *t, int s, int i, int positive), (x, dy, o, t, s, i, positive))
#ifdef LL_X86_FORMS
void ll_pool_share_row_avx512(const float *x, const float *dy, float *o, const tiles *t, int s, int i, int positive) {
  if (t->kh == 2 && t->kw == 2 && t->c % 16 == 0) share_row16(x, dy, o, t, s, i, positive);
  else ll_pool_share_row_avx2(x, dy, o, t, s, i, positive);
}
#endif

/* Pooled row (s, i) of the share (dy NULL) or the route, in the form that runs. */
static void share_pooled_row(const float *x, const float *dy, float *o, const tiles *t, int s, int i, int positive) {
  ll_kernels()->pool_share_row(x, dy, o, t, s, i, positive);
}

static void share_or_route(const float *x, const float *dy, float *o, const tiles *t, int positive) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (IMAGES_PARALLEL(t))
#endif
  for (int s = 0; s < t->n; s++) for (int i = 0; i < t->ho; i++) share_pooled_row(x, dy, o, t, s, i, positive);
}

void ll_pool_share(const float *x, float *o, const tiles *t, int positive) { share_or_route(x, NULL, o, t, positive); }
void ll_pool_route(const float *x, const float *dy, float *o, const tiles *t, int positive) { share_or_route(x, dy, o, t, positive); }
void ll_pool_route_serial(const float *x, const float *dy, float *o, const tiles *t, int positive) {
  for (int s = 0; s < t->n; s++) for (int i = 0; i < t->ho; i++) share_pooled_row(x, dy, o, t, s, i, positive);
}

/*
 * The pooled maxima of one pooled row, a channel vector at a time (the compiler vectorises the
 * contiguous channels): max over the window with NaN propagated (a NaN anywhere in the window makes
 * the output NaN, as the share does; tfjs's cpu kernel skips NaN, XNNPACK's depends on the order).
 */
LL_INLINE void max_row_c(const float *x, float *y, const tiles *t, int s, int i, const int c) {
  const int wo = t->wo, kw = t->kw;
  const size_t row = (size_t)wo * kw * c, n = (size_t)wo * c;
  float m[SHARE_ROW_MAX], nan[SHARE_ROW_MAX];
  const float *x0 = x + WINDOW(t, s, i, 0);
  for (size_t u = 0; u < n; u++) { m[u] = -INFINITY; nan[u] = 0.0f; }
  for (int a = 0; a < t->kh; a++) for (int q = 0; q < kw; q++) for (int j = 0; j < wo; j++) {
    const float *restrict v = x0 + a * row + ((size_t)j * kw + q) * c;
    float *restrict mj = m + (size_t)j * c, *restrict nj = nan + (size_t)j * c;
    for (int ch = 0; ch < c; ch++) { mj[ch] = v[ch] > mj[ch] ? v[ch] : mj[ch]; nj[ch] = v[ch] != v[ch] ? 1.0f : nj[ch]; }
  }
  float *restrict out = y + POOLED(t, s, i, 0);
  for (size_t u = 0; u < n; u++) out[u] = nan[u] != 0.0f ? NAN : m[u];
}

/* Rows over SHARE_ROW_MAX pooled values: one window at a time. */
static void max_windows(const float *x, float *y, const tiles *t, int s, int i) {
  const size_t row = (size_t)t->wo * t->kw * t->c;
  for (int j = 0; j < t->wo; j++) for (int ch = 0; ch < t->c; ch++) {
    const size_t base = WINDOW(t, s, i, j) + ch;
    float m = -INFINITY;
    int bad = 0;
    for (int a = 0; a < t->kh; a++) for (int q = 0; q < t->kw; q++) {
      float v = x[base + a * row + (size_t)q * t->c];
      if (v > m) m = v; else if (v != v) bad = 1;
    }
    y[POOLED(t, s, i, j) + ch] = bad ? NAN : m;
  }
}

#ifdef LL_X86_FORMS
/* max_row_c for 2×2 windows and channels a multiple of 16: the same max (vmaxps as v > m ? v : m from −∞) and NaN flag per value, in registers. */
__attribute__((noinline)) LL_TARGET_AVX512 static void max_row2x2_16(const float *x, float *y, const tiles *t, int s, int i) {
  const int c = t->c, wo = t->wo;
  const size_t row = (size_t)wo * 2 * c;
  const __m512 ninf = _mm512_set1_ps(-INFINITY), qnan = _mm512_set1_ps(NAN);
  for (int j = 0; j < wo; j++) for (int ch = 0; ch < c; ch += 16) {
    const size_t base = WINDOW(t, s, i, j) + ch;
    const __m512 v0 = _mm512_loadu_ps(x + base), v1 = _mm512_loadu_ps(x + base + c), v2 = _mm512_loadu_ps(x + base + row), v3 = _mm512_loadu_ps(x + base + row + c);
    const __m512 m = _mm512_max_ps(v3, _mm512_max_ps(v2, _mm512_max_ps(v1, _mm512_max_ps(v0, ninf))));
    const __mmask16 nan = _mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v2, v2, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v3, v3, _CMP_UNORD_Q);
    _mm512_storeu_ps(y + POOLED(t, s, i, j) + ch, _mm512_mask_mov_ps(m, nan, qnan));
  }
}
#endif

LL_BODY void ll_pool_max_row_body(const float *x, float *y, const tiles *t, int s, int i) {
  if (t->kh == 2 && t->kw == 2 && t->c % 8 == 0) max_row2x2_8(x, y, t, s, i);
  else if ((size_t)t->wo * t->c > SHARE_ROW_MAX) max_windows(x, y, t, s, i);
  else BY_CHANNELS(max_row_c, x, y, t, s, i);
}
LL_BY_FORM_EXPORT(void, ll_pool_max_row, (const float *x, float *y, const tiles *t, int s, int i), (x, y, t, s, i))
#ifdef LL_X86_FORMS
void ll_pool_max_row_avx512(const float *x, float *y, const tiles *t, int s, int i) {
  if (t->kh == 2 && t->kw == 2 && t->c % 16 == 0) max_row2x2_16(x, y, t, s, i);
  else ll_pool_max_row_avx2(x, y, t, s, i);
}
#endif

static void max_row(const float *x, float *y, const tiles *t, int s, int i) { ll_kernels()->pool_max_row(x, y, t, s, i); }

void ll_max_pool_serial(const float *x, float *y, const tiles *t) {
  for (int s = 0; s < t->n; s++) for (int i = 0; i < t->ho; i++) max_row(x, y, t, s, i);
}

void ll_max_pool(const float *x, float *y, const tiles *t) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (IMAGES_PARALLEL(t))
#endif
  for (int s = 0; s < t->n; s++) for (int i = 0; i < t->ho; i++) max_row(x, y, t, s, i);
}

void ll_pool_spread(const float *dy, const float *sh, float *o, const tiles *t) {
  const size_t row = (size_t)t->wo * t->kw * t->c;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (IMAGES_PARALLEL(t))
#endif
  for (int s = 0; s < t->n; s++) for (int i = 0; i < t->ho; i++) for (int j = 0; j < t->wo; j++) {
    const size_t base = WINDOW(t, s, i, j), d = POOLED(t, s, i, j);
    for (int a = 0; a < t->kh; a++) for (int q = 0; q < t->kw; q++) {
      const size_t p = base + a * row + (size_t)q * t->c;
      for (int ch = 0; ch < t->c; ch++) o[p + ch] = dy[d + ch] * sh[p + ch];
    }
  }
}

void ll_pool_gather(const float *tl, const float *sh, float *o, const tiles *t) {
  const size_t row = (size_t)t->wo * t->kw * t->c;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (IMAGES_PARALLEL(t))
#endif
  for (int s = 0; s < t->n; s++) for (int i = 0; i < t->ho; i++) for (int j = 0; j < t->wo; j++) {
    const size_t base = WINDOW(t, s, i, j), d = POOLED(t, s, i, j);
    memset(o + d, 0, sizeof(float) * t->c);
    for (int a = 0; a < t->kh; a++) for (int q = 0; q < t->kw; q++) {
      const size_t p = base + a * row + (size_t)q * t->c;
      for (int ch = 0; ch < t->c; ch++) o[d + ch] += tl[p + ch] * sh[p + ch];
    }
  }
}

int ll_sum_rows(const float *x, float *out, long m, int c) {
  double *acc = calloc((size_t)c, sizeof(double));
  if (!acc) return -1;
  for (long i = 0; i < m; i++) {
    const float *r = x + (size_t)i * c;
    for (int j = 0; j < c; j++) acc[j] += r[j];
  }
  for (int j = 0; j < c; j++) out[j] = (float)acc[j];
  free(acc);
  return 0;
}
