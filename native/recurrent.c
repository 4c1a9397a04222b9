/* The fused LSTM cell step of recurrent.h: one pass over the [b, u] elements, rows over threads. */
#include "recurrent.h"
#include "recurrent_act.h"
#include <stddef.h>
#include "conv.h"
#include "gemm.h"
#include <stdlib.h>
#include <string.h>

/* Below this many elements one thread is faster than waking a second (a [128, 128] step: ~0.1 ms of work, less than a wake-up on a busy machine). */
#define RC_PARALLEL_MIN (1 << 17)

/* The step's gates and states at row r, unit j (z = xp + hu in the order the unfused add makes it). */
typedef struct { gate i, f, g, o, t; float c, cn; } lstm_point;

static inline lstm_point point(const ll_lstm_step *s, size_t r, int j) {
  const size_t u = (size_t)s->u, zr = r * 4 * u, k = r * u + (size_t)j;
  lstm_point p;
  p.i = act_gate(s->rec, s->xp[zr + j] + s->hu[zr + j]);
  p.f = act_gate(s->rec, s->xp[zr + u + j] + s->hu[zr + u + j]);
  p.g = act_gate(s->act, s->xp[zr + 2 * u + j] + s->hu[zr + 2 * u + j]);
  p.o = act_gate(s->rec, s->xp[zr + 3 * u + j] + s->hu[zr + 3 * u + j]);
  p.c = AT(s->c, k);
  p.cn = p.f.y * p.c + p.i.y * p.g.y;
  p.t = act_gate(s->act, p.cn);
  return p;
}

/* The tangents of i, f, g, o (f′·R{z}) and of c′ at row r, unit j. */
typedef struct { float ri, rf, rg, ro, rc, rcn; } lstm_tangent;

static inline lstm_tangent tangent(const ll_lstm_step *s, const lstm_point *p, size_t r, int j) {
  const size_t u = (size_t)s->u, zr = r * 4 * u, k = r * u + (size_t)j;
  lstm_tangent q;
  q.ri = p->i.d * AT(s->rz, zr + j);
  q.rf = p->f.d * AT(s->rz, zr + u + j);
  q.rg = p->g.d * AT(s->rz, zr + 2 * u + j);
  q.ro = p->o.d * AT(s->rz, zr + 3 * u + j);
  q.rc = AT(s->rc, k);
  q.rcn = (q.rf * p->c + p->f.y * q.rc) + (q.ri * p->g.y + p->i.y * q.rg);
  return q;
}

static int threads_for(const ll_lstm_step *s) { return (size_t)s->b * (size_t)s->u >= RC_PARALLEL_MIN ? ll_threads() : 1; }

void ll_lstm_forward(const ll_lstm_step *s) {
  const int nt = threads_for(s), dual = s->rh && s->rcn;
  (void)nt; /* used by the OpenMP clause only */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
#endif
  for (long r = 0; r < s->b; r++) {
    for (int j = 0; j < s->u; j++) {
      const lstm_point p = point(s, (size_t)r, j);
      const size_t k = (size_t)r * s->u + j;
      s->cn[k] = p.cn;
      s->h[k] = p.o.y * p.t.y;
      if (!dual) continue;
      const lstm_tangent q = tangent(s, &p, (size_t)r, j);
      s->rcn[k] = q.rcn;
      s->rh[k] = q.ro * p.t.y + p.o.y * (p.t.d * q.rcn);
    }
  }
}

