/**
 * The forward-over-reverse rules (hvp.ts) of SimpleRNN, LSTM and GRU layers: the unroll of
 * model/layers/recurrent.ts carried as value–tangent pairs step by step (recurrent-step.ts,
 * lstm-step.ts, gru-step.ts), then back through time with each gradient's tangent. One forward
 * and one backward pass over the steps instead of double backprop's four; the weights' gradients
 * and Hv blocks are summed over time as one product each, with the layer's input projection:
 *   xp_t = x_t·W + b:  ∂L/∂W = Xᵀ·G,  R{∂L/∂W} = R{X}ᵀ·G + Xᵀ·R{G},  ∂L/∂b = Σ G,  R{∂L/∂b} = Σ R{G}
 *   (X [b·T, d] the input, G [b·T, gates·units] the projections' gradients, rows alike);
 *   ∂L/∂U the cells' terms (recurrent-step.ts) stacked over time the same way.
 * Covered (recurrentSupport): zero initial states (a chain gives no other), no mask (no masking
 * layer has a rule), go_backwards, return_sequences, and activations gateCovered names.
 */
import tf from '../../tf.cjs';
import { cfg } from '../../model/layer-ops.js';
import { STATES, type CellKind } from '../../model/layers/recurrent-cells.js';
import { add, type Dual, type Maybe } from './dual.js';
import type { LayerStep, Rule } from './layers.js';
import { gateCovered, gateFn } from './recurrent-gates.js';
import { addPairs, recurrentOf, simpleRnnStep, type DualCell, type DualStep, type GradPair, type StepBack } from './recurrent-step.js';
import { fusedLstmStep, lstmStep } from './lstm-step.js';
import { fusedCodes } from '../../kernels/recurrent-cell.js';
import { gruStep } from './gru-step.js';
import { fusedGruStep, fusedSimpleRnnStep } from './fused-rnn-step.js';
import { rnnStepCodes } from '../../kernels/rnn-step.js';

const DEFAULT_REC = 'hard_sigmoid';

/** Why the rules do not cover this recurrent layer's config, or null. */
export function recurrentSupport(config: any): string | null {
  for (const [field, dflt] of [
    ['activation', 'tanh'],
    ['recurrent_activation', DEFAULT_REC],
  ] as const) {
    const name = cfg(config, field, dflt);
    if (!gateCovered(name)) return `${field} ${JSON.stringify(name)} (the recurrent rules take tanh, sigmoid, hard_sigmoid, relu, linear)`;
  }
  return null;
}

function makeCell(kind: CellKind, config: any, U: tf.Tensor2D, VU: Maybe): DualCell {
  const act = gateFn(cfg(config, 'activation', 'tanh'), 'recurrent rule');
  const native =
    kind !== 'LSTM' && rnnStepCodes(cfg(config, 'activation', 'tanh'), kind === 'GRU' ? cfg(config, 'recurrent_activation', DEFAULT_REC) : 'linear');
  if (native) return kind === 'GRU' ? fusedGruStep(native, U, VU) : fusedSimpleRnnStep(native, recurrentOf(U, VU)); // the loss pass's sequence kernel's values
  if (kind === 'SimpleRNN') return simpleRnnStep(act, recurrentOf(U, VU));
  const fused = kind === 'LSTM' && fusedCodes(cfg(config, 'activation', 'tanh'), cfg(config, 'recurrent_activation', DEFAULT_REC));
  if (fused) return fusedLstmStep(fused, recurrentOf(U, VU)); // the loss pass's kernel: the same values
  const rec = gateFn(cfg(config, 'recurrent_activation', DEFAULT_REC), 'recurrent rule');
  return kind === 'LSTM' ? lstmStep(act, rec, recurrentOf(U, VU)) : gruStep(act, rec, U, VU);
}

/** [b·T, d] → per step [b, d] in time order (the loss pass's slicing). */
const steps = (t: tf.Tensor, b: number, T: number) => tf.unstack(tf.transpose(tf.reshape(t, [b, T, t.shape[1]!]), [1, 0, 2]));
/** Per-step [b, w] in time order → [b·T, w], rows as the input's. */
const rows = (ts: tf.Tensor[]) => tf.reshape(tf.stack(ts, 1), [-1, ts[0]!.shape[1]!]);
const rowsR = (ps: Dual[]): Maybe => (ps.some((p) => p.r) ? rows(ps.map((p) => p.r ?? tf.zerosLike(p.y))) : null);

/** Σ_t aᵀ·g and its tangent over stacked rows A, G: ∂/∂W-type products. */
function weightPair(a: Dual[], g: Dual[]): { gw: tf.Tensor; hv: Maybe } {
  const A = rows(a.map((p) => p.y)),
    G = rows(g.map((p) => p.y)),
    RA = rowsR(a),
    RG = rowsR(g);
  return { gw: tf.matMul(A, G, true, false), hv: add(RA && tf.matMul(RA, G, true, false), RG && tf.matMul(A, RG, true, false)) };
}

