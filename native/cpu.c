/* CPU detection, the forced form, and each form's kernel table (cpu.h). */
#include "cpu.h"
#include "gemm_forms.h"
#include "conv.h"
#include "conv_direct.h"
#include "pool.h"
#include "optim.h"
#include "basis.h"

/* Each form's kernels: AVX-512 and AVX2 tables exist on x86-64 only (elsewhere ll_cpu_best() is portable). */
static const ll_kernel_table portable = {
  ll_gemm_portable, ll_im2col_image_portable, ll_col2im_image_portable,
  ll_conv_fwd_row_portable, ll_conv_filter_row_portable, ll_pool_share_row_portable, ll_pool_max_row_portable,
  ll_adam_block_portable, ll_basis_combine_block_portable, ll_basis_dots8_portable, ll_basis_dot1_portable,
};
#ifdef LL_X86_FORMS
static const ll_kernel_table avx2 = {
  ll_gemm_avx2, ll_im2col_image_avx2, ll_col2im_image_avx2,
  ll_conv_fwd_row_avx2, ll_conv_filter_row_avx2, ll_pool_share_row_avx2, ll_pool_max_row_avx2,
  ll_adam_block_avx2, ll_basis_combine_block_avx2, ll_basis_dots8_avx2, ll_basis_dot1_avx2,
};
static const ll_kernel_table avx512 = {
  ll_gemm_avx512, ll_im2col_image_avx512, ll_col2im_image_avx512,
  ll_conv_fwd_row_avx512, ll_conv_filter_row_avx512, ll_pool_share_row_avx512, ll_pool_max_row_avx512,
  ll_adam_block_avx2, ll_basis_combine_block_avx2, ll_basis_dots8_avx2, ll_basis_dot1_avx2,
};
static const ll_kernel_table *const tables[] = {&portable, &avx2, &avx512};
#else
static const ll_kernel_table *const tables[] = {&portable, &portable, &portable};
#endif

static int g_form = -1; /* -1: not decided yet (the first ask detects) */
static const ll_kernel_table *g_table;

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
  if (g_form < 0) ll_set_cpu_form(ll_cpu_best());
  return (ll_form)g_form;
}

const ll_kernel_table *ll_kernels(void) {
  if (!g_table) ll_cpu_form();
  return g_table;
}

int ll_set_cpu_form(ll_form form) {
  if (form < LL_PORTABLE || form > ll_cpu_best()) return -1;
  g_form = form;
  g_table = tables[form];
  return 0;
}

const char *ll_form_name(ll_form form) {
  return form == LL_AVX512 ? "avx512" : form == LL_AVX2 ? "avx2" : "portable";
}
