/*
 * Elementwise float32 kernels over whole arrays, split over the calling thread's threads (see
 * conv.h) when the array is large: a binary op with one operand broadcast along the trailing axes,
 * and relu / step / exp / log. NaN propagates as in tfjs's cpu kernels. Pure C, no Node here.
 */
#ifndef LOSSLENS_ELEMENTWISE_H
#define LOSSLENS_ELEMENTWISE_H
#include <stddef.h>

enum { LL_ADD = 0, LL_SUB = 1, LL_MUL = 2 };
enum { LL_RELU = 0, LL_STEP = 1, LL_EXP = 2, LL_LOG = 3 };

/*
 * out[i] = big[i] ∘ small[i mod sn] (sn divides n: sn == n the same shape, sn == 1 a scalar, else
 * a trailing-axes operand such as a bias); reversed: out[i] = small[i mod sn] ∘ big[i].
 */
void ll_binary(const float *big, const float *small, float *out, size_t n, size_t sn, int op, int reversed);
/*
 * relu: x < 0 ? 0 : x (NaN stays NaN); step: NaN stays NaN, x > 0 ? 1 : alpha; exp, log: libm's
 * expf / logf (log 0 = −∞, log of a negative = NaN, exp overflows to +∞), as tfjs's cpu kernels.
 */
void ll_unary(const float *x, float *out, size_t n, int op, float alpha);

#endif
