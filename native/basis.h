/*
 * Float64 Krylov-basis kernels for src/curvature/vector-ops.ts (Lanczos reorthogonalisation, Ritz
 * vectors): the same floating-point operations in the same order as its JS loops, so the two give
 * the same bits — each product rounded on its own (no fused multiply-adds), each sum in index order.
 * Pure C, no Node here.
 */
#ifndef LOSSLENS_BASIS_H
#define LOSSLENS_BASIS_H
#include <stddef.h>
#include "cpu.h"

/* out[i] ← out[i] + c[0]·q[0][i] + c[1]·q[1][i] + … (the terms added in j order), i split over threads. */
void ll_add_combination(double *out, const double *const *q, const double *c, int m, size_t n);
/* c[j] = Σ_i q[j][i]·v[i], each sum from 0 in index order; the vectors split over threads. */
void ll_dots(const double *const *q, const double *v, double *c, int m, size_t n);

/* Each CPU form's inner loops (cpu.h's table; the AVX-512 form runs the AVX2 ones). */
#define LL_BASIS_COMBINE_PARAMS (double *restrict out, const double *const *q, const double *c, int m, size_t i0, size_t i1)
#define LL_BASIS_DOTS8_PARAMS (const double *const *q, const double *restrict v, double *c, size_t n)
#define LL_BASIS_DOT1_PARAMS (const double *restrict a, const double *restrict v, size_t n)
void ll_basis_combine_block_portable LL_BASIS_COMBINE_PARAMS;
void ll_basis_dots8_portable LL_BASIS_DOTS8_PARAMS;
double ll_basis_dot1_portable LL_BASIS_DOT1_PARAMS;
#ifdef LL_X86_FORMS
void ll_basis_combine_block_avx2 LL_BASIS_COMBINE_PARAMS;
void ll_basis_dots8_avx2 LL_BASIS_DOTS8_PARAMS;
double ll_basis_dot1_avx2 LL_BASIS_DOT1_PARAMS;
#endif

#endif
