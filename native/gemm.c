/*
 * The GEMM entry points of gemm.h: our kernel in the CPU form that runs (cpu.h's table), split
 * over threads by rows, and the one choice between it and OpenBLAS (ll_sgemm).
 *
 * OpenBLAS keeps one thread count and one set of thread buffers per process: setting the count
 * frees the buffers a call on another thread may be using, and a call reads the count another
 * thread set. So every call from outside a parallel region sets this thread's count and runs under
 * one process-wide lock (docs/decisions/0007-openblas-lock.md).
 */
#include "gemm.h"
#include "gemm_forms.h"
#include "conv.h"
#include "blas.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Rows a thread's block is a multiple of (the AVX-512 form's MR, a multiple of the others'). */
#define ROW_BLOCK 12
/* Multiply-adds below which our kernel runs on one thread (waking a second costs more). */
#define OWN_SERIAL_MACS ((size_t)1 << 22)

static int g_own = 1;
/* OpenBLAS threads this calling thread's next calls run on (ll_blas_threads). */
static _Thread_local int g_blas_threads = 1;

void ll_blas_threads(int threads) { g_blas_threads = threads < 1 ? 1 : threads; }

int ll_have_openblas(void) {
#ifdef LL_HAVE_OPENBLAS
  return 1;
#else
  return 0;
#endif
}
int ll_own_gemm(void) { return g_own; }
int ll_set_own_gemm(int on) {
  const int was = g_own;
  g_own = on || !ll_have_openblas();
  return was;
}

static void own_serial(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate) {
  if (M <= 0 || N <= 0) return;
  ll_kernels()->gemm(LL_GEMM_ARGS);
}

void ll_sgemm_own(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate, int threads) {
  if (M <= 0 || N <= 0) return;
  const int nt = threads > 1 && M >= 2 * ROW_BLOCK ? threads : 1;
  const int chunk = ((M + nt - 1) / nt + ROW_BLOCK - 1) / ROW_BLOCK * ROW_BLOCK; /* one row block per thread: each reads B once */
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(nt) if (nt > 1)
#endif
  for (int c = 0; c < nt; c++) {
    const int m0 = c * chunk, m1 = m0 + chunk < M ? m0 + chunk : M;
    if (m1 > m0) own_serial(m1 - m0, N, K, A + (long)m0 * rs, rs, cs, B, ldb, C + (long)m0 * ldc, ldc, accumulate);
  }
}

#ifdef LL_HAVE_OPENBLAS
static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether this thread is inside an active OpenMP region: OpenBLAS then runs one thread and leaves its count and buffers alone. */
static int in_parallel(void) {
#ifdef _OPENMP
  return omp_in_parallel();
#else
  return 0;
#endif
}

/* OpenBLAS's count made this thread's: the process-wide one, and in its OpenMP build this thread's
 * OpenMP count too (the one it reads at a call and would otherwise set the process-wide one from). */
static void blas_take_threads(void) {
  const int want = g_blas_threads;
  int differs = LL_BLAS_THREADS() != want;
#ifdef _OPENMP
  if (LL_BLAS_OPENMP()) differs = differs || omp_get_max_threads() != want;
#endif
  if (differs) LL_BLAS_SET_THREADS(want);
}

static void blas(int tA, int tB, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int accumulate) {
  const int locked = !in_parallel();
  if (locked) {
    pthread_mutex_lock(&blas_lock);
    blas_take_threads();
  }
  cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A, lda, B, ldb, accumulate ? 1.0f : 0.0f, C, ldc);
  if (locked) pthread_mutex_unlock(&blas_lock);
}
#endif

void ll_sgemm_serial(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate) {
  if (M <= 0 || N <= 0) return;
#ifdef LL_HAVE_OPENBLAS
  if (!g_own && (cs == 1 || rs == 1)) { blas(rs == 1, 0, M, N, K, A, (int)(cs == 1 ? rs : cs), B, (int)ldb, C, (int)ldc, accumulate); return; }
#endif
  own_serial(M, N, K, A, rs, cs, B, ldb, C, ldc, accumulate);
}

int ll_sgemm(int tA, int tB, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int accumulate, ll_gemm_pref pref) {
  if (M <= 0 || N <= 0) return 0;
  const size_t macs = (size_t)M * N * (size_t)K;
#ifdef LL_HAVE_OPENBLAS
  if (!g_own || pref == LL_PREFER_BLAS) { /* on the threads this thread gave OpenBLAS (ll_blas_threads) */
    blas(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    return 0;
  }
#else
  (void)pref;
#endif
  float *bt = NULL;
  if (tB) { /* our kernel reads B row-major: one transposed copy */
    if (!(bt = malloc(sizeof(float) * (size_t)K * N))) return -1;
    for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) bt[(size_t)k * N + n] = B[(size_t)n * ldb + k];
  }
  const int threads = macs < OWN_SERIAL_MACS ? 1 : ll_threads();
  ll_sgemm_own(M, N, K, A, tA ? 1 : lda, tA ? lda : 1, bt ? bt : B, bt ? N : ldb, C, ldc, accumulate, threads);
  free(bt);
  return 0;
}
