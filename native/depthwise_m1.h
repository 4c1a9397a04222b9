/*
 * The row kernels of depthwise.c for a channel multiplier of 1 (every MobileNet layer), included by
 * depthwise.c only: each output (or input-gradient) value is summed in registers over its taps and
 * stored once, 16 channels a vector (GCC vector extensions: one zmm in the AVX-512 form, two ymm in
 * AVX2, four xmm in the baseline), instead of the general rows' one load / store of the output per tap.
 *   forward          y[s, i, j, c]  = act(Σ_{a,b} x[s, i·sH + a·dH − top, j·sW + b·dW − left, c] · w[a, b, c] + bias[c])
 *   input gradient   dx[s, r, t, c] = Σ over the taps (a, b) whose output (i, j) reads (r, t) of dy[s, i, j, c] · w[a, b, c]
 *                    (gathered per input pixel: each dx row written once, so rows split over threads freely)
 *   filter gradient  part[a, b, c] += Σ_j x[s, i·sH + a·dH − top, j·sW + b·dW − left, c] · dy[s, i, j, c] over one output row,
 *                    the 3×3 taps' sums in nine registers per channel block
 * Taps outside x are skipped (read zero), as in the general rows. Terms are added in tap order (a, then b).
 */
#ifndef LOSSLENS_DEPTHWISE_M1_H
#define LOSSLENS_DEPTHWISE_M1_H
#include <string.h>
#include "cpu.h"
#include "geometry.h"

typedef float dw_v16 __attribute__((vector_size(64)));
typedef int dw_v16i __attribute__((vector_size(64)));
LL_INLINE dw_v16 dw_ld(const float *p) { dw_v16 v; memcpy(&v, p, sizeof v); return v; }
LL_INLINE void dw_st(float *p, dw_v16 v) { memcpy(p, &v, sizeof v); }

/* The taps b ∈ [*b0, *b1) of output column j that read inside the row (col = j·sW − left + b·dW ∈ [0, w)). */
LL_INLINE void dw_col_taps(const geometry *g, int j, int *b0, int *b1) {
  const long long base = (long long)j * g->sW - g->left;
  const long long lo = base >= 0 ? 0 : (-base + g->dW - 1) / g->dW;
  const long long hi = g->w - base <= 0 ? 0 : (g->w - base + g->dW - 1) / g->dW;
  *b0 = (int)(lo < g->kW ? lo : g->kW);
  *b1 = (int)(hi < g->kW ? hi : g->kW);
  if (*b1 < *b0) *b1 = *b0;
}

/* The epilogue on 16 sums: + bias (NULL: none), then relu (act 1: lanes < 0 become +0; −0 and NaN stay, as x < 0 ? 0 : x). */
LL_INLINE dw_v16 dw_epilogue(dw_v16 acc, const float *bias, int act) {
  if (bias) acc += dw_ld(bias);
  if (act == 1) acc = (dw_v16)((dw_v16i)acc & ~(acc < (dw_v16){0}));
  return acc;
}

/* Forward output row (s, i), channels C (a constant where BY_WIDTH knows it), the epilogue before the one store. */
LL_INLINE void dw1_fwd_row(const float *x, const float *w, float *y, const geometry *g, int s, int i, const float *bias, int act, const int C) {
  float *yr = y + ((size_t)s * g->outH + i) * g->outW * C;
  const float *xs = x + (size_t)s * g->h * g->w * C;
  for (int j = 0; j < g->outW; j++) {
    int b0, b1;
    dw_col_taps(g, j, &b0, &b1);
    const long long base = (long long)j * g->sW - g->left;
    int c = 0;
    for (; c + 16 <= C; c += 16) {
      dw_v16 acc = {0};
      for (int a = 0; a < g->kH; a++) {
        const long long r = (long long)i * g->sH + (long long)a * g->dH - g->top;
        if (r < 0 || r >= g->h) continue;
        const float *xp = xs + (size_t)r * g->w * C + c, *wp = w + (size_t)a * g->kW * C + c;
        for (int b = b0; b < b1; b++) acc += dw_ld(xp + (size_t)(base + (long long)b * g->dW) * C) * dw_ld(wp + (size_t)b * C);
      }
      dw_st(yr + (size_t)j * C + c, dw_epilogue(acc, bias ? bias + c : NULL, act));
    }
    for (; c < C; c++) {
      float acc = 0.0f;
      for (int a = 0; a < g->kH; a++) {
        const long long r = (long long)i * g->sH + (long long)a * g->dH - g->top;
        if (r < 0 || r >= g->h) continue;
        const float *xp = xs + (size_t)r * g->w * C + c, *wp = w + (size_t)a * g->kW * C + c;
        for (int b = b0; b < b1; b++) acc += xp[(size_t)(base + (long long)b * g->dW) * C] * wp[(size_t)b * C];
      }
      if (bias) acc += bias[c];
      yr[(size_t)j * C + c] = act == 1 && acc < 0.0f ? 0.0f : acc;
    }
  }
}

