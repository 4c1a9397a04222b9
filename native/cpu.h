/*
 * The one CPU-dispatch place: which instruction-set form the kernels run. Every kernel with more
 * than one form asks ll_cpu_form() (or ll_cpu_avx512()) and nothing else; the form is detected once
 * (the best this CPU runs) and can be forced down for tests and benchmarks (ll_set_cpu_form).
 *
 *   LL_AVX512    AVX-512F + FMA: the 16-float kernels (gemm.c, conv_direct.c, conv.c's runs, pool.c)
 *   LL_AVX2      AVX2 + FMA: gemm.c's 8-float kernel; the rest as the portable form
 *   LL_PORTABLE  plain C the compiler vectorises for its target (SSE2 on x86-64, NEON on arm64)
 */
#ifndef LOSSLENS_CPU_H
#define LOSSLENS_CPU_H

typedef enum { LL_PORTABLE = 0, LL_AVX2 = 1, LL_AVX512 = 2 } ll_form;

/* x86-64 with GCC's target attributes and <immintrin.h>: the AVX2 and AVX-512 forms are compiled in. */
#if defined(__x86_64__) && defined(__GNUC__)
#define LL_X86_FORMS 1
#endif

/* The best form this CPU runs (asked once). */
ll_form ll_cpu_best(void);
/* The form the kernels run now: the best unless forced lower. */
ll_form ll_cpu_form(void);
/* Run `form` from now on (process-wide); -1 (nothing changed) when this CPU cannot run it. */
int ll_set_cpu_form(ll_form form);
/* "avx512", "avx2" or "portable". */
const char *ll_form_name(ll_form form);

/*
 * A function compiled twice, for x86-64-v3 (AVX2 + FMA) and the baseline, the copy picked by the
 * form: `name params` calls name##_body (a static always-inline function holding the code, so each
 * copy is optimised for its target). Elsewhere one copy, the compiler's target.
 */
#if defined(LL_X86_FORMS) && !defined(__clang__)
#define LL_V3 __attribute__((target("arch=x86-64-v3"), noinline))
#define LL_BY_FORM(name, params, args) \
  LL_V3 static void name##_v3 params { name##_body args; } \
  __attribute__((noinline)) static void name##_base params { name##_body args; } \
  static void name params { if (ll_cpu_form() >= LL_AVX2) name##_v3 args; else name##_base args; }
#define LL_BY_FORM_RET(type, name, params, args) \
  LL_V3 static type name##_v3 params { return name##_body args; } \
  __attribute__((noinline)) static type name##_base params { return name##_body args; } \
  static type name params { return ll_cpu_form() >= LL_AVX2 ? name##_v3 args : name##_base args; }
#else
#define LL_BY_FORM(name, params, args) static void name params { name##_body args; }
#define LL_BY_FORM_RET(type, name, params, args) static type name params { return name##_body args; }
#endif
#define LL_BODY static inline __attribute__((always_inline))

/* 1 while the AVX-512 form runs. */
static inline int ll_cpu_avx512(void) { return ll_cpu_form() == LL_AVX512; }

#endif
