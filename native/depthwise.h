/*
 * Depthwise convolution on float32 NHWC arrays, its input gradient and its filter gradient, with
 * a channel multiplier m: x [n, h, w, C], filter [kH, kW, C, m], y [n, outH, outW, C·m] whose
 * channel c·m + q reads input channel c through filter[·, ·, c, q]. The geometry is conv.h's
 * (ci = C), strides, dilations and top / left padding as tfjs computes them. Pure C, no Node.
 *
 *   y[s, i, j, c·m+q]  = Σ_{a,b} x[s, i·sH + a·dH − top, j·sW + b·dW − left, c] · w[a, b, c, q]
 *   dx[s, r, t, c]     = Σ over the (i, j, a, b) reaching (r, t) of Σ_q dy[s, i, j, c·m+q] · w[a, b, c, q]
 *   dw[a, b, c, q]     = Σ_{s,i,j} x[s, i·sH + a·dH − top, j·sW + b·dW − left, c] · dy[s, i, j, c·m+q]
 * (taps outside x read zero). Each kernel runs in the CPU form that runs (cpu.h): one body
 * compiled for AVX-512, AVX2 and the baseline, vectorised over the contiguous channels.
 */
#ifndef LOSSLENS_DEPTHWISE_H
#define LOSSLENS_DEPTHWISE_H
#include "geometry.h"

/* Array lengths (floats) of a depthwise geometry: x, y and the filter. */
typedef struct { size_t x, y, w; } ll_dw_lengths;

/* Why g with channel multiplier m cannot run (geometry.h's checks plus the C·m products), or NULL; *l: the lengths. */
static inline const char *ll_depthwise_problem(const geometry *g, int m, ll_dw_lengths *l) {
  if (m < 1) return "losslens native: bad depthwise geometry (the channel multiplier must be >= 1)";
  const char *problem = ll_geometry_problem(g, m);
  if (problem) return problem;
  if ((long long)g->ci * m > INT_MAX || (long long)g->outW * g->ci * m > INT_MAX || (long long)g->kH * g->kW * g->ci * m > INT_MAX)
    return "losslens native: bad depthwise geometry (a row or filter beyond 2^31 - 1 values)";
  const size_t cm = (size_t)g->ci * m;
  if (!ll_mul4((size_t)g->n, (size_t)g->h, (size_t)g->w, (size_t)g->ci, &l->x) || !ll_mul4((size_t)g->n, (size_t)g->outH, (size_t)g->outW, cm, &l->y) ||
      !ll_mul4((size_t)g->kH, (size_t)g->kW, cm, 1, &l->w))
    return "losslens native: bad depthwise geometry (sizes overflow)";
  return NULL;
}

/* One output row (s, i) of each kernel, per CPU form: the forward row into y, the input gradient
 * scattered from dy's row into dx, the filter gradient of the row added to part [kH, kW, C, m]. */
#define LL_DW_FWD_ROW_PARAMS (const float *x, const float *w, float *y, const geometry *g, int m, int s, int i)
#define LL_DW_BI_ROW_PARAMS (const float *dy, const float *w, float *dx, const geometry *g, int m, int s, int i)
#define LL_DW_BF_ROW_PARAMS (const float *x, const float *dy, float *part, const geometry *g, int m, int s, int i)
/* Multiplier 1 (depthwise_m1.h): the forward row with its epilogue (bias, act), the input gradient's input row r. */
#define LL_DW1_FWD_ROW_PARAMS (const float *x, const float *w, float *y, const geometry *g, int s, int i, const float *bias, int act)
#define LL_DW1_BI_ROW_PARAMS (const float *dy, const float *w, float *dx, const geometry *g, int s, int r)
#define LL_DW_ROW_DECLS(form) \
  void ll_dw_fwd_row_##form LL_DW_FWD_ROW_PARAMS; \
  void ll_dw_bi_row_##form LL_DW_BI_ROW_PARAMS; \
  void ll_dw_bf_row_##form LL_DW_BF_ROW_PARAMS; \
  void ll_dw1_fwd_row_##form LL_DW1_FWD_ROW_PARAMS; \
  void ll_dw1_bi_row_##form LL_DW1_BI_ROW_PARAMS; \
  void ll_dw1_bf_row3_##form LL_DW_BF_ROW_PARAMS;
LL_DW_ROW_DECLS(portable)
#ifdef LL_X86_FORMS
LL_DW_ROW_DECLS(avx2)
LL_DW_ROW_DECLS(avx512)
#endif

/* y = depthwise(x, w): every entry written. */
void ll_depthwise(const float *x, const float *w, float *y, const geometry *g, int m);
/* y = act(depthwise(x, w) + bias), bias [C·m] or NULL, act 0 linear or 1 relu (conv_act.h), each row's epilogue while in cache. */
void ll_depthwise_fused(const float *x, const float *w, float *y, const geometry *g, int m, const float *bias, int act);
/* dx = the input gradient of dy: every entry written (zeros where no window reaches). */
void ll_depthwise_backprop_input(const float *dy, const float *w, float *dx, const geometry *g, int m);
/* dw = the filter gradient of dy. Returns 0, or -1 when out of memory (the threads' partial sums). */
int ll_depthwise_backprop_filter(const float *x, const float *dy, float *dw, const geometry *g, int m);

#endif
