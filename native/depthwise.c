/*
 * Depthwise convolution and its two gradients (depthwise.h), row by row: each output row's taps
 * are loops over the contiguous channels (C·m floats a pixel) that the compiler vectorises for the
 * form's target. Rows are split over OpenMP threads where compiled in: the forward by output row,
 * the input gradient by image (its rows scatter into overlapping input rows), the filter gradient
 * by image with one partial filter per thread, summed in thread order.
 */
#include "depthwise.h"
#include "conv_act.h"
#include "depthwise_m1.h"
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Threads only where a call has this many multiply-adds (conv.h's GEMM_SERIAL_MACS): below it one thread runs the call in
 * about a millisecond, and a fork / join whose second thread is descheduled on a shared machine costs several. */
#define DW_PARALLEL_MACS GEMM_SERIAL_MACS

/* The output columns [*j0, *j1) whose tap at column offset off (= b·dW − left) reads inside the row. */
LL_INLINE void tap_columns(const geometry *g, int off, int *j0, int *j1) {
  const long long lo = off >= 0 ? 0 : (-(long long)off + g->sW - 1) / g->sW;
  const long long last = (long long)g->w - 1 - off;
  const long long hi = last < 0 ? 0 : last / g->sW + 1;
  *j0 = (int)(lo < g->outW ? lo : g->outW);
  *j1 = (int)(hi < g->outW ? hi : g->outW);
  if (*j1 < *j0) *j1 = *j0;
}

/* acc[c·m+q] += a[c] · b[c·m+q]: one tap of the forward (a = x's pixel, b = the filter tap) or of the filter gradient (acc = the tap, b = dy). */
LL_INLINE void spread_mul_add(float *restrict acc, const float *restrict a, const float *restrict b, const int C, const int m) {
  if (m == 1)
    for (int c = 0; c < C; c++) acc[c] += a[c] * b[c];
  else
    for (int c = 0; c < C; c++)
      for (int q = 0; q < m; q++) acc[(size_t)c * m + q] += a[c] * b[(size_t)c * m + q];
}

/* acc[c] += Σ_q a[c·m+q] · b[c·m+q]: one tap of the input gradient (a = dy's pixel, b = the filter tap). */
LL_INLINE void gather_mul_add(float *restrict acc, const float *restrict a, const float *restrict b, const int C, const int m) {
  if (m == 1)
    for (int c = 0; c < C; c++) acc[c] += a[c] * b[c];
  else
    for (int c = 0; c < C; c++) {
      float t = 0.0f;
      for (int q = 0; q < m; q++) t += a[(size_t)c * m + q] * b[(size_t)c * m + q];
      acc[c] += t;
    }
}

/* The input row a tap row a of output row i reads, or -1 outside x. */
LL_INLINE int tap_row(const geometry *g, int i, int a) {
  const long long r = (long long)i * g->sH + (long long)a * g->dH - g->top;
  return r < 0 || r >= g->h ? -1 : (int)r;
}

/* The three row kernels for a channel count C the compiler may know (the common widths unrolled). */
LL_INLINE void fwd_row_c(const float *x, const float *w, float *y, const geometry *g, int m, int s, int i, const int C) {
  const size_t cm = (size_t)C * m;
  float *yr = y + ((size_t)s * g->outH + i) * g->outW * cm;
  memset(yr, 0, sizeof(float) * cm * g->outW);
  for (int a = 0; a < g->kH; a++) {
    const int r = tap_row(g, i, a);
    if (r < 0) continue;
    const float *xr = x + ((size_t)s * g->h + r) * g->w * C;
    for (int b = 0; b < g->kW; b++) {
      int j0, j1;
      const int off = b * g->dW - g->left;
      tap_columns(g, off, &j0, &j1);
      const float *wt = w + ((size_t)a * g->kW + b) * cm;
      for (int j = j0; j < j1; j++) spread_mul_add(yr + (size_t)j * cm, xr + ((size_t)j * g->sW + off) * C, wt, C, m);
    }
  }
}

LL_INLINE void bi_row_c(const float *dy, const float *w, float *dx, const geometry *g, int m, int s, int i, const int C) {
  const size_t cm = (size_t)C * m;
  const float *dyr = dy + ((size_t)s * g->outH + i) * g->outW * cm;
  for (int a = 0; a < g->kH; a++) {
    const int r = tap_row(g, i, a);
    if (r < 0) continue;
    float *xr = dx + ((size_t)s * g->h + r) * g->w * C;
    for (int b = 0; b < g->kW; b++) {
      int j0, j1;
      const int off = b * g->dW - g->left;
      tap_columns(g, off, &j0, &j1);
      const float *wt = w + ((size_t)a * g->kW + b) * cm;
      for (int j = j0; j < j1; j++) gather_mul_add(xr + ((size_t)j * g->sW + off) * C, dyr + (size_t)j * cm, wt, C, m);
    }
  }
}

LL_INLINE void bf_row_c(const float *x, const float *dy, float *part, const geometry *g, int m, int s, int i, const int C) {
  const size_t cm = (size_t)C * m;
  const float *dyr = dy + ((size_t)s * g->outH + i) * g->outW * cm;
  for (int a = 0; a < g->kH; a++) {
    const int r = tap_row(g, i, a);
    if (r < 0) continue;
    const float *xr = x + ((size_t)s * g->h + r) * g->w * C;
    for (int b = 0; b < g->kW; b++) {
      int j0, j1;
      const int off = b * g->dW - g->left;
      tap_columns(g, off, &j0, &j1);
      float *pt = part + ((size_t)a * g->kW + b) * cm;
      for (int j = j0; j < j1; j++) spread_mul_add(pt, xr + ((size_t)j * g->sW + off) * C, dyr + (size_t)j * cm, C, m);
    }
  }
}

/* F(..., C) with C a constant for the widths MobileNets use. */
#define BY_WIDTH(F, ...) do { \
    switch (g->ci) { \
      case 16: F(__VA_ARGS__, 16); break; \
      case 32: F(__VA_ARGS__, 32); break; \
      case 64: F(__VA_ARGS__, 64); break; \
      case 128: F(__VA_ARGS__, 128); break; \
      default: F(__VA_ARGS__, g->ci); \
    } \
  } while (0)

