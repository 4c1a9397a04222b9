/*
 * The portable form of the serial GEMM (gemm_forms.h): plain C whose inner loop — one row of C
 * += a scalar of A times a row of B — the compiler vectorises for its target (SSE2 on x86-64's
 * baseline, NEON on arm64). Blocks of MR rows × NB columns of C stay in a local array (L1) while
 * k runs. Each element is one chain in k order; with a fused multiply-add in the target (fmaf is
 * then an instruction) one FMA a term, the bits of the AVX2 and AVX-512 forms.
 */
#include "gemm_forms.h"
#include <math.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("-ffp-contract=off")
#endif

#ifdef FP_FAST_FMAF
#define MADD(a, b, c) fmaf((a), (b), (c))
#else
#define MADD(a, b, c) ((c) + (a) * (b))
#endif

#define MR 4
#define NB 64

void ll_gemm_portable(LL_GEMM_PARAMS) {
  float acc[MR][NB];
  for (int n0 = 0; n0 < N; n0 += NB) {
    const int nn = N - n0 < NB ? N - n0 : NB;
    for (int m0 = 0; m0 < M; m0 += MR) {
      const int R = M - m0 < MR ? M - m0 : MR;
      for (int r = 0; r < R; r++)
        for (int n = 0; n < nn; n++) acc[r][n] = accumulate ? C[(long)(m0 + r) * ldc + n0 + n] : 0.0f;
      for (int k = 0; k < K; k++) {
        const float *b = B + (long)k * ldb + n0;
        for (int r = 0; r < R; r++) {
          const float a = A[(long)(m0 + r) * rs + (long)k * cs];
          float *restrict c = acc[r];
          for (int n = 0; n < nn; n++) c[n] = MADD(a, b[n], c[n]);
        }
      }
      for (int r = 0; r < R; r++)
        for (int n = 0; n < nn; n++) C[(long)(m0 + r) * ldc + n0 + n] = acc[r][n];
    }
  }
}
