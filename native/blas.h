/*
 * OpenBLAS, where the addon was built with it (binding.gyp defines LL_HAVE_OPENBLAS when
 * scripts/build-native.mjs found cblas.h and was not told LOSSLENS_BLAS=none). Everything that
 * touches OpenBLAS goes through here, so a build without it needs no other change.
 */
#ifndef LOSSLENS_BLAS_H
#define LOSSLENS_BLAS_H
#ifdef LL_HAVE_OPENBLAS
#include <cblas.h>
#define LL_BLAS_SET_THREADS(n) openblas_set_num_threads(n)
#define LL_BLAS_THREADS() openblas_get_num_threads()
/* 1 in OpenBLAS's OpenMP build: it then reads each calling thread's OpenMP thread count. */
#define LL_BLAS_OPENMP() (openblas_get_parallel() == 2)
#define LL_BLAS_CONFIG() openblas_get_config()
#define LL_BLAS_CORE() openblas_get_corename()
#else
#define LL_BLAS_SET_THREADS(n) ((void)(n))
#define LL_BLAS_THREADS() 0
#define LL_BLAS_OPENMP() 0
#define LL_BLAS_CONFIG() "none"
#define LL_BLAS_CORE() ""
#endif
#endif
