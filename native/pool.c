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

void ll_pool_share(const float *x, float *o, const tiles *t) {
  const size_t row = (size_t)t->wo * t->kw * t->c;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ll_threads()) if (IMAGES_PARALLEL(t))
#endif
  for (int s = 0; s < t->n; s++) for (int i = 0; i < t->ho; i++) for (int j = 0; j < t->wo; j++) {
    const size_t base = WINDOW(t, s, i, j);
    for (int ch = 0; ch < t->c; ch++) {
      float m = -INFINITY;
      int ties = 0, nan = 0;
      for (int a = 0; a < t->kh; a++) for (int q = 0; q < t->kw; q++) {
        float v = x[base + a * row + (size_t)q * t->c + ch];
        if (v > m) { m = v; ties = 1; } else if (v == m) ties++;
        else if (v != v) nan = 1;
      }
      const float share = 1.0f / (float)ties;
      for (int a = 0; a < t->kh; a++) for (int q = 0; q < t->kw; q++) {
        size_t p = base + a * row + (size_t)q * t->c + ch;
        o[p] = nan ? NAN : x[p] == m ? share : 0.0f; /* a NaN window propagates NaN */
      }
    }
  }
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