LL_BODY void ll_dw_fwd_row_body LL_DW_FWD_ROW_PARAMS { BY_WIDTH(fwd_row_c, x, w, y, g, m, s, i); }
LL_BODY void ll_dw_bi_row_body LL_DW_BI_ROW_PARAMS { BY_WIDTH(bi_row_c, dy, w, dx, g, m, s, i); }
LL_BODY void ll_dw_bf_row_body LL_DW_BF_ROW_PARAMS { BY_WIDTH(bf_row_c, x, dy, part, g, m, s, i); }
/* The multiplier-1 rows (depthwise_m1.h): forward with its epilogue, the input gradient per input row, the 3×3 filter gradient. */
LL_BODY void ll_dw1_fwd_row_body LL_DW1_FWD_ROW_PARAMS { BY_WIDTH(dw1_fwd_row, x, w, y, g, s, i, bias, act); }
LL_BODY void ll_dw1_bi_row_body LL_DW1_BI_ROW_PARAMS { BY_WIDTH(dw1_bi_row, dy, w, dx, g, s, r); }
LL_BODY void ll_dw1_bf_row3_body LL_DW_BF_ROW_PARAMS { BY_WIDTH(dw1_bf_row3, x, dy, part, g, s, i); }

/* Each body as name_avx2 and name_portable (cpu.h), and on x86-64 as name_avx512 too. */
#ifdef LL_X86_FORMS
#define DW_FORMS(name, params, args) \
  LL_BY_FORM_EXPORT(void, name, params, args) \
  __attribute__((noinline)) LL_TARGET_AVX512 void name##_avx512 params { name##_body args; }
#else
#define DW_FORMS(name, params, args) LL_BY_FORM_EXPORT(void, name, params, args)
#endif
DW_FORMS(ll_dw_fwd_row, LL_DW_FWD_ROW_PARAMS, (x, w, y, g, m, s, i))
DW_FORMS(ll_dw_bi_row, LL_DW_BI_ROW_PARAMS, (dy, w, dx, g, m, s, i))
DW_FORMS(ll_dw_bf_row, LL_DW_BF_ROW_PARAMS, (x, dy, part, g, m, s, i))
DW_FORMS(ll_dw1_fwd_row, LL_DW1_FWD_ROW_PARAMS, (x, w, y, g, s, i, bias, act))
DW_FORMS(ll_dw1_bi_row, LL_DW1_BI_ROW_PARAMS, (dy, w, dx, g, s, r))
DW_FORMS(ll_dw1_bf_row3, LL_DW_BF_ROW_PARAMS, (x, dy, part, g, m, s, i))

