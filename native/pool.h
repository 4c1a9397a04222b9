/*
 * Max-pool share / spread / gather for pool size == stride (src/kernels/pool-share.ts has the
 * definitions), and the sum over all leading axes of a [m, c] array (a bias gradient). Tile-frame
 * arrays are [n, ho·kh, wo·kw, c]; pooled ones [n, ho, wo, c]. Float32, NHWC, no Node here.
 */
#ifndef LOSSLENS_POOL_H
#define LOSSLENS_POOL_H

typedef struct { int n, ho, wo, c, kh, kw; } tiles;

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