void ll_lstm_backward(const ll_lstm_step *s) {
  const int nt = threads_for(s), dual = s->rgz && s->rgcp;
  (void)nt;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
#endif
  for (long r = 0; r < s->b; r++) {
    const size_t u = (size_t)s->u, zr = (size_t)r * 4 * u;
    for (int j = 0; j < s->u; j++) {
      const lstm_point p = point(s, (size_t)r, j);
      const size_t k = (size_t)r * u + j;
      const float gh = AT(s->gh, k), gphi = gh * p.o.y, go = gh * p.t.y;
      const float gc = (s->gc ? s->gc[k] : 0.0f) + gphi * p.t.d;
      s->gz[zr + j] = (gc * p.g.y) * p.i.d;
      s->gz[zr + u + j] = (gc * p.c) * p.f.d;
      s->gz[zr + 2 * u + j] = (gc * p.i.y) * p.g.d;
      s->gz[zr + 3 * u + j] = go * p.o.d;
      s->gcp[k] = gc * p.f.y;
      if (!dual) continue;
      const lstm_tangent q = tangent(s, &p, (size_t)r, j);
      const float rgh = AT(s->rgh, k), rt = p.t.d * q.rcn;
      const float rgphi = rgh * p.o.y + gh * q.ro, rgo = rgh * p.t.y + gh * rt;
      const float rgc = (AT(s->rgc, k) + rgphi * p.t.d) + (p.t.d2 * q.rcn) * gphi;
      const float rzi = AT(s->rz, zr + j), rzf = AT(s->rz, zr + u + j), rzg = AT(s->rz, zr + 2 * u + j), rzo = AT(s->rz, zr + 3 * u + j);
      s->rgz[zr + j] = (rgc * p.g.y + gc * q.rg) * p.i.d + (p.i.d2 * rzi) * (gc * p.g.y);
      s->rgz[zr + u + j] = (rgc * p.c + gc * q.rc) * p.f.d + (p.f.d2 * rzf) * (gc * p.c);
      s->rgz[zr + 2 * u + j] = (rgc * p.i.y + gc * q.ri) * p.g.d + (p.g.d2 * rzg) * (gc * p.i.y);
      s->rgz[zr + 3 * u + j] = rgo * p.o.d + (p.o.d2 * rzo) * go;
      s->rgcp[k] = rgc * p.f.y + gc * q.rf;
    }
  }
}

/* ---- whole sequences (ll_rnn_sequence) ---- */

int ll_rnn_gates(int kind) { return kind == LL_CELL_LSTM ? 4 : kind == LL_CELL_GRU ? 3 : 1; }

/* A thread's rows [r0, r1) and its state: h, c [m, u], hu [m, G·u], rh (GRU's r·h) [m, u]. */
typedef struct { int r0, m; float *h, *c, *hu, *rh; } seq_rows;

/* The projected input of row r at step t, bias added as the loss pass's separate add makes it. */
static inline float xin(const ll_rnn_seq *s, const float *row, int i) { return s->bias ? row[i] + s->bias[i] : row[i]; }

