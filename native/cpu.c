/* CPU detection and the forced form (cpu.h). */
#include "cpu.h"

static int g_form = -1; /* -1: not decided yet (the first ask detects) */

ll_form ll_cpu_best(void) {
  static int best = -1;
  if (best < 0) {
#ifdef LL_X86_FORMS
    __builtin_cpu_init();
    best = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") ? LL_AVX512
         : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? LL_AVX2 : LL_PORTABLE;
#else
    best = LL_PORTABLE;
#endif
  }
  return (ll_form)best;
}

ll_form ll_cpu_form(void) {
  if (g_form < 0) g_form = ll_cpu_best();
  return (ll_form)g_form;
}

int ll_set_cpu_form(ll_form form) {
  if (form < LL_PORTABLE || form > ll_cpu_best()) return -1;
  g_form = form;
  return 0;
}

const char *ll_form_name(ll_form form) {
  return form == LL_AVX512 ? "avx512" : form == LL_AVX2 ? "avx2" : "portable";
}
