/*
 * Float64 Krylov-basis kernels for src/curvature/vector-ops.ts (Lanczos reorthogonalisation, Ritz
 * vectors): the same floating-point operations in the same order as its JS loops, so the two give
 * the same bits — each product rounded on its own (no fused multiply-adds), each sum in index order.
 * Pure C, no Node here.
 */
#ifndef LOSSLENS_BASIS_H
#define LOSSLENS_BASIS_H
#include <stddef.h>

/* out[i] ← out[i] + c[0]·q[0][i] + c[1]·q[1][i] + … (the terms added in j order), i split over threads. */
void ll_add_combination(double *out, const double *const *q, const double *c, int m, size_t n);
/* c[j] = Σ_i q[j][i]·v[i], each sum from 0 in index order; the vectors split over threads. */
void ll_dots(const double *const *q, const double *v, double *c, int m, size_t n);

#endif
