/* Adam's update of optim.h: a loop the compiler vectorizes, blocks over threads for large θ. */
#include "optim.h"
#include <math.h>
#include "conv.h"

/* Bit-equality with the JS rule needs every product rounded on its own: no contraction into FMA
 * (x86-64's baseline has none; arm64 and -mfma builds have). The loop vectorizes because the addon
 * is built with -fno-math-errno (binding.gyp): sqrt is still the correctly rounded IEEE one, as Math.sqrt. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("-ffp-contract=off")
#endif

/* Below this many parameters one thread is faster than waking a second. */
#define ADAM_PARALLEL_MIN ((size_t)1 << 15)
#define ADAM_BLOCK ((size_t)1 << 13)

/* Compiled for AVX2 (4 doubles a vector) and the baseline, one per CPU form (cpu.h's table). */
LL_BODY void ll_adam_block_body(float *restrict th, const float *restrict g, double *restrict m, double *restrict v, size_t len, const double *k) {
  const double lr = k[0], b1 = k[1], b2 = k[2], o1 = k[3], o2 = k[4], bc1 = k[5], bc2 = k[6], eps = k[7], wd = k[8];
  if (wd == 0) {
    for (size_t i = 0; i < len; i++) {
      const double gi = g[i], mi = b1 * m[i] + o1 * gi, vi = b2 * v[i] + o2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      th[i] = (float)((double)th[i] - (lr * (mi / bc1)) / (sqrt(vi / bc2) + eps));
    }
  } else {
    for (size_t i = 0; i < len; i++) {
      const double gi = (double)g[i] + wd * (double)th[i], mi = b1 * m[i] + o1 * gi, vi = b2 * v[i] + o2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      th[i] = (float)((double)th[i] - (lr * (mi / bc1)) / (sqrt(vi / bc2) + eps));
    }
  }
}
LL_BY_FORM_EXPORT(void, ll_adam_block, LL_ADAM_BLOCK_PARAMS, (th, g, m, v, len, k))

void ll_adam(float *theta, const float *grad, double *m, double *v, size_t n, const double k[9]) {
  const long blocks = (long)((n + ADAM_BLOCK - 1) / ADAM_BLOCK);
  const int nt = n >= ADAM_PARALLEL_MIN ? ll_threads() : 1;
  (void)nt; /* used by the OpenMP clause only */
  const ll_kernel_table *kt = ll_kernels();
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
#endif
  for (long b = 0; b < blocks; b++) {
    const size_t s = (size_t)b * ADAM_BLOCK, len = n - s < ADAM_BLOCK ? n - s : ADAM_BLOCK;
    kt->adam_block(theta + s, grad + s, m + s, v + s, len, k);
  }
}
