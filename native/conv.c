/*
 * im2col / col2im and the three Conv2D kernels as im2col + GEMM (see conv.h). The multiply-adds
 * are gemm.h's (the tiles': our kernel on one thread each; the batch-chunked products: OpenBLAS on
 * its own threads where the addon has it, else our kernel split over the threads); the gathers and scatter-adds here are
 * memory-bound copies of kW·ci-long runs, split over images with OpenMP where it is compiled in.
 * Scratch (the column matrix of one chunk of images) is one buffer per calling thread, kept
 * between calls: Node worker threads each have their own.
 */
#include "conv.h"
#include "conv_direct.h"
#include "gemm.h"
#include "pool.h"
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Threads per calling thread (ours and OpenBLAS's): a Node worker thread (1) and the main thread (the cores) each keep their own. */
static _Thread_local int g_threads = 1;
static _Thread_local float *scratch;
static _Thread_local size_t scratch_cap;

void ll_set_threads(int threads) {
  g_threads = threads < 1 ? 1 : threads;
  ll_blas_threads(g_threads);
}
int ll_threads(void) { return g_threads; }
void ll_use_threads(void) { ll_blas_threads(g_threads); }
void ll_use_threads_for(size_t macs) { ll_blas_threads(macs < GEMM_SERIAL_MACS ? 1 : g_threads); }

void ll_free_scratch(void) {
  free(scratch);
  scratch = NULL;
  scratch_cap = 0;
}

/* *buf with room for `floats` (reallocated when short; NULL when out of memory). */
static float *grow(float **buf, size_t *cap, size_t floats) {
  if (floats > *cap) {
    free(*buf);
    *buf = malloc(floats * sizeof(float));
    *cap = *buf ? floats : 0;
  }
  return *buf;
}
static float *get_scratch(size_t floats) { return grow(&scratch, &scratch_cap, floats); }

/* In-bounds kernel columns b ∈ [*b0, *b1) ⊆ [0, kW] of output column j (dilation-width 1); both ends
 * clamped to kW, so padding wider than the kernel gives [kW, kW), never a run past the row's kW·ci. */
static void b_range(const geometry *g, int j, int *b0, int *b1) {
  int q0 = j * g->sW - g->left;
  *b0 = q0 >= 0 ? 0 : -q0 < g->kW ? -q0 : g->kW;
  *b1 = g->w - q0 < g->kW ? g->w - q0 : g->kW;
  if (*b1 < *b0) *b1 = *b0;
}

/* Runs of `len` floats: copied, zeroed, added. The plain forms are what the compiler makes of a loop
 * (memcpy/memset calls); the AVX-512 and AVX2 forms below are inline vector loops with a masked tail, for
 * im2col's runs of kW·ci floats (80 for a 5×5 conv on 16 channels: a PLT memcpy call each). */
#define COPY_RUN(d, s_, n) memcpy((d), (s_), sizeof(float) * (size_t)(n))
#define ZERO_RUN(d, n) memset((d), 0, sizeof(float) * (size_t)(n))
#define ADD_RUN(d, s_, n) do { float *dd_ = (d); const float *ss_ = (s_); for (int t_ = 0, n_ = (n); t_ < n_; t_++) dd_[t_] += ss_[t_]; } while (0)

#define IM2COL_BODY \
  const int ci = g->ci, K = g->kH * g->kW * ci; \
  for (int i = 0; i < g->outH; i++) for (int j = 0; j < g->outW; j++) { \
    float *row = cols + ((size_t)i * g->outW + j) * K; \
    for (int a = 0; a < g->kH; a++) { \
      float *seg = row + (size_t)a * g->kW * ci; \
      int r = i * g->sH + a * g->dH - g->top; \
      if (r < 0 || r >= g->h) { ZERO_RUN(seg, g->kW * ci); continue; } \
      const float *xr = x + (size_t)r * g->w * ci; \
      if (g->dW == 1) { \
        int b0, b1, q0 = j * g->sW - g->left; \
        b_range(g, j, &b0, &b1); \
        if (b0 > 0) ZERO_RUN(seg, b0 * ci); \
        if (b1 > b0) COPY_RUN(seg + (size_t)b0 * ci, xr + (size_t)(q0 + b0) * ci, (b1 - b0) * ci); \
        if (b1 < g->kW) ZERO_RUN(seg + (size_t)b1 * ci, (g->kW - b1) * ci); \
      } else { \
        for (int b = 0; b < g->kW; b++) { \
          int q = j * g->sW + b * g->dW - g->left; \
          if (q >= 0 && q < g->w) COPY_RUN(seg + (size_t)b * ci, xr + (size_t)q * ci, ci); \
          else ZERO_RUN(seg + (size_t)b * ci, ci); \
        } \
      } \
    } \
  }

#define COL2IM_BODY \
  const int ci = g->ci, K = g->kH * g->kW * ci; \
  ZERO_RUN(x, g->h * g->w * ci); \
  for (int i = 0; i < g->outH; i++) for (int a = 0; a < g->kH; a++) { \
    int r = i * g->sH + a * g->dH - g->top; \
    if (r < 0 || r >= g->h) continue; \
    float *xr = x + (size_t)r * g->w * ci; \
    for (int j = 0; j < g->outW; j++) { \
      const float *seg = cols + ((size_t)i * g->outW + j) * K + (size_t)a * g->kW * ci; \
      if (g->dW == 1) { \
        int b0, b1, q0 = j * g->sW - g->left; \
        b_range(g, j, &b0, &b1); \
        ADD_RUN(xr + (size_t)(q0 + b0) * ci, seg + (size_t)b0 * ci, (b1 - b0) * ci); \
      } else { \
        for (int b = 0; b < g->kW; b++) { \
          int q = j * g->sW + b * g->dW - g->left; \
          if (q < 0 || q >= g->w) continue; \
          ADD_RUN(xr + (size_t)q * ci, seg + (size_t)b * ci, ci); \
        } \
      } \
    } \
  }

#ifdef LL_X86_FORMS
#include <immintrin.h>
LL_INLINE LL_TARGET_AVX512 __mmask16 tail_mask(int n) { return (__mmask16)((1u << n) - 1u); }
LL_INLINE LL_TARGET_AVX512 void copy_run16(float *d, const float *s, int n) {
  int t = 0;
  for (; t + 16 <= n; t += 16) _mm512_storeu_ps(d + t, _mm512_loadu_ps(s + t));
  if (t < n) _mm512_mask_storeu_ps(d + t, tail_mask(n - t), _mm512_maskz_loadu_ps(tail_mask(n - t), s + t));
}
LL_INLINE LL_TARGET_AVX512 void zero_run16(float *d, int n) {
  int t = 0;
  for (; t + 16 <= n; t += 16) _mm512_storeu_ps(d + t, _mm512_setzero_ps());
  if (t < n) _mm512_mask_storeu_ps(d + t, tail_mask(n - t), _mm512_setzero_ps());
}
LL_INLINE LL_TARGET_AVX512 void add_run16(float *d, const float *s, int n) {
  int t = 0;
  for (; t + 16 <= n; t += 16) _mm512_storeu_ps(d + t, _mm512_add_ps(_mm512_loadu_ps(d + t), _mm512_loadu_ps(s + t)));
  if (t < n) { const __mmask16 m = tail_mask(n - t); _mm512_mask_storeu_ps(d + t, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, d + t), _mm512_maskz_loadu_ps(m, s + t))); }
}
__attribute__((noinline)) LL_TARGET_AVX512 void ll_im2col_image_avx512(const float *x, float *cols, const geometry *g) {
#undef COPY_RUN
#undef ZERO_RUN
#define COPY_RUN(d, s_, n) copy_run16((d), (s_), (n))
#define ZERO_RUN(d, n) zero_run16((d), (n))
  IM2COL_BODY
}
__attribute__((noinline)) LL_TARGET_AVX512 void ll_col2im_image_avx512(const float *cols, float *x, const geometry *g) {
#undef ADD_RUN
#define ADD_RUN(d, s_, n) add_run16((d), (s_), (n))
  COL2IM_BODY
}
/* The same runs in 8-float AVX registers, the tail masked (lanes past it neither read nor written). */
LL_INLINE LL_TARGET_AVX2 __m256i tail8(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
LL_INLINE LL_TARGET_AVX2 void copy_run8(float *d, const float *s, int n) {
  int t = 0;
  for (; t + 8 <= n; t += 8) _mm256_storeu_ps(d + t, _mm256_loadu_ps(s + t));
  if (t < n) _mm256_maskstore_ps(d + t, tail8(n - t), _mm256_maskload_ps(s + t, tail8(n - t)));
}
LL_INLINE LL_TARGET_AVX2 void zero_run8(float *d, int n) {
  int t = 0;
  for (; t + 8 <= n; t += 8) _mm256_storeu_ps(d + t, _mm256_setzero_ps());
  if (t < n) _mm256_maskstore_ps(d + t, tail8(n - t), _mm256_setzero_ps());
}
LL_INLINE LL_TARGET_AVX2 void add_run8(float *d, const float *s, int n) {
  int t = 0;
  for (; t + 8 <= n; t += 8) _mm256_storeu_ps(d + t, _mm256_add_ps(_mm256_loadu_ps(d + t), _mm256_loadu_ps(s + t)));
  if (t < n) { const __m256i m = tail8(n - t); _mm256_maskstore_ps(d + t, m, _mm256_add_ps(_mm256_maskload_ps(d + t, m), _mm256_maskload_ps(s + t, m))); }
}
__attribute__((noinline)) LL_TARGET_AVX2 void ll_im2col_image_avx2(const float *x, float *cols, const geometry *g) {
#undef COPY_RUN
#undef ZERO_RUN
#define COPY_RUN(d, s_, n) copy_run8((d), (s_), (n))
#define ZERO_RUN(d, n) zero_run8((d), (n))
  IM2COL_BODY
}
__attribute__((noinline)) LL_TARGET_AVX2 void ll_col2im_image_avx2(const float *cols, float *x, const geometry *g) {
#undef ADD_RUN
#define ADD_RUN(d, s_, n) add_run8((d), (s_), (n))
  COL2IM_BODY
}
#undef COPY_RUN
#undef ZERO_RUN
#undef ADD_RUN
#define COPY_RUN(d, s_, n) memcpy((d), (s_), sizeof(float) * (size_t)(n))
#define ZERO_RUN(d, n) memset((d), 0, sizeof(float) * (size_t)(n))
#define ADD_RUN(d, s_, n) do { float *dd_ = (d); const float *ss_ = (s_); for (int t_ = 0, n_ = (n); t_ < n_; t_++) dd_[t_] += ss_[t_]; } while (0)
#endif

/* The portable forms: memcpy / memset runs. */
void ll_im2col_image_portable(const float *x, float *cols, const geometry *g) { IM2COL_BODY }
void ll_col2im_image_portable(const float *cols, float *x, const geometry *g) { COL2IM_BODY }

static void im2col_image(const float *x, float *cols, const geometry *g) { ll_kernels()->im2col_image(x, cols, g); }
static void col2im_image(const float *cols, float *x, const geometry *g) { ll_kernels()->col2im_image(cols, x, g); }

static size_t image_in(const geometry *g) { return (size_t)g->h * g->w * g->ci; }
static size_t image_rows(const geometry *g) { return (size_t)g->outH * g->outW; }
static size_t image_cols(const geometry *g) { return image_rows(g) * g->kH * g->kW * g->ci; }

void ll_bias_act(float *y, size_t rows, int co, const float *bias, size_t nbias, int act) {
  if (!bias && act != 1) return;
  for (size_t r = 0; r < rows; r++) {
    float *row = y + r * co;
    if (bias) for (int j = 0; j < co; j++) row[j] += bias[nbias == 1 ? 0 : j];
    if (act == 1) for (int j = 0; j < co; j++) row[j] = row[j] < 0 ? 0.0f : row[j]; /* NaN stays NaN, as the Relu kernels */
  }
}

/* Images are independent: split them over threads when there is enough work to share. */
#define PARALLEL_MIN_FLOATS 65536

void ll_im2col(const float *x, float *cols, const geometry *g) {
  const size_t in = image_in(g), out = image_cols(g);
#ifdef _OPENMP
#pragma omp parallel for num_threads(g_threads) if (g_threads > 1 && g->n > 1 && out * g->n >= PARALLEL_MIN_FLOATS)
#endif
  for (int s = 0; s < g->n; s++) im2col_image(x + s * in, cols + s * out, g);
}

void ll_col2im(const float *cols, float *x, const geometry *g) {
  const size_t in = image_in(g), out = image_cols(g);
#ifdef _OPENMP
#pragma omp parallel for num_threads(g_threads) if (g_threads > 1 && g->n > 1 && out * g->n >= PARALLEL_MIN_FLOATS)
#endif
  for (int s = 0; s < g->n; s++) col2im_image(cols + s * out, x + s * in, g);
}

/* Images per chunk so that the chunk's column matrix fits CONV_COLS_MAX (at least one). */
static int chunk_images(const geometry *g) {
  size_t per = image_cols(g);
  size_t c = per ? CONV_COLS_MAX / per : (size_t)g->n;
  if (c < 1) c = 1;
  return c > (size_t)g->n ? g->n : (int)c;
}

/* A 1×1, stride-1, unpadded conv: x itself is the column matrix. */
static int is_pointwise(const geometry *g) {
  return g->kH == 1 && g->kW == 1 && g->sH == 1 && g->sW == 1 && g->top == 0 && g->left == 0 && g->outH == g->h && g->outW == g->w;
}

/*
 * The tiled form: tiles of whole images whose column matrix fits CONV_TILE_FLOATS (a core's L2),
 * one tile at a time per thread — im2col into the thread's tile, a single-threaded sgemm on it
 * while it is still in cache (OpenBLAS runs one thread inside an OpenMP region), col2im out of it.
 * Taken when there are at least as many tiles as threads; otherwise the batch-chunked form above
 * (one big column matrix, OpenBLAS's threads) keeps both cores busy.
 */
static int tile_images(const geometry *g) {
  size_t per = image_cols(g);
  size_t c = per ? CONV_TILE_FLOATS / per : (size_t)g->n;
  if (c < 1) c = 1;
  return c > (size_t)g->n ? g->n : (int)c;
}
static int tiled(const geometry *g, int tile) {
  int tiles = (g->n + tile - 1) / tile;
  return g_threads > 1 && tiles >= 2 * g_threads;
}

/* Each OpenMP thread's tile buffer, kept between calls (threads of the pool persist). */
static _Thread_local float *tile_buf;
static _Thread_local size_t tile_cap;
static float *get_tile(size_t floats) { return grow(&tile_buf, &tile_cap, floats); }

/* Tile t of `tile` images: its geometry (*c, its first image *s0) and this thread's column buffer. */
static float *tile_at(const geometry *g, int t, int tile, geometry *c, int *s0) {
  *c = *g;
  *s0 = t * tile;
  c->n = g->n - *s0 < tile ? g->n - *s0 : tile;
  return get_tile((size_t)tile * image_cols(g));
}

/* Each OpenMP thread's buffer for one tile's conv outputs when they are pooled (ll_conv2d_pool). */
static _Thread_local float *ytile_buf;
static _Thread_local size_t ytile_cap;

/* which: 0 forward (y = cols·w; w [K, co]), 1 input gradient (dx = col2im(dy·wᵀ); w is wᵀ [co, K] then). pool (forward only, or NULL):
 * the tile's outputs go to this thread's buffer instead (or to keep, the whole conv output, when not
 * NULL), pooled from there into out. Returns 0 or -1 (memory). */
static int tiled_rows(const float *p, const float *w, float *out, float *keep, const geometry *g, int co, int tile, int which, const float *bias, int act, const tiles *pool) {
  const int K = g->kH * g->kW * g->ci, ntiles = (g->n + tile - 1) / tile;
  int failed = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(g_threads)
#endif
  for (int t = 0; t < ntiles; t++) {
    geometry c;
    int s0;
    float *cols = tile_at(g, t, tile, &c, &s0);
    if (!cols) { failed = 1; continue; }
    int M = (int)(c.n * image_rows(g));
    if (which == 0) {
      float *y = !pool ? out + (size_t)s0 * image_rows(g) * co : keep ? keep + (size_t)s0 * image_rows(g) * co : grow(&ytile_buf, &ytile_cap, (size_t)tile * image_rows(g) * co);
      if (!y) { failed = 1; continue; }
      for (int s = 0; s < c.n; s++) im2col_image(p + (size_t)(s0 + s) * image_in(g), cols + (size_t)s * image_cols(g), g);
      ll_sgemm_serial(M, co, K, cols, K, 1, w, co, y, co, 0);
      ll_bias_act(y, (size_t)M, co, bias, (size_t)co, act); /* while the tile's outputs are in cache */
      if (pool) {
        const tiles these = {c.n, pool->ho, pool->wo, co, pool->kh, pool->kw};
        ll_max_pool_serial(y, out + (size_t)s0 * pool->ho * pool->wo * co, &these);
      }
    } else {
      ll_sgemm_serial(M, K, co, p + (size_t)s0 * image_rows(g) * co, co, 1, w, K, cols, K, 0); /* w: wᵀ [co, K] here */
      for (int s = 0; s < c.n; s++) col2im_image(cols + (size_t)s * image_cols(g), out + (size_t)(s0 + s) * image_in(g), g);
    }
  }
  return failed ? -1 : 0;
}

/*
 * dw = Σ_tiles im2col(x_tile)ᵀ · dy_tile: one partial sum per tile (threads take tiles as they free
 * up), added up in tile order at the end — the same bits whichever thread took which tile and however
 * many threads there are (a partial sum per thread made repeated runs differ at ~1e-8, and a training
 * run's last loss at ~1e-4 after 100 steps).
 */
static int tiled_filter(const float *x, const float *dy, float *dw, const geometry *g, int co, int tile) {
  const int K = g->kH * g->kW * g->ci, tiles = (g->n + tile - 1) / tile, nt = g_threads;
  const size_t wsize = (size_t)K * co;
  float *parts = malloc((size_t)tiles * wsize * sizeof(float));
  if (!parts) return -1;
  int failed = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
  for (int t = 0; t < tiles; t++) {
    geometry c;
    int s0;
    float *cols = tile_at(g, t, tile, &c, &s0);
    if (!cols) { failed = 1; continue; }
    for (int s = 0; s < c.n; s++) im2col_image(x + (size_t)(s0 + s) * image_in(g), cols + (size_t)s * image_cols(g), g);
    int M = (int)(c.n * image_rows(g));
    ll_sgemm_serial(K, co, M, cols, 1, K, dy + (size_t)s0 * image_rows(g) * co, co, parts + (size_t)t * wsize, co, 0);
  }
  if (!failed) {
    /* blocks of dw over the threads, each block summed over the tiles in tile order (while it is in L1) */
    const long blocks = (long)((wsize + 1023) / 1024);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && blocks > 1)
#endif
    for (long b = 0; b < blocks; b++) {
      const size_t i0 = (size_t)b * 1024, i1 = i0 + 1024 < wsize ? i0 + 1024 : wsize;
      memcpy(dw + i0, parts + i0, sizeof(float) * (i1 - i0));
      for (int t = 1; t < tiles; t++) {
        const float *p = parts + (size_t)t * wsize;
        for (size_t i = i0; i < i1; i++) dw[i] += p[i];
      }
    }
  }
  free(parts);
  return failed ? -1 : 0;
}

