/*
 * Single-threaded float32 GEMM for the conv tiles' narrow products (see gemm.c): C = A·B or
 * C += A·B with A read through strides (so Aᵀ costs nothing), B and C row-major. Where the CPU has
 * AVX-512, our register-blocked kernel; elsewhere (or switched off) OpenBLAS's sgemm.
 */
#ifndef LOSSLENS_GEMM_H
#define LOSSLENS_GEMM_H

/*
 * C[M×N] (accumulate 0: =, 1: +=) Σ_k A(r, k) · B[k, n]: A(r, k) at A[r·rs + k·cs] (rs = K, cs = 1:
 * A row-major; rs = 1, cs = M's leading dimension: Aᵀ of a row-major matrix), B[k, n] at B[k·ldb + n],
 * C[r, n] at C[r·ldc + n]. One thread: callers split the work (the conv tiles run one per thread).
 */
void ll_sgemm_serial(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate);

/* C = A·B (as ll_sgemm_serial, accumulate 0) on `threads` threads, one block of C's rows each (the same bits on any
 * count: every element's sum is one thread's, in k order); -1 (nothing done) where our kernel does not run. */
int ll_sgemm_own(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int threads);

/* 1 when ll_sgemm_serial runs our kernel (AVX-512 present and not switched off), 0 when OpenBLAS's. */
int ll_own_gemm(void);
/* Switch our kernel on/off (it stays off without AVX-512); returns whether it was on. */
int ll_set_own_gemm(int on);

#endif
