/*
 * The portable form of the serial GEMM (gemm_forms.h): plain C whose inner loop — one row of C
 * += a scalar of A times a row of B — the compiler vectorises for its target (SSE2 on x86-64's
 * baseline, NEON on arm64), or on targets without a fused multiply-add a register-blocked kernel in
 * 4-float vectors. Each element is one chain in k order; with a fused multiply-add in the target (fmaf is
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

/* The scalar-of-A-times-a-row-of-B form: any shape, and every block on targets with a fused multiply-add. */
static void gemm_rows(LL_GEMM_PARAMS) {
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

#ifdef FP_FAST_FMAF
void ll_gemm_portable(LL_GEMM_PARAMS) { gemm_rows(LL_GEMM_ARGS); }
#else
/*
 * Without a fused multiply-add (x86-64's baseline): a block of MR rows × 8 columns of C in eight
 * 4-float vector registers while k runs (one load of A a row and two of B per eight multiply-adds,
 * where the row form loads and stores C for each), each term rounded as the row form rounds it.
 */
typedef float v4 __attribute__((vector_size(16)));
static inline __attribute__((always_inline)) v4 ld4(const float *p) { v4 v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline __attribute__((always_inline)) void st4(float *p, v4 v) { __builtin_memcpy(p, &v, sizeof v); }

static inline __attribute__((always_inline)) void block8(const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int K, int accumulate, const int R) {
  v4 c0[MR], c1[MR];
  for (int r = 0; r < R; r++) {
    c0[r] = accumulate ? ld4(C + r * ldc) : (v4){0};
    c1[r] = accumulate ? ld4(C + r * ldc + 4) : (v4){0};
  }
  for (int k = 0; k < K; k++) {
    const v4 b0 = ld4(B + (long)k * ldb), b1 = ld4(B + (long)k * ldb + 4);
    for (int r = 0; r < R; r++) {
      const float a = A[r * rs + (long)k * cs];
      c0[r] = c0[r] + a * b0;
      c1[r] = c1[r] + a * b1;
    }
  }
  for (int r = 0; r < R; r++) { st4(C + r * ldc, c0[r]); st4(C + r * ldc + 4, c1[r]); }
}

void ll_gemm_portable(LL_GEMM_PARAMS) {
  const int n8 = N / 8 * 8;
  for (int n0 = 0; n0 < n8; n0 += 8)
    for (int m0 = 0; m0 < M; m0 += MR) {
      const float *a = A + (long)m0 * rs, *b = B + n0;
      float *c = C + (long)m0 * ldc + n0;
      switch (M - m0 < MR ? M - m0 : MR) {
        case 4: block8(a, rs, cs, b, ldb, c, ldc, K, accumulate, 4); break;
        case 3: block8(a, rs, cs, b, ldb, c, ldc, K, accumulate, 3); break;
        case 2: block8(a, rs, cs, b, ldb, c, ldc, K, accumulate, 2); break;
        default: block8(a, rs, cs, b, ldb, c, ldc, K, accumulate, 1);
      }
    }
  if (n8 < N) gemm_rows(M, N - n8, K, A, rs, cs, B + n8, ldb, C + n8, ldc, accumulate);
}
#endif