int ll_conv2d(const float *x, const float *w, float *y, const geometry *g, int co, const float *bias, int act) {
  if (ll_direct_conv_ok(g, co)) { ll_conv2d_direct(x, w, y, g, co, bias, act, g_threads); return 0; }
  ll_use_threads();
  const int K = g->kH * g->kW * g->ci;
  if (is_pointwise(g)) {
    if (ll_sgemm(0, 0, (int)(g->n * image_rows(g)), co, K, x, K, w, co, y, co, 0, LL_PREFER_BLAS)) return -1;
    ll_bias_act(y, g->n * image_rows(g), co, bias, (size_t)co, act);
    return 0;
  }
  const int tile = tile_images(g);
  if (tiled(g, tile)) return tiled_rows(x, w, y, NULL, g, co, tile, 0, bias, act, NULL);
  const int chunk = chunk_images(g);
  float *cols = get_scratch((size_t)chunk * image_cols(g));
  if (!cols) return -1;
  for (int s0 = 0; s0 < g->n; s0 += chunk) {
    geometry c = *g;
    c.n = g->n - s0 < chunk ? g->n - s0 : chunk;
    ll_im2col(x + s0 * image_in(g), cols, &c);
    int M = (int)(c.n * image_rows(g));
    if (ll_sgemm(0, 0, M, co, K, cols, K, w, co, y + (size_t)s0 * image_rows(g) * co, co, 0, LL_PREFER_BLAS)) return -1;
    ll_bias_act(y + (size_t)s0 * image_rows(g) * co, (size_t)M, co, bias, (size_t)co, act);
  }
  return 0;
}

