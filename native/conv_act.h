/*
 * The ReLU6 derivative of a MobileNet-style block as tfjs's registered gradient takes it, on float32
 * arrays: mask(z) = 0 < z ≤ 6 ? 1 : 0 (NaN stays NaN), and its product with a gradient in one pass,
 * dx[i] = mask(z[i]) · dy[i] — the same float product as multiplying by the mask array (0 · −y is
 * −0, 0 · NaN is NaN), so the fused and the two-kernel forms agree bit for bit. Pure C, no Node.
 */
#ifndef LOSSLENS_CONV_ACT_H
#define LOSSLENS_CONV_ACT_H
#include <stddef.h>

/* out[i] = mask(z[i]); dy NULL. With dy: out[i] = mask(z[i]) · dy[i]. out may alias dy. */
void ll_relu6_grad(const float *z, const float *dy, float *out, size_t n);

/* y[r·c + j] = act(y[r·c + j] + bias[j]) over rows [r0, r1) (bias NULL: none); act 0 linear, 1 relu (x < 0 ? 0 : x, NaN stays NaN). */
void ll_bias_act_rows(float *y, const float *bias, size_t r0, size_t r1, size_t c, int act);

#endif
