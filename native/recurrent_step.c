/* The GRU and SimpleRNN step parts of recurrent.h (ll_rnn_step_run): one pass over a [b, u] row block, rows over threads. */
#include <stddef.h>
#include "conv.h"
#include "recurrent.h"
#include "recurrent_act.h"

/* Below this many elements one thread is faster than waking a second (recurrent.c's limit for the LSTM step). */
#define STEP_PARALLEL_MIN (1 << 17)

/* A GRU element's gates: z, r, h̃ with derivatives, and the tangents of their inputs a_z, a_r, a_h. */
typedef struct { gate z, r, hh; float h, raz, rar, rah; } gru_point;

/* Row q, unit j: what the phase needs (the h̃ gate only with `out`, as a = (r·h)·U₂ exists only then). */
static inline gru_point gru_at(const ll_rnn_step *s, size_t q, int j, int out) {
  const size_t u = (size_t)s->u, x = q * 3 * u + (size_t)j, w = q * 2 * u + (size_t)j, k = q * u + (size_t)j;
  gru_point p;
  p.z = act_gate(s->rec, s->xp[x] + s->hu[w]);
  p.r = act_gate(s->rec, s->xp[x + u] + s->hu[w + u]);
  p.h = AT(s->h, k);
  p.raz = AT(s->rxp, x) + AT(s->rhu, w);
  p.rar = AT(s->rxp, x + u) + AT(s->rhu, w + u);
  p.rah = AT(s->rxp, x + 2 * u) + AT(s->ra, k);
  if (out) p.hh = act_gate(s->act, s->xp[x + 2 * u] + s->a[k]);
  return p;
}

static void gru_gates(const ll_rnn_step *s, size_t q) {
  for (int j = 0; j < s->u; j++) {
    const size_t k = q * (size_t)s->u + (size_t)j;
    const gru_point p = gru_at(s, q, j, 0);
    s->o0[k] = p.r.y * p.h;
    if (s->r0) s->r0[k] = (p.r.d * p.rar) * p.h + p.r.y * AT(s->rh, k);
  }
}

static void gru_out(const ll_rnn_step *s, size_t q) {
  for (int j = 0; j < s->u; j++) {
    const size_t k = q * (size_t)s->u + (size_t)j;
    const gru_point p = gru_at(s, q, j, 1);
    s->o0[k] = p.z.y * p.h + (1.0f - p.z.y) * p.hh.y;
    if (s->r0) s->r0[k] = ((p.z.d * p.raz) * (p.h - p.hh.y) + p.z.y * AT(s->rh, k)) + (1.0f - p.z.y) * (p.hh.d * p.rah);
  }
}

static void gru_back_h(const ll_rnn_step *s, size_t q) {
  for (int j = 0; j < s->u; j++) {
    const size_t k = q * (size_t)s->u + (size_t)j;
    const gru_point p = gru_at(s, q, j, 1);
    const float g = s->g[k], ghh = g * (1.0f - p.z.y);
    s->o0[k] = ghh * p.hh.d;
    if (!s->r0) continue;
    const float rghh = AT(s->rg, k) * (1.0f - p.z.y) - g * (p.z.d * p.raz);
    s->r0[k] = rghh * p.hh.d + (p.hh.d2 * p.rah) * ghh;
  }
}

static void gru_back_zr(const ll_rnn_step *s, size_t q) {
  const size_t u = (size_t)s->u;
  for (int j = 0; j < s->u; j++) {
    const size_t k = q * u + (size_t)j, w = q * 2 * u + (size_t)j;
    const gru_point p = gru_at(s, q, j, 1);
    const float g = s->g[k], grh = s->grh[k], gzp = g * (p.h - p.hh.y), gr = grh * p.h;
    s->o0[w] = gzp * p.z.d;
    s->o0[w + u] = gr * p.r.d;
    s->o1[k] = g * p.z.y + grh * p.r.y;
    if (!s->r0 || !s->r1) continue;
    const float rg = AT(s->rg, k), rgrh = AT(s->rgrh, k), rh = AT(s->rh, k), rz = p.z.d * p.raz, rr = p.r.d * p.rar;
    const float rgzp = rg * (p.h - p.hh.y) + g * (rh - p.hh.d * p.rah), rgr = rgrh * p.h + grh * rh;
    s->r0[w] = rgzp * p.z.d + (p.z.d2 * p.raz) * gzp;
    s->r0[w + u] = rgr * p.r.d + (p.r.d2 * p.rar) * gr;
    s->r1[k] = (rg * p.z.y + g * rz) + (rgrh * p.r.y + grh * rr);
  }
}

static void simple_out(const ll_rnn_step *s, size_t q) {
  for (int j = 0; j < s->u; j++) {
    const size_t k = q * (size_t)s->u + (size_t)j;
    const gate a = act_gate(s->act, s->xp[k] + s->hu[k]);
    s->o0[k] = a.y;
    if (s->r0) s->r0[k] = a.d * (AT(s->rxp, k) + AT(s->rhu, k));
  }
}

static void simple_back(const ll_rnn_step *s, size_t q) {
  for (int j = 0; j < s->u; j++) {
    const size_t k = q * (size_t)s->u + (size_t)j;
    const gate a = act_gate(s->act, s->xp[k] + s->hu[k]);
    s->o0[k] = s->g[k] * a.d;
    if (s->r0) s->r0[k] = AT(s->rg, k) * a.d + (a.d2 * (AT(s->rxp, k) + AT(s->rhu, k))) * s->g[k];
  }
}

typedef void (*row_fn)(const ll_rnn_step *, size_t);

int ll_rnn_step_run(const ll_rnn_step *s) {
  static const row_fn FNS[] = {gru_gates, gru_out, gru_back_h, gru_back_zr, simple_out, simple_back};
  if (s->phase < 0 || s->phase > LL_SIMPLE_BACK) return -1;
  const row_fn fn = FNS[s->phase];
  const int nt = (size_t)s->b * (size_t)s->u >= STEP_PARALLEL_MIN ? ll_threads() : 1;
  (void)nt; /* used by the OpenMP clause only */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
#endif
  for (long r = 0; r < s->b; r++) fn(s, (size_t)r);
  return 0;
}