int ll_conv2d_pool(const float *x, const float *w, float *p, float *keep, const geometry *g, int co, const float *bias, int act, int kh, int kw) {
  if (kh < 1 || kw < 1 || g->outH % kh || g->outW % kw) return -2;
  const tiles all = {g->n, g->outH / kh, g->outW / kw, co, kh, kw};
  if (g->n == 0 || all.ho == 0 || all.wo == 0) return 0;
  if (ll_direct_conv_ok(g, co)) return ll_conv2d_direct_pool(x, w, p, keep, g, co, bias, act, kh, kw, g_threads);
  ll_use_threads();
  const int tile = tile_images(g);
  if (!is_pointwise(g) && tiled(g, tile)) return tiled_rows(x, w, p, keep, g, co, tile, 0, bias, act, &all);
  /* few images (or a pointwise conv): the whole conv output, then the pool */
  float *y = keep ? keep : malloc(sizeof(float) * g->n * image_rows(g) * co);
  if (!y) return -1;
  int rc = ll_conv2d(x, w, y, g, co, bias, act);
  if (rc == 0) ll_max_pool(y, p, &all);
  if (!keep) free(y);
  return rc;
}

int ll_conv2d_pool_backprop_filter(const float *x, const float *frame, const float *dp, float *dw, float *db, const geometry *g, int co, int kh, int kw, int positive) {
  if (kh < 1 || kw < 1 || g->outH % kh || g->outW % kw) return -2;
  if (g->n == 0 || g->outH == 0 || g->outW == 0) {
    memset(dw, 0, sizeof(float) * (size_t)g->kH * g->kW * g->ci * co);
    memset(db, 0, sizeof(float) * (size_t)co);
    return 0;
  }
  if (ll_direct_conv_ok(g, co)) return ll_conv2d_pool_backprop_filter_direct(x, frame, dp, dw, db, g, co, kh, kw, positive, g_threads);
  /* the im2col forms: the route made whole, then the filter gradient and the bias sum over it */
  const size_t m = (size_t)g->n * image_rows(g);
  float *dy = malloc(sizeof(float) * m * co);
  if (!dy) return -1;
  const tiles all = {g->n, g->outH / kh, g->outW / kw, co, kh, kw};
  ll_pool_route(frame, dp, dy, &all, positive);
  int rc = ll_conv2d_backprop_filter(x, dy, dw, g, co);
  if (rc == 0) rc = ll_sum_rows(dy, db, (long)m, co);
  free(dy);
  return rc;
}

