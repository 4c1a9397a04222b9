/*
 * Convolution building blocks on float32 NHWC arrays: im2col / col2im and Conv2D with its two
 * gradients as im2col + GEMM (gemm.h; col2im after it for the input gradient), batch-chunked so
 * the column matrix never exceeds CONV_COLS_MAX floats. Pure C over raw pointers; no Node here.
 */
#ifndef LOSSLENS_CONV_H
#define LOSSLENS_CONV_H
#include <stddef.h>
#include "cpu.h"

/* x [n, h, w, ci]; cols [n·outH·outW, kH·kW·ci] with column (a·kW + b)·ci + c. */
typedef struct geometry {
  int n, h, w, ci;
  int kH, kW, sH, sW, dH, dW;
  int top, left, outH, outW;
} geometry;

/* Largest column matrix (floats) a conv call materialises at once: 2^22 (16 MiB). */
#define CONV_COLS_MAX ((size_t)1 << 22)
/* Column-matrix floats of one tile of the threaded, cache-sized form: 2^17 (512 KiB, within L2). */
#ifndef CONV_TILE_FLOATS
#define CONV_TILE_FLOATS ((size_t)1 << 17)
#endif

/* This calling thread's thread count (OpenBLAS's and our OpenMP loops'); ll_use_threads() gives it
 * to this thread's next OpenBLAS calls (gemm.h's ll_blas_threads). */
void ll_set_threads(int threads);
int ll_threads(void);
void ll_use_threads(void);
/* The same for one GEMM of `macs` multiply-adds: one thread below GEMM_SERIAL_MACS, where waking
 * OpenBLAS's second thread costs more than it saves (a 64×800·800×128 dense-layer product: 0.4 ms
 * on two threads, 0.14 ms on one, here). */
#define GEMM_SERIAL_MACS ((size_t)1 << 24)
void ll_use_threads_for(size_t macs);


/* rows × co outputs += bias (nbias 1: one value, else co; NULL: none), then relu when act == 1
 * (NaN stays NaN): the epilogue of _FusedMatMul and FusedConv2D. */
void ll_bias_act(float *y, size_t rows, int co, const float *bias, size_t nbias, int act);

/* cols = im2col(x), every entry written (zeros outside x). */
void ll_im2col(const float *x, float *cols, const geometry *g);
/* x = col2im(cols): zero, then scatter-add (the adjoint of im2col). */
void ll_col2im(const float *cols, float *x, const geometry *g);

/* y [n·outH·outW, co] = im2col(x) · w [kH·kW·ci, co] (+ bias [co] when not NULL, then relu when
 * act == 1: FusedConv2D, applied tile by tile). Returns 0, or -1 when out of memory. */
int ll_conv2d(const float *x, const float *w, float *y, const geometry *g, int co, const float *bias, int act);
/* p [n, outH/kh, outW/kw, co] = maxPool over kh×kw windows of ll_conv2d's y, the same values; keep
 * NULL: y never written where the conv runs direct or in tiles (each tile pooled while in cache), else
 * y written to keep too, pooled while in cache. Returns 0, -1 when out of memory, -2 when the windows
 * do not tile the output. */
int ll_conv2d_pool(const float *x, const float *w, float *p, float *keep, const geometry *g, int co, const float *bias, int act, int kh, int kw);
/* dw and db (the bias gradient) of a conv whose output frame [n, outH, outW, co] a kh×kw max pool
 * tiling it reduced, from the pool's gradient dp: dy = route(frame, dp) (relu'd frame: positive), made a
 * few rows at a time on the direct form and never written out, whole on the im2col forms. Returns 0,
 * -1 when out of memory, -2 when the windows do not tile the output. */
int ll_conv2d_pool_backprop_filter(const float *x, const float *frame, const float *dp, float *dw, float *db, const geometry *g, int co, int kh, int kw, int positive);
/* dx = col2im(dy · wᵀ). */
int ll_conv2d_backprop_input(const float *dy, const float *w, float *dx, const geometry *g, int co);
/* dw = im2col(x)ᵀ · dy. */
int ll_conv2d_backprop_filter(const float *x, const float *dy, float *dw, const geometry *g, int co);

/* One image's im2col / col2im in each CPU form (cpu.h's table). */
void ll_im2col_image_portable(const float *x, float *cols, const geometry *g);
void ll_col2im_image_portable(const float *cols, float *x, const geometry *g);
#ifdef LL_X86_FORMS
void ll_im2col_image_avx512(const float *x, float *cols, const geometry *g);
void ll_col2im_image_avx512(const float *cols, float *x, const geometry *g);
void ll_im2col_image_avx2(const float *x, float *cols, const geometry *g);
void ll_col2im_image_avx2(const float *cols, float *x, const geometry *g);
#endif

/* Free this thread's scratch buffer. */
void ll_free_scratch(void);

#endif
