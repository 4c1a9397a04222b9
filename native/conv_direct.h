/*
 * Direct Conv2D and its filter gradient for few input channels (conv_direct.c), on the geometry of
 * conv.h. ll_conv2d and ll_conv2d_backprop_filter take this form when ll_direct_conv_ok says so.
 */
#ifndef LOSSLENS_CONV_DIRECT_H
#define LOSSLENS_CONV_DIRECT_H
#include "conv.h"

/* Input channels up to which the direct form is taken (grey, RGB, RGBA images). */
#define DIRECT_MAX_CI 4
/* Output channels (a multiple of 8) and filter size kH·kW·ci·co up to which it is taken: the
 * bounds within which the direct form measured faster than im2col + GEMM, forward and filter
 * gradient, on batches of 64 (wider filters keep more accumulators than there are registers). */
#define DIRECT_MAX_CO 32
#define DIRECT_MAX_FILTER 1024

int ll_direct_conv_ok(const geometry *g, int co);

/* Each CPU form's output row (s, i) of the direct conv (padded: its rows may be made from zero-padded
 * copies, the weights being finite) and its filter-gradient taps added into part (cpu.h's table). */
#define LL_CONV_FWD_ROW_PARAMS (const float *x, const float *w, float *yr, const geometry *g, int co, int s, int i, const float *bias, int act, int padded)
#define LL_CONV_FILTER_ROW_PARAMS (const float *x, const float *dyr, float *part, const geometry *g, int co, int s, int i)
void ll_conv_fwd_row_portable LL_CONV_FWD_ROW_PARAMS;
void ll_conv_filter_row_portable LL_CONV_FILTER_ROW_PARAMS;
#ifdef LL_X86_FORMS
void ll_conv_fwd_row_avx2 LL_CONV_FWD_ROW_PARAMS;
void ll_conv_fwd_row_avx512 LL_CONV_FWD_ROW_PARAMS;
void ll_conv_filter_row_avx2 LL_CONV_FILTER_ROW_PARAMS;
void ll_conv_filter_row_avx512 LL_CONV_FILTER_ROW_PARAMS;
#endif
/* Take the direct form where it applies (on, the default) or always im2col (benches and tests
 * comparing the two); process-wide. Returns the previous setting. */
int ll_set_direct_conv(int on);
/* y = conv(x, w) (+ bias, relu when act == 1), output rows split over `threads`. */
void ll_conv2d_direct(const float *x, const float *w, float *y, const geometry *g, int co, const float *bias, int act, int threads);
/* p = maxPool(conv(x, w) (+ bias, relu)) over kh×kw windows tiling the output (outH % kh = outW % kw = 0):
 * kh conv rows at a time into a thread's buffer (keep NULL: the conv output is never written) or into
 * keep (the conv output, kept), pooled there. The same values as ll_conv2d_direct then ll_max_pool.
 * Returns 0 or -1 (memory). */
int ll_conv2d_direct_pool(const float *x, const float *w, float *p, float *keep, const geometry *g, int co, const float *bias, int act, int kh, int kw, int threads);
/* The filter and bias gradients of a conv whose output `frame` (relu'd when positive) a kh×kw max pool
 * tiling it reduced, from the pool's output gradient dp: dy = route(frame, dp) (pool.h) made kh rows at a
 * time in a thread's buffer and used there (never written out); dw as ll_conv2d_backprop_filter_direct
 * (bit-equal where the threads' row ranges fall on window rows), db = Σ dy in float64 per thread, then
 * added in thread order. Returns 0 or -1 (memory). */
int ll_conv2d_pool_backprop_filter_direct(const float *x, const float *frame, const float *dp, float *dw, float *db, const geometry *g, int co,
                                          int kh, int kw, int positive, int threads);
/* dw = Σ over images and pixels of x-tap · dy: one partial sum per thread. Returns 0 or -1 (memory). */
int ll_conv2d_backprop_filter_direct(const float *x, const float *dy, float *dw, const geometry *g, int co, int threads);

#endif