int ll_conv2d_backprop_input(const float *dy, const float *w, float *dx, const geometry *g, int co) {
  ll_use_threads();
  const int K = g->kH * g->kW * g->ci;
  if (is_pointwise(g)) {
    if (ll_sgemm(0, 1, (int)(g->n * image_rows(g)), K, co, dy, co, w, co, dx, K, 0, LL_PREFER_BLAS)) return -1;
    return 0;
  }
  const int tile = tile_images(g);
  if (tiled(g, tile)) {
    /* the tiles' products dy·wᵀ as dy·(wᵀ stored row-major): B row-major for ll_sgemm_serial */
    float *wt = malloc(sizeof(float) * (size_t)K * co);
    if (!wt) return -1;
    for (int k = 0; k < K; k++) for (int c = 0; c < co; c++) wt[(size_t)c * K + k] = w[(size_t)k * co + c];
    const int rc = tiled_rows(dy, wt, dx, NULL, g, co, tile, 1, NULL, 0, NULL);
    free(wt);
    return rc;
  }
  const int chunk = chunk_images(g);
  float *cols = get_scratch((size_t)chunk * image_cols(g));
  if (!cols) return -1;
  for (int s0 = 0; s0 < g->n; s0 += chunk) {
    geometry c = *g;
    c.n = g->n - s0 < chunk ? g->n - s0 : chunk;
    int M = (int)(c.n * image_rows(g));
    if (ll_sgemm(0, 1, M, K, co, dy + (size_t)s0 * image_rows(g) * co, co, w, co, cols, K, 0, LL_PREFER_BLAS)) return -1;
    ll_col2im(cols, dx + s0 * image_in(g), &c);
  }
  return 0;
}

