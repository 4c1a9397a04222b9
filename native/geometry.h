/*
 * The checks that every geometry passes at the addon's entry points (addon.c) before a kernel
 * touches memory: fields in range, the windows' farthest taps and the per-image products within
 * the kernels' int arithmetic, and array lengths multiplied with overflow checks. A failed check
 * is a static message the addon throws as a RangeError. Header-only: static inline, no Node here.
 */
#ifndef LOSSLENS_GEOMETRY_H
#define LOSSLENS_GEOMETRY_H
#include <limits.h>
#include <stddef.h>
#include "conv.h"
#include "pool.h"

/*
 * Largest extent, stride, dilation, padding or window reach: the kernels index rows and columns as
 * int (r = i·sH + a·dH − top, j·sW + b·dW − left, (−off + sW − 1) / sW), sums of two such terms,
 * which stay within INT_MAX when each is at most 2^30.
 */
#define LL_GEO_MAX ((long long)1 << 30)

/* *out = a·b; 0 when that overflows size_t (the array-length checks would wrap and pass). */
static inline int ll_mul(size_t a, size_t b, size_t *out) { return !__builtin_mul_overflow(a, b, out); }

/* *out = a·b·c·d, 0 on overflow. */
static inline int ll_mul4(size_t a, size_t b, size_t c, size_t d, size_t *out) {
  size_t ab, abc;
  return ll_mul(a, b, &ab) && ll_mul(ab, c, &abc) && ll_mul(abc, d, out);
}

/* Why g cannot run (with `co` output channels), or NULL. */
static inline const char *ll_geometry_problem(const geometry *g, int co) {
  if (g->n < 0) return "losslens native: bad geometry (a negative batch)";
  if (g->h < 1 || g->w < 1 || g->ci < 1 || co < 1) return "losslens native: bad geometry (input extents and channels must be >= 1)";
  if (g->kH < 1 || g->kW < 1 || g->sH < 1 || g->sW < 1 || g->dH < 1 || g->dW < 1) return "losslens native: bad geometry (kernel, strides and dilations must be >= 1)";
  if (g->top < 0 || g->left < 0) return "losslens native: bad geometry (negative padding)";
  if (g->outH < 1 || g->outW < 1) return "losslens native: bad geometry (output extents must be >= 1)";
  /* the farthest tap of the last window, from the padded input's first row / column */
  const long long reachH = (long long)(g->outH - 1) * g->sH + (long long)(g->kH - 1) * g->dH;
  const long long reachW = (long long)(g->outW - 1) * g->sW + (long long)(g->kW - 1) * g->dW;
  if (reachH > LL_GEO_MAX || reachW > LL_GEO_MAX || g->h > LL_GEO_MAX || g->w > LL_GEO_MAX || g->top > LL_GEO_MAX || g->left > LL_GEO_MAX ||
      g->sH > LL_GEO_MAX || g->sW > LL_GEO_MAX) return "losslens native: bad geometry (an extent, stride, dilation or padding beyond 2^30)";
  if ((long long)g->h * g->w * g->ci > INT_MAX || (long long)g->kH * g->kW * g->ci * co > INT_MAX ||
      (long long)g->outH * g->outW > INT_MAX || (long long)g->outW * co > INT_MAX) return "losslens native: bad geometry (an image or filter beyond 2^31 - 1 values)";
  return NULL;
}

/* Why pool tiles t cannot run, or NULL; *tile and *pooled: the tile-frame and pooled lengths. */
static inline const char *ll_tiles_problem(const tiles *t, size_t *tile, size_t *pooled) {
  if (t->n < 0 || t->ho < 0 || t->wo < 0 || t->c < 0 || t->kh < 1 || t->kw < 1) return "losslens native: bad pool tiles";
  if ((long long)t->ho * t->kh > LL_GEO_MAX || (long long)t->wo * t->kw > LL_GEO_MAX) return "losslens native: bad pool tiles (a frame extent beyond 2^30)";
  size_t frame;
  if (!ll_mul4((size_t)t->ho * t->kh, (size_t)t->wo * t->kw, (size_t)t->c, 1, &frame) || !ll_mul(frame, (size_t)t->n, tile) ||
      !ll_mul4((size_t)t->n, (size_t)t->ho, (size_t)t->wo, (size_t)t->c, pooled)) return "losslens native: bad pool tiles (sizes overflow)";
  return NULL;
}

#endif
