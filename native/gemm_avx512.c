/*
 * The AVX-512 form of the serial GEMM (gemm_forms.h). A conv tile's product is narrow — N = co
 * output channels (16–64) in the forward and filter-gradient products, K = co in the input-gradient
 * one — and small (a tile is ~300 rows, sized for L2), where OpenBLAS spends much of a call packing:
 * its single-thread sgemm did LeNet's 12 804×400·400×32 at 89–99 GFLOP/s here, this kernel at
 * 141–146, without packing anything. A block of MR = 12 rows × 32 columns of C stays in 24 zmm
 * registers while k runs (one broadcast of A and two loads of B per 24 FMAs).
 */
#include "gemm_forms.h"
#ifdef LL_X86_FORMS
#include <immintrin.h>
#define MR 12

/* C block [R × 16·NV] (+)= A block · B block over kn values of k; the last of the NV vectors masked
 * (`last`: its columns inside N), lanes outside it loaded as zeros and never stored. */
LL_INLINE LL_TARGET_AVX512 void block(const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc,
                                                               int kn, int load, const int R, const int NV, __mmask16 last) {
  __m512 c0[MR], c1[MR];
  for (int r = 0; r < R; r++) {
    if (!load) c0[r] = c1[r] = _mm512_setzero_ps();
    else if (NV == 2) { c0[r] = _mm512_loadu_ps(C + r * ldc); c1[r] = _mm512_maskz_loadu_ps(last, C + r * ldc + 16); }
    else c0[r] = c1[r] = _mm512_maskz_loadu_ps(last, C + r * ldc);
  }
  for (int k = 0; k < kn; k++) {
    const float *b = B + (long)k * ldb, *a = A + (long)k * cs;
    const __m512 b0 = NV == 2 ? _mm512_loadu_ps(b) : _mm512_maskz_loadu_ps(last, b);
    const __m512 b1 = NV == 2 ? _mm512_maskz_loadu_ps(last, b + 16) : b0;
    for (int r = 0; r < R; r++) {
      const __m512 av = _mm512_set1_ps(a[r * rs]);
      c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
      if (NV == 2) c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
    }
  }
  for (int r = 0; r < R; r++) {
    if (NV == 2) { _mm512_storeu_ps(C + r * ldc, c0[r]); _mm512_mask_storeu_ps(C + r * ldc + 16, last, c1[r]); }
    else _mm512_mask_storeu_ps(C + r * ldc, last, c0[r]);
  }
}

#define ROWS_CASE(n) case n: block(A, rs, cs, B, ldb, C, ldc, kn, load, n, NV, last); return;
/* A block of R ≤ MR rows, R a compile-time constant in each case (the accumulators stay in registers). */
LL_INLINE LL_TARGET_AVX512 void rows(int R, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc,
                                                              int kn, int load, const int NV, __mmask16 last) {
  switch (R) {
    ROWS_CASE(12) ROWS_CASE(11) ROWS_CASE(10) ROWS_CASE(9) ROWS_CASE(8) ROWS_CASE(7)
    ROWS_CASE(6) ROWS_CASE(5) ROWS_CASE(4) ROWS_CASE(3) ROWS_CASE(2) ROWS_CASE(1)
    default: return;
  }
}

__attribute__((noinline)) LL_TARGET_AVX512 void ll_gemm_avx512(LL_GEMM_PARAMS) {
  for (int n0 = 0; n0 < N; n0 += 32) {
    const int nn = N - n0 < 32 ? N - n0 : 32;
    const __mmask16 last = (__mmask16)(nn % 16 == 0 ? 0xFFFFu : (1u << (nn % 16)) - 1u);
    for (int k0 = 0; k0 < K; k0 += LL_GEMM_KB) {
      const int kn = K - k0 < LL_GEMM_KB ? K - k0 : LL_GEMM_KB, load = accumulate || k0 > 0;
      for (int m0 = 0; m0 < M; m0 += MR) {
        const int R = M - m0 < MR ? M - m0 : MR;
        const float *a = A + (long)m0 * rs + (long)k0 * cs, *b = B + (long)k0 * ldb + n0;
        float *c = C + (long)m0 * ldc + n0;
        if (nn > 16) rows(R, a, rs, cs, b, ldb, c, ldc, kn, load, 2, last);
        else rows(R, a, rs, cs, b, ldb, c, ldc, kn, load, 1, last);
      }
    }
  }
  if (K == 0 && !accumulate)
    for (int r = 0; r < M; r++) for (int n = 0; n < N; n++) C[(long)r * ldc + n] = 0.0f;
}
#endif
