/* The basis kernels of basis.h. */
#include "basis.h"
#include "conv.h"

/* Bit-equality with the JS loops: no contraction of a product and a sum into one FMA. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("-ffp-contract=off")
#endif


/* Below this many multiply-adds one thread is faster than waking a second. */
#define BASIS_PARALLEL_MIN ((size_t)1 << 16)
/* Entries of out a block: out's block stays in L1 while every basis vector's block streams past. */
#define BASIS_BLOCK 1024

LL_BODY void ll_basis_combine_block_body(double *restrict out, const double *const *q, const double *c, int m, size_t i0, size_t i1) {
  for (int j = 0; j < m; j++) {
    const double k = c[j], *restrict qj = q[j];
    for (size_t i = i0; i < i1; i++) out[i] = out[i] + k * qj[i];
  }
}
LL_BY_FORM_EXPORT(void, ll_basis_combine_block, LL_BASIS_COMBINE_PARAMS, (out, q, c, m, i0, i1))

void ll_add_combination(double *out, const double *const *q, const double *c, int m, size_t n) {
  const long blocks = (long)((n + BASIS_BLOCK - 1) / BASIS_BLOCK);
  const int nt = ll_threads();
  const ll_kernel_table *k = ll_kernels();
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && blocks > 1 && (size_t)m * n >= BASIS_PARALLEL_MIN)
#endif
  for (long b = 0; b < blocks; b++) {
    const size_t i0 = (size_t)b * BASIS_BLOCK, i1 = i0 + BASIS_BLOCK < n ? i0 + BASIS_BLOCK : n;
    k->basis_combine_block(out, q, c, m, i0, i1);
  }
}

/* Eight dot products in one sweep over v: eight independent chains, each in index order. */
LL_BODY void ll_basis_dots8_body(const double *const *q, const double *restrict v, double *c, size_t n) {
  const double *restrict a = q[0], *restrict b = q[1], *restrict d = q[2], *restrict e = q[3];
  const double *restrict f = q[4], *restrict g = q[5], *restrict h = q[6], *restrict k = q[7];
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  for (size_t i = 0; i < n; i++) {
    const double x = v[i];
    s0 += a[i] * x; s1 += b[i] * x; s2 += d[i] * x; s3 += e[i] * x;
    s4 += f[i] * x; s5 += g[i] * x; s6 += h[i] * x; s7 += k[i] * x;
  }
  c[0] = s0; c[1] = s1; c[2] = s2; c[3] = s3; c[4] = s4; c[5] = s5; c[6] = s6; c[7] = s7;
}
LL_BY_FORM_EXPORT(void, ll_basis_dots8, LL_BASIS_DOTS8_PARAMS, (q, v, c, n))

LL_BODY double ll_basis_dot1_body(const double *restrict a, const double *restrict v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * v[i];
  return s;
}
LL_BY_FORM_EXPORT(double, ll_basis_dot1, LL_BASIS_DOT1_PARAMS, (a, v, n))

void ll_dots(const double *const *q, const double *v, double *c, int m, size_t n) {
  const int groups = m / 8, nt = ll_threads(), units = groups + (m % 8);
  const ll_kernel_table *k = ll_kernels();
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1 && units > 1 && (size_t)m * n >= BASIS_PARALLEL_MIN)
#endif
  for (int u = 0; u < units; u++) {
    if (u < groups) k->basis_dots8(q + 8 * u, v, c + 8 * u, n);
    else { const int j = 8 * groups + (u - groups); c[j] = k->basis_dot1(q[j], v, n); }
  }
}