function rule(kind: CellKind): Rule {
  return (x, w, v, config) => {
    const [b, T, d] = x.y.shape as [number, number, number];
    const W = w.kernel as tf.Tensor2D,
      U = w.recurrent_kernel as tf.Tensor2D,
      units = U.shape[0];
    const VW = v.kernel ?? null,
      VU = v.recurrent_kernel ?? null,
      VB = v.bias ?? null;
    const x2 = tf.reshape(x.y, [b * T, d]) as tf.Tensor2D,
      rx2 = x.r && (tf.reshape(x.r, [b * T, d]) as tf.Tensor2D);
    let proj = tf.matMul(x2, W); // recurrent.ts' projection, the loss pass's ops
    if (w.bias) proj = tf.add(proj, w.bias);
    const rz = add(add(rx2 && tf.matMul(rx2, W), VW && tf.matMul(x2, VW as tf.Tensor2D)), VB);
    const xs = steps(proj, b, T),
      rxs = rz && steps(rz.rank === 1 ? tf.broadcastTo(rz, proj.shape) : rz, b, T);
    const cell = makeCell(kind, config, U, VU);
    const order = Array.from({ length: T }, (_, k) => (cfg(config, 'go_backwards', false) ? T - 1 - k : k));
    let states: Dual[] = Array.from({ length: STATES[kind] }, () => ({ y: tf.zeros([b, units]), r: null }));
    const run: DualStep[] = [];
    for (const t of order) {
      const s = cell({ y: xs[t]!, r: rxs?.[t] ?? null }, states);
      run.push(s);
      states = s.states;
    }
    const sequences = cfg(config, 'return_sequences', false);
    const hs = run.map((s) => s.states[0]!);
    const out: Dual = sequences
      ? {
          y: tf.stack(
            hs.map((h) => h.y),
            1,
          ),
          r: hs.some((h) => h.r)
            ? tf.stack(
                hs.map((h) => h.r ?? tf.zerosLike(h.y)),
                1,
              )
            : null,
        }
      : states[0]!;
    return { out, back: (g, needInput, wantGrad) => backward({ kind, run, order, sequences, x2, rx2, W, VW, v, units }, g, needInput, wantGrad) };
  };
}

interface Unrolled {
  kind: CellKind;
  run: DualStep[];
  order: number[];
  sequences: boolean;
  x2: tf.Tensor2D;
  rx2: Maybe;
  W: tf.Tensor2D;
  VW: Maybe;
  v: Record<string, Maybe>;
  units: number;
}

/** Back through time from the output's gradient pair; the weights' gradients and Hv blocks. */
function backward(u: Unrolled, g: Dual, needInput: boolean, wantGrad: boolean): ReturnType<LayerStep['back']> {
  const T = u.run.length;
  const gy = u.sequences ? tf.unstack(g.y, 1) : null,
    gr = u.sequences && g.r ? tf.unstack(g.r, 1) : null;
  const outGrad = (k: number): GradPair => (gy ? { y: gy[k]!, r: gr?.[k] ?? null } : k === T - 1 ? g : null);
  let carry: GradPair[] = Array.from({ length: STATES[u.kind] }, () => null);
  const back: StepBack[] = new Array(T);
  for (let k = T - 1; k >= 0; k--) {
    const r = u.run[k]!.back([addPairs(outGrad(k), carry[0]!), ...carry.slice(1)]);
    back[u.order[k]!] = r; // by time, as the input's rows
    carry = r.gPrev;
  }
  const gxp = back.map((r) => r.gxp),
    G = rows(gxp.map((p) => p.y)),
    RG = rowsR(gxp);
  const hv: Record<string, tf.Tensor> = {},
    gw: Record<string, tf.Tensor> = {};
  if (wantGrad) gw.kernel = tf.matMul(u.x2, G, true, false);
  if (u.v.kernel) hv.kernel = add(u.rx2 && tf.matMul(u.rx2, G, true, false), RG && tf.matMul(u.x2, RG, true, false)) ?? tf.zerosLike(u.W);
  if (wantGrad) gw.bias = tf.sum(G, 0);
  if (u.v.bias) hv.bias = RG ? tf.sum(RG, 0) : tf.zerosLike(u.v.bias);
  const blocks = back[0]!.uTerms.map((_, j) =>
    weightPair(
      back.map((r) => r.uTerms[j]!.a),
      back.map((r) => r.uTerms[j]!.g),
    ),
  );
  if (wantGrad)
    gw.recurrent_kernel = tf.concat(
      blocks.map((p) => p.gw),
      1,
    );
  if (u.v.recurrent_kernel)
    hv.recurrent_kernel = tf.concat(
      blocks.map((p) => p.hv ?? tf.zerosLike(p.gw)),
      1,
    );
  const [b, T2] = [G.shape[0]! / T, T];
  const gx = needInput
    ? {
        y: tf.reshape(tf.matMul(G, u.W, false, true), [b, T2, -1]),
        r: (() => {
          const r = add(RG && tf.matMul(RG, u.W, false, true), u.VW && tf.matMul(G, u.VW as tf.Tensor2D, false, true));
          return r && tf.reshape(r, [b, T2, -1]);
        })(),
      }
    : null;
  return { gx, hv, gw };
}

/** The rules by layer class (registered in layers.ts' RULES; recurrentSupport checks the config). */
export const RECURRENT_RULES: Record<string, Rule> = { SimpleRNN: rule('SimpleRNN'), LSTM: rule('LSTM'), GRU: rule('GRU') };
