/*
 * Float32 GEMM: our kernel in the CPU form that runs (gemm_forms.h: AVX-512, AVX2 + FMA, portable),
 * and OpenBLAS's sgemm where the addon was built with it (LL_HAVE_OPENBLAS) for the shapes it is
 * chosen for. A reads through strides (so Aᵀ costs nothing), B and C row-major.
 */
#ifndef LOSSLENS_GEMM_H
#define LOSSLENS_GEMM_H

/*
 * C[M×N] (accumulate 0: =, 1: +=) Σ_k A(r, k) · B[k, n]: A(r, k) at A[r·rs + k·cs] (rs = K, cs = 1:
 * A row-major; rs = 1, cs = M's leading dimension: Aᵀ of a row-major matrix), B[k, n] at B[k·ldb + n],
 * C[r, n] at C[r·ldc + n]. One thread: callers split the work (the conv tiles run one per thread).
 * Our kernel unless switched off (ll_set_own_gemm(0), OpenBLAS builds only).
 */
void ll_sgemm_serial(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate);

/* ll_sgemm_serial with our kernel on `threads` threads, one block of C's rows each (the same bits on
 * any count: every element's sum is one thread's, in k order). */
void ll_sgemm_own(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate, int threads);

/* Who multiplies where the caller has no single-thread tile: */
typedef enum {
  LL_PREFER_OWN = 0,  /* our kernel, on the caller's threads when the product is large */
  LL_PREFER_BLAS = 1, /* OpenBLAS where linked (its own threads: the batch-chunked convs, a large Bᵀ), else ours */
} ll_gemm_pref;

/*
 * C = op(A)·op(B) (+ C when accumulate), row-major, lda/ldb the stored rows' lengths, as cblas_sgemm
 * with alpha 1 and beta 0 or 1. Returns 0, or -1 when out of memory (our kernel copies a transposed B).
 */
int ll_sgemm(int tA, int tB, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int accumulate, ll_gemm_pref pref);

/* OpenBLAS threads for this calling thread's next OpenBLAS calls (each call sets them under a
 * process-wide lock, so threads with different counts never run each other's; calls from inside an
 * OpenMP region run on one thread, unlocked). */
void ll_blas_threads(int threads);

/* 1 when our kernel multiplies (always without OpenBLAS), 0 when OpenBLAS's does. */
int ll_own_gemm(void);
/* Switch our kernel on/off (it stays on without OpenBLAS); returns whether it was on. */
int ll_set_own_gemm(int on);
/* 1 when the addon was built with OpenBLAS. */
int ll_have_openblas(void);

#endif
