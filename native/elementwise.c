/* The elementwise kernels of elementwise.h: loops the compiler vectorizes, rows over threads. */
#include "elementwise.h"
#include <math.h>
#include "conv.h"

/* Below this many elements one thread is faster than waking a second. */
#define EW_PARALLEL_MIN ((size_t)1 << 16)
/* Elements per parallel block of a flat (same-shape or scalar) operation. */
#define EW_BLOCK ((size_t)1 << 14)

#ifdef _OPENMP
#define EW_PARALLEL_FOR _Pragma("omp parallel for schedule(static) num_threads(nt) if (nt > 1)")
#else
#define EW_PARALLEL_FOR
#endif
/* Threads for n elements, and block b's length of n cut into EW_BLOCK-sized blocks. */
static int ew_threads(size_t n) { return n >= EW_PARALLEL_MIN ? ll_threads() : 1; }
static long ew_blocks(size_t n) { return (long)((n + EW_BLOCK - 1) / EW_BLOCK); }
static size_t ew_len(size_t n, long b) { size_t s = (size_t)b * EW_BLOCK; return n - s < EW_BLOCK ? n - s : EW_BLOCK; }

/* out[0..len) = big ∘ small, small of the same length (stride 1) or one value (stride 0). */
static void run(const float *big, const float *small, float *out, size_t len, int stride, int op, int reversed) {
#define LOOP(EXPR) \
  if (stride) { for (size_t i = 0; i < len; i++) { float p = big[i], q = small[i]; out[i] = EXPR; } } \
  else { const float q = small[0]; for (size_t i = 0; i < len; i++) { float p = big[i]; out[i] = EXPR; } }
  if (op == LL_ADD) { LOOP(p + q) }
  else if (op == LL_MUL) { LOOP(p * q) }
  else if (reversed) { LOOP(q - p) }
  else { LOOP(p - q) }
#undef LOOP
}

void ll_binary(const float *big, const float *small, float *out, size_t n, size_t sn, int op, int reversed) {
  const int nt = ew_threads(n);
  (void)nt; /* used by the OpenMP clause only */
  if (sn == n || sn == 1) {
    const long blocks = ew_blocks(n);
    EW_PARALLEL_FOR
    for (long b = 0; b < blocks; b++) {
      const size_t s = (size_t)b * EW_BLOCK;
      run(big + s, sn == 1 ? small : small + s, out + s, ew_len(n, b), sn != 1, op, reversed);
    }
    return;
  }
  const long rows = (long)(n / sn);
  EW_PARALLEL_FOR
  for (long r = 0; r < rows; r++) run(big + (size_t)r * sn, small, out + (size_t)r * sn, sn, 1, op, reversed);
}

void ll_unary(const float *x, float *out, size_t n, int op, float alpha) {
  const int nt = ew_threads(n);
  (void)nt; /* used by the OpenMP clause only */
  const long blocks = ew_blocks(n);
  EW_PARALLEL_FOR
  for (long b = 0; b < blocks; b++) {
    const size_t s = (size_t)b * EW_BLOCK, len = ew_len(n, b);
    const float *p = x + s;
    float *o = out + s;
    if (op == LL_RELU) for (size_t i = 0; i < len; i++) o[i] = p[i] < 0 ? 0.0f : p[i];
    else if (op == LL_EXP) for (size_t i = 0; i < len; i++) o[i] = expf(p[i]);
    else if (op == LL_LOG) for (size_t i = 0; i < len; i++) o[i] = logf(p[i]);
    else for (size_t i = 0; i < len; i++) o[i] = p[i] != p[i] ? p[i] : p[i] > 0 ? 1.0f : alpha;
  }
}
