/*
 * The AVX2 + FMA form of the serial GEMM (gemm_forms.h): the AVX-512 kernel's scheme in 8-float
 * vectors — a block of MR = 6 rows × 16 columns of C in 12 ymm registers while k runs (one
 * broadcast of A and two loads of B per 12 FMAs), masked loads and stores for N's last columns.
 * Each element is the same k-ordered FMA chain as in the AVX-512 form: the same bits.
 */
#include "gemm_forms.h"
#ifdef LL_X86_FORMS
#include <immintrin.h>
#define MR 6

LL_INLINE LL_TARGET_AVX2 __m256i lanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* C block [R × 8·NV] (+)= A block · B block over kn values of k; the last of the NV vectors masked. */
LL_INLINE LL_TARGET_AVX2 void block(const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc,
                                                             int kn, int load, const int R, const int NV, __m256i last) {
  __m256 c0[MR], c1[MR];
  for (int r = 0; r < R; r++) {
    if (!load) c0[r] = c1[r] = _mm256_setzero_ps();
    else if (NV == 2) { c0[r] = _mm256_loadu_ps(C + r * ldc); c1[r] = _mm256_maskload_ps(C + r * ldc + 8, last); }
    else c0[r] = c1[r] = _mm256_maskload_ps(C + r * ldc, last);
  }
  for (int k = 0; k < kn; k++) {
    const float *b = B + (long)k * ldb, *a = A + (long)k * cs;
    const __m256 b0 = NV == 2 ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, last);
    const __m256 b1 = NV == 2 ? _mm256_maskload_ps(b + 8, last) : b0;
    for (int r = 0; r < R; r++) {
      const __m256 av = _mm256_broadcast_ss(a + r * rs);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      if (NV == 2) c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
  }
  for (int r = 0; r < R; r++) {
    if (NV == 2) { _mm256_storeu_ps(C + r * ldc, c0[r]); _mm256_maskstore_ps(C + r * ldc + 8, last, c1[r]); }
    else _mm256_maskstore_ps(C + r * ldc, last, c0[r]);
  }
}

#define ROWS_CASE(n) case n: block(A, rs, cs, B, ldb, C, ldc, kn, load, n, NV, last); return;
LL_INLINE LL_TARGET_AVX2 void rows(int R, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc,
                                                            int kn, int load, const int NV, __m256i last) {
  switch (R) {
    ROWS_CASE(6) ROWS_CASE(5) ROWS_CASE(4) ROWS_CASE(3) ROWS_CASE(2) ROWS_CASE(1)
    default: return;
  }
}

__attribute__((noinline)) LL_TARGET_AVX2 void ll_gemm_avx2(LL_GEMM_PARAMS) {
  for (int n0 = 0; n0 < N; n0 += 16) {
    const int nn = N - n0 < 16 ? N - n0 : 16;
    const __m256i last = lanes(nn % 8 == 0 ? 8 : nn % 8);
    for (int k0 = 0; k0 < K; k0 += LL_GEMM_KB) {
      const int kn = K - k0 < LL_GEMM_KB ? K - k0 : LL_GEMM_KB, load = accumulate || k0 > 0;
      for (int m0 = 0; m0 < M; m0 += MR) {
        const int R = M - m0 < MR ? M - m0 : MR;
        const float *a = A + (long)m0 * rs + (long)k0 * cs, *b = B + (long)k0 * ldb + n0;
        float *c = C + (long)m0 * ldc + n0;
        if (nn > 8) rows(R, a, rs, cs, b, ldb, c, ldc, kn, load, 2, last);
        else rows(R, a, rs, cs, b, ldb, c, ldc, kn, load, 1, last);
      }
    }
  }
  if (K == 0 && !accumulate)
    for (int r = 0; r < M; r++) for (int n = 0; n < N; n++) C[(long)r * ldc + n] = 0.0f;
}
#endif
