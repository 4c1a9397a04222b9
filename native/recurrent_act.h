/*
 * The recurrent cells' activations (recurrent.h's LL_ACT_*) as the tape and rop/recurrent-gates.ts make
 * them: the value and its first and second derivatives, shared by the LSTM step, the whole-sequence kernel
 * and the GRU / SimpleRNN step parts, so all of them compute a gate with the same float32 operations.
 */
#ifndef LOSSLENS_RECURRENT_ACT_H
#define LOSSLENS_RECURRENT_ACT_H
#include <math.h>
#include "recurrent.h"

/* A gate's value and its first and second derivatives. */
typedef struct { float y, d, d2; } gate;

/*
 * tanh as 1 − 2/(e^{2|z|} + 1) with one expf, and its odd series below |z| = 1/16 (where that form
 * cancels): absolute error ~1e-7 over the line, as tanhf's, at half its cost.
 */
static inline float ll_tanh(float z) {
  const float x = fabsf(z);
  if (x < 0.0625f) {
    const float x2 = z * z;
    return z + z * x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315)));
  }
  const float r = 1.0f - 2.0f / (expf(2.0f * x) + 1.0f);
  return z < 0.0f ? -r : r;
}

static inline float act_value(int k, float z) {
  switch (k) {
    case LL_ACT_TANH: return ll_tanh(z);
    case LL_ACT_SIGMOID: return 1.0f / (1.0f + expf(-z));
    case LL_ACT_HARD_SIGMOID: { const float s = z * 0.2f + 0.5f; return s > 1.0f ? 1.0f : s < 0.0f ? 0.0f : s; }
    case LL_ACT_RELU: return z < 0.0f ? 0.0f : z;
    default: return z;
  }
}

/* tanh′ = 1 − y², tanh″ = −2y·tanh′; σ′ = y(1 − y), σ″ = (1 − 2y)·σ′; hard σ′ = 0.2 where 0 ≤ s ≤ 1 (y = s); relu′ = step(z). */
static inline gate act_gate(int k, float z) {
  gate g = {act_value(k, z), 1.0f, 0.0f};
  if (k == LL_ACT_TANH) { g.d = 1.0f - g.y * g.y; g.d2 = (-2.0f * g.y) * g.d; }
  else if (k == LL_ACT_SIGMOID) { g.d = g.y * (1.0f - g.y); g.d2 = (1.0f - 2.0f * g.y) * g.d; }
  else if (k == LL_ACT_HARD_SIGMOID) g.d = g.y == z * 0.2f + 0.5f ? 0.2f : 0.0f;
  else if (k == LL_ACT_RELU) g.d = z != z ? z : z > 0.0f ? 1.0f : 0.0f;
  return g;
}

#define AT(p, i) ((p) ? (p)[i] : 0.0f)

#endif
