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

#endif
