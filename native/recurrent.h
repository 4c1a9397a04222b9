/*
 * A fused LSTM cell step (tfjs-layers' gate order i, f, c̃, o) on [b, u] rows: the gate
 * nonlinearities and the state update in one pass, and the forward-over-reverse backward of
 * src/objective/rop/lstm-step.ts, with the same float32 operations in the same order as the
 * unfused tf ops (no FMA contraction at the baseline target). Pure C, no Node here.
 *
 *   z = xp + hu (hu = h·U, made by the caller's GEMM),  i = σ(z_i), f = σ(z_f), g = φ(z_g), o = σ(z_o)
 *   c′ = f·c + i·g,  h′ = o·φ(c′)            (σ the recurrent activation, φ the activation)
 *
 * A NULL input reads as zeros (a state or tangent that is not there); a NULL tangent output is
 * not written. Activations: LL_ACT_* below.
 */
#ifndef LOSSLENS_RECURRENT_H
#define LOSSLENS_RECURRENT_H

enum { LL_ACT_LINEAR = 0, LL_ACT_TANH = 1, LL_ACT_SIGMOID = 2, LL_ACT_HARD_SIGMOID = 3, LL_ACT_RELU = 4 };

typedef struct {
  int b, u, act, rec;
  /* inputs: xp, hu [b, 4u]; c [b, u]; tangents rz [b, 4u], rc [b, u]; gradients gh, rgh, gc, rgc [b, u] */
  const float *xp, *hu, *c, *rz, *rc, *gh, *rgh, *gc, *rgc;
  /* forward outputs h, cn (and tangents rh, rcn); backward outputs gz [b, 4u], gcp [b, u] (and rgz, rgcp) */
  float *h, *cn, *rh, *rcn, *gz, *gcp, *rgz, *rgcp;
} ll_lstm_step;

/* h, cn; rh, rcn when both are non-NULL (the tangents R{h′}, R{c′} from rz, rc). */
void ll_lstm_forward(const ll_lstm_step *s);
/* gz = ∂L/∂z and gcp = ∂L/∂c from gh, gc; rgz, rgcp (their tangents) when both are non-NULL. */
void ll_lstm_backward(const ll_lstm_step *s);

/*
 * A whole sequence of SimpleRNN, LSTM or GRU (reset_after = false) steps, forward only (the loss
 * pass): per step the recurrent product h·U by our GEMM and the cell's gates, in the float32 order of
 * the per-step kernels and tfjs-layers' ops. Batch rows are independent through time, so each thread
 * carries its own block of rows over all T steps: one parallel region per sequence, no barrier per step.
 *   xp [b, T, G·u] the input projection x·W (bias added here: (xp + bias) + h·U as the two adds),
 *   U [u, G·u], h0, c0 [b, u] (NULL: zeros), out [b, T, u] (sequences: the k-th step run at k) or [b, u].
 * GRU: [a_z a_r] = xp_zr + h·U₁, a_h = xp_h + (r·h)·U₂ (U = [U₁ | U₂]), h′ = z·h + (1 − z)·φ(a_h).
 */
enum { LL_CELL_SIMPLE = 0, LL_CELL_LSTM = 1, LL_CELL_GRU = 2 };

typedef struct {
  int kind, b, T, u, act, rec, backwards, sequences;
  const float *xp, *bias, *U, *h0, *c0;
  float *out;
} ll_rnn_seq;

/* The gate blocks G of a cell kind (1, 4, 3). */
int ll_rnn_gates(int kind);
/* Returns 0, or -1 when out of memory (nothing written then). */
int ll_rnn_sequence(const ll_rnn_seq *s);

/*
 * One GRU (reset_after = false) or SimpleRNN step in parts around the caller's GEMMs, for the
 * forward-over-reverse rules (src/objective/rop/fused-rnn-step.ts): the values in the float32
 * operations of ll_rnn_sequence (the rules' loss is the loss pass's to the bit), the tangents R{·}
 * along a direction and the backward pass with its tangents. A NULL input reads as zeros; a NULL
 * output (r0, r1) is not written. GRU: xp [b, 3u], hu = h·U₁ [b, 2u], a = (r·h)·U₂ [b, u], z = σ(xp_z + hu_z),
 * r = σ(xp_r + hu_r), h̃ = φ(xp_h + a), h′ = z·h + (1 − z)·h̃; rxp, rhu, ra the tangents of xp, hu, a
 * (R{hu} = R{h}·U₁ + h·V₁, R{a} = R{r·h}·U₂ + (r·h)·V₂), rh = R{h}; g = ∂L/∂h′, grh = ∂L/∂(r·h) = g_{a}·U₂ᵀ.
 *   LL_GRU_GATES    o0 = r·h, r0 = R{r·h}
 *   LL_GRU_OUT      o0 = h′, r0 = R{h′}
 *   LL_GRU_BACK_H   o0 = g_{a} = g·(1 − z)·φ′, r0 = its tangent
 *   LL_GRU_BACK_ZR  o0 = [g_{a_z} g_{a_r}] [b, 2u], o1 = g·z + grh·r (∂L/∂h but the U₁ product), r0, r1 their tangents
 * SimpleRNN: xp, hu = h·U [b, u], h′ = φ(xp + hu).
 *   LL_SIMPLE_OUT   o0 = h′, r0 = φ′·(rxp + rhu)
 *   LL_SIMPLE_BACK  o0 = g·φ′, r0 = rg·φ′ + (φ″·(rxp + rhu))·g
 */
enum { LL_GRU_GATES = 0, LL_GRU_OUT = 1, LL_GRU_BACK_H = 2, LL_GRU_BACK_ZR = 3, LL_SIMPLE_OUT = 4, LL_SIMPLE_BACK = 5 };

typedef struct {
  int phase, b, u, act, rec;
  const float *xp, *hu, *h, *a, *g, *grh;
  const float *rxp, *rhu, *ra, *rh, *rg, *rgrh;
  float *o0, *o1, *r0, *r1;
} ll_rnn_step;

/* Runs s->phase (LL_GRU_*, LL_SIMPLE_*); -1 for an unknown phase. */
int ll_rnn_step_run(const ll_rnn_step *s);

#endif