/* The output index k of input index p through tap t (k·stride = p + pad − t·dil), or −1 where none is. */
LL_INLINE int dw_source(long long p, int pad, int t, int dil, int stride, int out) {
  const long long num = p + pad - (long long)t * dil;
  if (num < 0 || num % stride) return -1;
  const long long k = num / stride;
  return k < out ? (int)k : -1;
}

/* Input-gradient row (s, r): each dx value gathered from the dy values that read it, in tap order, stored once. */
LL_INLINE void dw1_bi_row(const float *dy, const float *w, float *dx, const geometry *g, int s, int r, const int C) {
  float *xr = dx + ((size_t)s * g->h + r) * g->w * C;
  const float *ds = dy + (size_t)s * g->outH * g->outW * C;
  for (int t = 0; t < g->w; t++) {
    int c = 0;
    for (; c + 16 <= C; c += 16) {
      dw_v16 acc = {0};
      for (int a = 0; a < g->kH; a++) {
        const int i = dw_source(r, g->top, a, g->dH, g->sH, g->outH);
        if (i < 0) continue;
        for (int b = 0; b < g->kW; b++) {
          const int j = dw_source(t, g->left, b, g->dW, g->sW, g->outW);
          if (j >= 0) acc += dw_ld(ds + ((size_t)i * g->outW + j) * C + c) * dw_ld(w + ((size_t)a * g->kW + b) * C + c);
        }
      }
      dw_st(xr + (size_t)t * C + c, acc);
    }
    for (; c < C; c++) {
      float acc = 0.0f;
      for (int a = 0; a < g->kH; a++) {
        const int i = dw_source(r, g->top, a, g->dH, g->sH, g->outH);
        if (i < 0) continue;
        for (int b = 0; b < g->kW; b++) {
          const int j = dw_source(t, g->left, b, g->dW, g->sW, g->outW);
          if (j >= 0) acc += ds[((size_t)i * g->outW + j) * C + c] * w[((size_t)a * g->kW + b) * C + c];
        }
      }
      xr[(size_t)t * C + c] = acc;
    }
  }
}

/* Filter-gradient taps of output row (s, i) for a 3×3 filter, added into part [3, 3, C]: per channel block, nine sums in registers over the row. */
LL_INLINE void dw1_bf_row3(const float *x, const float *dy, float *part, const geometry *g, int s, int i, const int C) {
  const float *dyr = dy + ((size_t)s * g->outH + i) * g->outW * C;
  const float *rows[3];
  for (int a = 0; a < 3; a++) {
    const long long r = (long long)i * g->sH + (long long)a * g->dH - g->top;
    rows[a] = r < 0 || r >= g->h ? NULL : x + ((size_t)s * g->h + r) * g->w * C;
  }
  int c = 0;
  for (; c + 16 <= C; c += 16) {
    dw_v16 acc[9];
    for (int k = 0; k < 9; k++) acc[k] = (dw_v16){0};
    for (int j = 0; j < g->outW; j++) {
      int b0, b1;
      dw_col_taps(g, j, &b0, &b1);
      const long long base = (long long)j * g->sW - g->left;
      const dw_v16 d = dw_ld(dyr + (size_t)j * C + c);
      for (int a = 0; a < 3; a++) {
        if (!rows[a]) continue;
        for (int b = 0; b < 3; b++)
          if (b >= b0 && b < b1) acc[a * 3 + b] += dw_ld(rows[a] + (size_t)(base + (long long)b * g->dW) * C + c) * d;
      }
    }
    for (int k = 0; k < 9; k++) dw_st(part + (size_t)k * C + c, dw_ld(part + (size_t)k * C + c) + acc[k]);
  }
  for (; c < C; c++)
    for (int j = 0; j < g->outW; j++) {
      int b0, b1;
      dw_col_taps(g, j, &b0, &b1);
      const long long base = (long long)j * g->sW - g->left;
      for (int a = 0; a < 3; a++)
        if (rows[a])
          for (int b = b0; b < b1; b++) part[(size_t)(a * 3 + b) * C + c] += rows[a][(size_t)(base + (long long)b * g->dW) * C + c] * dyr[(size_t)j * C + c];
    }
}

#endif
