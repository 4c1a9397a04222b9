/* The ReLU6 mask kernels of conv_act.h: loops the compiler vectorises, blocks over threads for large arrays. */
#include "conv_act.h"
#include "conv.h"

/* Below this many elements one thread runs the call: a memory-bound pass of 2^21 floats takes about a
 * millisecond, less than a fork / join whose second thread is descheduled on a shared machine. */
#define ACT_PARALLEL_MIN ((size_t)1 << 21)
#define ACT_BLOCK ((size_t)1 << 14)

static inline float relu6_mask(float v) { return v > 0.0f && v <= 6.0f ? 1.0f : v == v ? 0.0f : v; }

static void grad_block(const float *z, const float *dy, float *out, size_t len) {
  if (dy)
    for (size_t i = 0; i < len; i++) out[i] = relu6_mask(z[i]) * dy[i];
  else
    for (size_t i = 0; i < len; i++) out[i] = relu6_mask(z[i]);
}

void ll_relu6_grad(const float *z, const float *dy, float *out, size_t n) {
  const long blocks = (long)((n + ACT_BLOCK - 1) / ACT_BLOCK);
  const int nt = n >= ACT_PARALLEL_MIN ? ll_threads() : 1;
  (void)nt; /* read by the OpenMP clause only */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
#endif
  for (long b = 0; b < blocks; b++) {
    const size_t s = (size_t)b * ACT_BLOCK, len = n - s < ACT_BLOCK ? n - s : ACT_BLOCK;
    grad_block(z + s, dy ? dy + s : NULL, out + s, len);
  }
}

void ll_bias_act_rows(float *y, const float *bias, size_t r0, size_t r1, size_t c, int act) {
  for (size_t r = r0; r < r1; r++) {
    float *row = y + r * c;
    if (bias)
      for (size_t j = 0; j < c; j++) row[j] += bias[j];
    if (act == 1)
      for (size_t j = 0; j < c; j++) row[j] = row[j] < 0.0f ? 0.0f : row[j];
  }
}
