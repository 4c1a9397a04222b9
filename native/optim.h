/*
 * Adam's update (Kingma & Ba 2015, Algorithm 1) over a flat float32 θ with float64 moments, the
 * same operations in the same order as src/train/optimizers.ts's JS rule, so the two are bit-equal:
 *   g = grad (+ wd·θ when wd ≠ 0);  m ← b1·m + o1·g;  v ← b2·v + (o2·g)·g;
 *   θ ← fl32(θ − (lr·(m/bc1)) / (√(v/bc2) + eps))
 * in float64, no fused multiply-adds (each product rounded, as JS rounds it). Pure C, no Node here.
 */
#ifndef LOSSLENS_OPTIM_H
#define LOSSLENS_OPTIM_H
#include <stddef.h>
#include "cpu.h"

/* k: lr, b1, b2, o1 = 1 − b1, o2 = 1 − b2, bc1 = 1 − b1ᵗ, bc2 = 1 − b2ᵗ, eps, wd (computed by the caller in float64). */
void ll_adam(float *theta, const float *grad, double *m, double *v, size_t n, const double k[9]);

/* Each CPU form's block of the update (cpu.h's table; the AVX-512 form runs the AVX2 one). */
#define LL_ADAM_BLOCK_PARAMS (float *restrict th, const float *restrict g, double *restrict m, double *restrict v, size_t len, const double *k)
void ll_adam_block_portable LL_ADAM_BLOCK_PARAMS;
#ifdef LL_X86_FORMS
void ll_adam_block_avx2 LL_ADAM_BLOCK_PARAMS;
#endif

#endif