static void lstm_rows(const ll_rnn_seq *s, seq_rows *w, int t) {
  const int u = s->u;
  for (int q = 0; q < w->m; q++) {
    const float *x = s->xp + ((size_t)(w->r0 + q) * s->T + t) * 4 * u, *hu = w->hu + (size_t)q * 4 * u;
    float *h = w->h + (size_t)q * u, *c = w->c + (size_t)q * u;
    for (int j = 0; j < u; j++) {
      const float i = act_value(s->rec, xin(s, x, j) + hu[j]), f = act_value(s->rec, xin(s, x, u + j) + hu[u + j]);
      const float g = act_value(s->act, xin(s, x, 2 * u + j) + hu[2 * u + j]), o = act_value(s->rec, xin(s, x, 3 * u + j) + hu[3 * u + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * act_value(s->act, c[j]);
    }
  }
}

static void simple_rows(const ll_rnn_seq *s, seq_rows *w, int t) {
  const int u = s->u;
  for (int q = 0; q < w->m; q++) {
    const float *x = s->xp + ((size_t)(w->r0 + q) * s->T + t) * u, *hu = w->hu + (size_t)q * u;
    float *h = w->h + (size_t)q * u;
    for (int j = 0; j < u; j++) h[j] = act_value(s->act, xin(s, x, j) + hu[j]);
  }
}

/* GRU: the gates z, r from hu = h·U₁ (z kept in hu's first block), r·h into rh, then (r·h)·U₂ and h′. */
static void gru_rows(const ll_rnn_seq *s, seq_rows *w, int t) {
  const int u = s->u;
  for (int q = 0; q < w->m; q++) {
    const float *x = s->xp + ((size_t)(w->r0 + q) * s->T + t) * 3 * u;
    float *hu = w->hu + (size_t)q * 2 * u, *h = w->h + (size_t)q * u, *rh = w->rh + (size_t)q * u;
    for (int j = 0; j < u; j++) {
      hu[j] = act_value(s->rec, xin(s, x, j) + hu[j]);
      rh[j] = act_value(s->rec, xin(s, x, u + j) + hu[u + j]) * h[j];
    }
  }
  float *a = w->hu + (size_t)w->m * 2 * u; /* [m, u] after the gates */
  ll_sgemm_own(w->m, u, u, w->rh, u, 1, s->U + 2 * u, 3L * u, a, u, 0, 1);
  for (int q = 0; q < w->m; q++) {
    const float *x = s->xp + ((size_t)(w->r0 + q) * s->T + t) * 3 * u, *z = w->hu + (size_t)q * 2 * u, *aq = a + (size_t)q * u;
    float *h = w->h + (size_t)q * u;
    for (int j = 0; j < u; j++) {
      const float hh = act_value(s->act, xin(s, x, 2 * u + j) + aq[j]);
      h[j] = z[j] * h[j] + (1.0f - z[j]) * hh;
    }
  }
}

/* One thread's rows through all steps; 0, or -1 when out of memory. */
static int seq_block(const ll_rnn_seq *s, int r0, int r1) {
  const int u = s->u, G = ll_rnn_gates(s->kind), m = r1 - r0, N = s->kind == LL_CELL_GRU ? 2 * u : G * u;
  const size_t mu = (size_t)m * u;
  float *buf = malloc(sizeof(float) * (mu * 3 + (size_t)m * (N + u)));
  if (!buf) return -1;
  seq_rows w = {r0, m, buf, buf + mu, buf + 2 * mu, buf + 2 * mu + (size_t)m * (N + u)}; /* h, c, hu (then GRU's a [m, u]), rh */
  for (size_t k = 0; k < mu; k++) {
    w.h[k] = s->h0 ? s->h0[(size_t)r0 * u + k] : 0.0f;
    w.c[k] = s->c0 ? s->c0[(size_t)r0 * u + k] : 0.0f;
  }
  for (int k = 0; k < s->T; k++) {
    const int t = s->backwards ? s->T - 1 - k : k;
    ll_sgemm_own(m, N, u, w.h, u, 1, s->U, (long)G * u, w.hu, N, 0, 1);
    if (s->kind == LL_CELL_LSTM) lstm_rows(s, &w, t);
    else if (s->kind == LL_CELL_GRU) gru_rows(s, &w, t);
    else simple_rows(s, &w, t);
    if (s->sequences)
      for (int q = 0; q < m; q++) memcpy(s->out + ((size_t)(r0 + q) * s->T + k) * u, w.h + (size_t)q * u, sizeof(float) * u);
  }
  if (!s->sequences) memcpy(s->out + (size_t)r0 * u, w.h, sizeof(float) * mu);
  free(buf);
  return 0;
}

/* Rows a block is a multiple of (gemm.c's row blocking: the same bits as one product over all rows). */
#define SEQ_ROW_BLOCK 12

int ll_rnn_sequence(const ll_rnn_seq *s) {
  if (s->b <= 0 || s->T <= 0 || s->u <= 0) return 0;
  const size_t macs = (size_t)s->b * s->T * s->u * (size_t)ll_rnn_gates(s->kind) * s->u;
  int nt = macs >= ((size_t)1 << 22) && s->b >= 2 * SEQ_ROW_BLOCK ? ll_threads() : 1;
  const int chunk = ((s->b + nt - 1) / nt + SEQ_ROW_BLOCK - 1) / SEQ_ROW_BLOCK * SEQ_ROW_BLOCK;
  int failed = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(nt) if (nt > 1) reduction(| : failed)
#endif
  for (int c = 0; c < nt; c++) {
    const int r0 = c * chunk, r1 = r0 + chunk < s->b ? r0 + chunk : s->b;
    if (r1 > r0) failed |= seq_block(s, r0, r1) != 0;
  }
  return failed ? -1 : 0;
}
