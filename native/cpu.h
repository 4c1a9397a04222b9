/*
 * The one CPU-dispatch place. The instruction-set form the kernels run is chosen once (the best
 * this CPU runs, or one forced lower by ll_set_cpu_form), and every kernel with more than one form
 * calls it through the table of that form (ll_kernels()): no kernel asks the CPU itself.
 *
 *   LL_AVX512    AVX-512F + FMA: 16-float kernels (gemm_avx512.c, conv_direct.c, conv.c's runs, pool.c)
 *   LL_AVX2      AVX2 + FMA: 8-float kernels (gemm_avx2.c, the vector-extension loops compiled for it)
 *   LL_PORTABLE  plain C the compiler vectorises for its target (SSE2 on x86-64, NEON on arm64)
 *
 * Adding a kernel with forms: write one function per form in its family's file (the per-form
 * copies of one body through LL_BY_FORM_EXPORT, or intrinsics under LL_TARGET_*), declare them in
 * the family's header, add a field to ll_kernel_table and fill it in each table of cpu.c.
 */
#ifndef LOSSLENS_CPU_H
#define LOSSLENS_CPU_H
#include <stddef.h>

typedef enum { LL_PORTABLE = 0, LL_AVX2 = 1, LL_AVX512 = 2 } ll_form;

/* x86-64 with GCC's target attributes and <immintrin.h>: the AVX2 and AVX-512 forms are compiled in. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LL_X86_FORMS 1
/* The target of each form's functions, spelled here only. */
#define LL_TARGET_AVX512 __attribute__((target("avx512f,fma")))
#define LL_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define LL_TARGET_AVX512
#define LL_TARGET_AVX2
#endif
#define LL_INLINE static inline __attribute__((always_inline))
#define LL_BODY LL_INLINE

/* The best form this CPU runs (asked once). */
ll_form ll_cpu_best(void);
/* The form the kernels run now: the best unless forced lower. */
ll_form ll_cpu_form(void);
/* Run `form` from now on (process-wide); -1 (nothing changed) when this CPU cannot run it. */
int ll_set_cpu_form(ll_form form);
/* "avx512", "avx2" or "portable". */
const char *ll_form_name(ll_form form);

/*
 * One body compiled for the AVX2 target and for the baseline: `name params` makes the functions
 * name_avx2 and name_portable (external, for the tables), each calling name##_body (an
 * always-inline function holding the code), so each copy is optimised for its target.
 */
#define LL_BY_FORM_EXPORT(type, name, params, args) \
  __attribute__((noinline)) LL_TARGET_AVX2 type name##_avx2 params { return name##_body args; } \
  __attribute__((noinline)) type name##_portable params { return name##_body args; }

/* The kernels with more than one form (each family's header names the contract). */
struct geometry;
struct tiles;
typedef struct {
  /* gemm_forms.h: C (+)= A·B on one thread. */
  void (*gemm)(int M, int N, int K, const float *A, long rs, long cs, const float *B, long ldb, float *C, long ldc, int accumulate);
  /* conv.c: one image's im2col / col2im. */
  void (*im2col_image)(const float *x, float *cols, const struct geometry *g);
  void (*col2im_image)(const float *cols, float *x, const struct geometry *g);
  /* conv_direct.c: one output row of the direct conv (padded: the weights are finite and the padded rows fit), and one row's filter-gradient taps. */
  void (*conv_fwd_row)(const float *x, const float *w, float *yr, const struct geometry *g, int co, int s, int i, const float *bias, int act, int padded);
  void (*conv_filter_row)(const float *x, const float *dyr, float *part, const struct geometry *g, int co, int s, int i);
  /* pool.c: one pooled row's share or route (dy non-NULL), and its maxima. */
  void (*pool_share_row)(const float *x, const float *dy, float *o, const struct tiles *t, int s, int i, int positive);
  void (*pool_max_row)(const float *x, float *y, const struct tiles *t, int s, int i);
  /* optim.c: a block of Adam's update. basis.c: a block of out += Σ c[j]·q[j]; eight dot products; one. */
  void (*adam_block)(float *restrict th, const float *restrict g, double *restrict m, double *restrict v, size_t len, const double *k);
  void (*basis_combine_block)(double *restrict out, const double *const *q, const double *c, int m, size_t i0, size_t i1);
  void (*basis_dots8)(const double *const *q, const double *restrict v, double *c, size_t n);
  double (*basis_dot1)(const double *restrict a, const double *restrict v, size_t n);
} ll_kernel_table;

/* The table of the form that runs (filled for every form at load; switched by ll_set_cpu_form). */
const ll_kernel_table *ll_kernels(void);

#endif
