/*
 * Max-pool share / spread / gather for pool size == stride (src/kernels/pool-share.ts has the
 * definitions), and the sum over all leading axes of a [m, c] array (a bias gradient). Tile-frame
 * arrays are [n, ho·kh, wo·kw, c]; pooled ones [n, ho, wo, c]. Float32, NHWC, no Node here.
 */
#ifndef LOSSLENS_POOL_H
#define LOSSLENS_POOL_H
#include "cpu.h"

typedef struct tiles { int n, ho, wo, c, kh, kw; } tiles;

/* Each CPU form's pooled row (s, i): the share (dy NULL) or the route, and the maxima (cpu.h's table). */
#define LL_POOL_SHARE_ROW_PARAMS (const float *x, const float *dy, float *o, const tiles *t, int s, int i, int positive)
#define LL_POOL_MAX_ROW_PARAMS (const float *x, float *y, const tiles *t, int s, int i)
void ll_pool_share_row_portable LL_POOL_SHARE_ROW_PARAMS;
void ll_pool_max_row_portable LL_POOL_MAX_ROW_PARAMS;
#ifdef LL_X86_FORMS
void ll_pool_share_row_avx2 LL_POOL_SHARE_ROW_PARAMS;
void ll_pool_share_row_avx512 LL_POOL_SHARE_ROW_PARAMS;
void ll_pool_max_row_avx2 LL_POOL_MAX_ROW_PARAMS;
void ll_pool_max_row_avx512 LL_POOL_MAX_ROW_PARAMS;
#endif

/* positive: the share times step(x), the mask of a relu whose output x is (windows with max ≤ 0 share 0; NaN stays NaN). */
void ll_pool_share(const float *x, float *share, const tiles *t, int positive);
/* y [n, ho, wo, c] = the max of each kh×kw window of the tile frame x; a NaN in a window gives NaN. */
void ll_max_pool(const float *x, float *y, const tiles *t);
/* The same in the calling thread (inside a parallel region of the caller's). */
void ll_max_pool_serial(const float *x, float *y, const tiles *t);
/* spread(dy, share(x)) in one pass, the same bits: dy [n, ho, wo, c], out like x. */
void ll_pool_route(const float *x, const float *dy, float *out, const tiles *t, int positive);
/* The same in the calling thread (inside a parallel region of the caller's). */
void ll_pool_route_serial(const float *x, const float *dy, float *out, const tiles *t, int positive);
void ll_pool_spread(const float *dy, const float *share, float *out, const tiles *t);
void ll_pool_gather(const float *tile, const float *share, float *out, const tiles *t);
/* out[j] = Σ_i x[i·c + j], accumulated in double. Returns -1 when out of memory. */
int ll_sum_rows(const float *x, float *out, long m, int c);

#endif