int ll_conv2d_backprop_filter(const float *x, const float *dy, float *dw, const geometry *g, int co) {
  const int K = g->kH * g->kW * g->ci;
  if (g->n == 0) { memset(dw, 0, sizeof(float) * (size_t)K * co); return 0; }
  if (ll_direct_conv_ok(g, co)) return ll_conv2d_backprop_filter_direct(x, dy, dw, g, co, g_threads);
  ll_use_threads();
  if (is_pointwise(g)) {
    if (ll_sgemm(1, 0, K, co, (int)(g->n * image_rows(g)), x, K, dy, co, dw, co, 0, LL_PREFER_BLAS)) return -1;
    return 0;
  }
  const int tile = tile_images(g);
  if (tiled(g, tile)) return tiled_filter(x, dy, dw, g, co, tile);
  const int chunk = chunk_images(g);
  float *cols = get_scratch((size_t)chunk * image_cols(g));
  if (!cols) return -1;
  for (int s0 = 0; s0 < g->n; s0 += chunk) {
    geometry c = *g;
    c.n = g->n - s0 < chunk ? g->n - s0 : chunk;
    ll_im2col(x + s0 * image_in(g), cols, &c);
    int M = (int)(c.n * image_rows(g));
    if (ll_sgemm(1, 0, K, co, M, cols, K, dy + (size_t)s0 * image_rows(g) * co, co, dw, co, s0 != 0, LL_PREFER_BLAS)) return -1;
  }
  return 0;
}