/* The row kernels of each form, indexed by ll_form (the form that runs is cpu.h's choice, forced or the best). */
typedef struct {
  void (*fwd) LL_DW_FWD_ROW_PARAMS;
  void (*bi) LL_DW_BI_ROW_PARAMS;
  void (*bf) LL_DW_BF_ROW_PARAMS;
  void (*fwd1) LL_DW1_FWD_ROW_PARAMS;
  void (*bi1) LL_DW1_BI_ROW_PARAMS;
  void (*bf3) LL_DW_BF_ROW_PARAMS;
} dw_rows;
#ifdef LL_X86_FORMS
static const dw_rows forms[] = {
  {ll_dw_fwd_row_portable, ll_dw_bi_row_portable, ll_dw_bf_row_portable, ll_dw1_fwd_row_portable, ll_dw1_bi_row_portable, ll_dw1_bf_row3_portable},
  {ll_dw_fwd_row_avx2, ll_dw_bi_row_avx2, ll_dw_bf_row_avx2, ll_dw1_fwd_row_avx2, ll_dw1_bi_row_avx2, ll_dw1_bf_row3_avx2},
  {ll_dw_fwd_row_avx512, ll_dw_bi_row_avx512, ll_dw_bf_row_avx512, ll_dw1_fwd_row_avx512, ll_dw1_bi_row_avx512, ll_dw1_bf_row3_avx512},
};
#else
static const dw_rows forms[] = {
  {ll_dw_fwd_row_portable, ll_dw_bi_row_portable, ll_dw_bf_row_portable, ll_dw1_fwd_row_portable, ll_dw1_bi_row_portable, ll_dw1_bf_row3_portable},
  {ll_dw_fwd_row_portable, ll_dw_bi_row_portable, ll_dw_bf_row_portable, ll_dw1_fwd_row_portable, ll_dw1_bi_row_portable, ll_dw1_bf_row3_portable},
  {ll_dw_fwd_row_portable, ll_dw_bi_row_portable, ll_dw_bf_row_portable, ll_dw1_fwd_row_portable, ll_dw1_bi_row_portable, ll_dw1_bf_row3_portable},
};
#endif
static const dw_rows *rows_now(void) { return &forms[ll_cpu_form()]; }

/* Multiply-adds of a call: one per output value and tap. */
static size_t macs(const geometry *g, int m) { return (size_t)g->n * g->outH * g->outW * g->ci * m * g->kH * g->kW; }

void ll_depthwise(const float *x, const float *w, float *y, const geometry *g, int m) { ll_depthwise_fused(x, w, y, g, m, NULL, 0); }

void ll_depthwise_fused(const float *x, const float *w, float *y, const geometry *g, int m, const float *bias, int act) {
  const dw_rows *f = rows_now();
  const long rows = (long)g->n * g->outH;
  const size_t cm = (size_t)g->ci * m;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (ll_threads() > 1 && macs(g, m) >= DW_PARALLEL_MACS) schedule(static)
#endif
  for (long r = 0; r < rows; r++) {
    if (m == 1) {
      f->fwd1(x, w, y, g, (int)(r / g->outH), (int)(r % g->outH), bias, act);
      continue;
    }
    f->fwd(x, w, y, g, m, (int)(r / g->outH), (int)(r % g->outH));
    /* the epilogue on the row just written, while in cache: the same float sums as an Add (and a Relu) after */
    if (bias || act) ll_bias_act_rows(y, bias, (size_t)r * g->outW, (size_t)(r + 1) * g->outW, cm, act);
  }
}

void ll_depthwise_backprop_input(const float *dy, const float *w, float *dx, const geometry *g, int m) {
  const dw_rows *f = rows_now();
  if (m == 1) {
    /* gathered per input row: every dx row written once, by one thread */
    const long rows = (long)g->n * g->h;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (ll_threads() > 1 && macs(g, m) >= DW_PARALLEL_MACS) schedule(static)
#endif
    for (long r = 0; r < rows; r++) f->bi1(dy, w, dx, g, (int)(r / g->h), (int)(r % g->h));
    return;
  }
  const size_t image = (size_t)g->h * g->w * g->ci;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (ll_threads() > 1 && g->n > 1 && macs(g, m) >= DW_PARALLEL_MACS) schedule(static)
#endif
  for (int s = 0; s < g->n; s++) {
    memset(dx + (size_t)s * image, 0, sizeof(float) * image);
    for (int i = 0; i < g->outH; i++) f->bi(dy, w, dx, g, m, s, i);
  }
}

int ll_depthwise_backprop_filter(const float *x, const float *dy, float *dw, const geometry *g, int m) {
  const dw_rows *f = rows_now();
  const size_t len = (size_t)g->kH * g->kW * g->ci * m;
  int threads = ll_threads() > 1 && macs(g, m) >= DW_PARALLEL_MACS ? ll_threads() : 1;
  if (threads > g->n) threads = g->n > 0 ? g->n : 1;
  float *parts = calloc((size_t)threads * len, sizeof(float));
  if (!parts) return -1;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
  {
#ifdef _OPENMP
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
    const int t = 0, nt = 1;
#endif
    /* images [s0, s1) into this thread's partial filter */
    const int s0 = (int)((long long)g->n * t / nt), s1 = (int)((long long)g->n * (t + 1) / nt);
    void (*bf) LL_DW_BF_ROW_PARAMS = m == 1 && g->kH == 3 && g->kW == 3 ? f->bf3 : f->bf;
    for (int s = s0; s < s1; s++)
      for (int i = 0; i < g->outH; i++) bf(x, dy, parts + (size_t)t * len, g, m, s, i);
  }
  for (size_t k = 0; k < len; k++) {
    float acc = parts[k];
    for (int t = 1; t < threads; t++) acc += parts[(size_t)t * len + k];
    dw[k] = acc;
  }
  free(parts);
  return 0;
}
