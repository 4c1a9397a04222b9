/*
 * The serial GEMM kernel of each CPU form (the `gemm` entry of cpu.h's tables); one signature, the
 * contract of ll_sgemm_serial (gemm.h). Every form sums each element of C in k order, one chain an
 * element, from 0 (or C's value when accumulating): the AVX-512 and AVX2 forms with one FMA a term
 * (the same bits), the portable form with fmaf where the target has a fused multiply-add (arm64:
 * the same bits again) and a rounded product then a rounded sum elsewhere (x86-64's baseline: the
 * sums may differ from the FMA forms in their last bits).
 */
#ifndef LOSSLENS_GEMM_FORMS_H
#define LOSSLENS_GEMM_FORMS_H
#include "cpu.h"

#define LL_GEMM_PARAMS int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate
#define LL_GEMM_ARGS M, N, K, A, rs, cs, B, ldb, C, ldc, accumulate

/* Values of k a block (B's block of KB rows stays in L1 while the rows of A pass). */
#define LL_GEMM_KB 256

void ll_gemm_portable(LL_GEMM_PARAMS);
#ifdef LL_X86_FORMS
void ll_gemm_avx2(LL_GEMM_PARAMS);
void ll_gemm_avx512(LL_GEMM_PARAMS);
#endif

#endif
