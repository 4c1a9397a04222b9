/**
 * The exact Hessian-vector product of one batch as forward-over-reverse differentiation
 * (Pearlmutter 1994): one forward pass carrying each activation's tangent along v, one backward
 * pass carrying each gradient's tangent; Hv is the tangent of the weights' gradient. It computes
 * what double backprop (∇(∇L·v), local-objective.ts) computes — the same loss, the same
 * tie-splitting max-pool and clipped-probability derivatives — without a gradient tape and with
 * no gradient-of-a-gradient kernels: on LeNet the convolutions are 11 per batch instead of 13,
 * the elementwise kernels a third, and no tape bookkeeping. Models it does not cover (ropSupport
 * says why) keep double backprop; LOSSLENS_HVP=tape forces it everywhere (benches, tests). The
 * same rules without tangents are the gradient's backward pass (LocalObjective.grad;
 * LOSSLENS_GRAD=tape keeps tf.grads' tape).
 */
import tf from '../../tf.cjs';
import type { Architecture } from '../../model/architecture.js';
import type { LossName } from '../../model/loss.js';
import { canonicalActivation } from '../../model/activations.js';
import { cfg } from '../../model/layer-ops.js';
import { forward, probeInputs } from '../../model/forward.js';
import { usePoolKernels } from '../gradients/pool.js';
import { ACTS, type Dual, type Maybe } from './dual.js';
import { lossGradient } from './loss-head.js';
import type { LayerStep } from './layers.js';
import { RULES } from './rules.js';
import { RECURRENT_RULES, recurrentSupport } from './recurrent.js';
import { readConfig } from '../../config.js';

const pair = (v: number | number[]): [number, number] => (Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v, v]);

/** Why the forward-over-reverse HVP does not cover this model, or null when it does (every loss is covered: rop/loss-head.ts). */
export function ropSupport(arch: Architecture): string | null {
  // memoised per architecture and pool-kernel availability (the one input besides the topology)
  const key = String(usePoolKernels()),
    seen = supportCache.get(arch);
  if (seen?.has(key)) return seen.get(key)!;
  const why = checkSupport(arch);
  supportCache.set(arch, (seen ?? new Map()).set(key, why));
  return why;
}
const supportCache = new WeakMap<Architecture, Map<string, string | null>>();

function checkSupport(arch: Architecture): string | null {
  const ranks = inputRanks(arch);
  for (const [i, node] of arch.nodes.entries()) {
    const why = nodeSupport(node.className, node.config, ranks.get(node.name)!);
    if (why) return `layer "${node.name}": ${why}`;
    if (node.inputs.length !== 1 || node.inputs[0] !== (i === 0 ? '' : arch.nodes[i - 1]!.name))
      return `layer "${node.name}": not in a chain (its input is not the layer before it)`;
  }
  return ranks.get('')! >= 2 ? null : `output of rank ${ranks.get('')}`; // rank ≥ 3: loss-head.ts averages the positions
}

/** How Hessian-vector products are computed: forward-over-reverse (exact), double backprop (exact) or finite differences of gradients. */
export type HvpMethod = 'forward-over-reverse' | 'double-backprop' | 'finite-differences';

/** How a run's HVPs are computed (a summary's meta.hvp): the method, and why not the fastest exact one. */
export function hvpMethod(arch: Architecture, hvp: 'exact' | 'fd' = 'exact'): { method: HvpMethod; reason?: string } {
  if (hvp === 'fd') return { method: 'finite-differences' };
  const why = ropWhyNot(arch, 'LOSSLENS_HVP');
  return why ? { method: 'double-backprop', reason: why } : { method: 'forward-over-reverse' };
}

/** ropSupport, or the environment variable (LOSSLENS_HVP / LOSSLENS_GRAD) set to 'tape'. */
export function ropWhyNot(arch: Architecture, env: 'LOSSLENS_HVP' | 'LOSSLENS_GRAD'): string | null {
  return readConfig().tape[env === 'LOSSLENS_HVP' ? 'hvp' : 'grad'] ? `${env}=tape` : ropSupport(arch);
}

/** Each layer's input rank (and under '' the output's), from a one-sample forward pass. */
function inputRanks(arch: Architecture): Map<string, number> {
  const ranks = new Map<string, number>();
  tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    const ws: tf.Tensor[] = [];
    for (const w of arch.nodes.flatMap((n) => n.weights)) ws[w.index] = tf.zeros(w.shape);
    ranks.set('', forward(arch, ws, probeInputs(arch), { capture }).rank);
    arch.nodes.forEach((n, i) => ranks.set(n.name, i === 0 ? arch.inputShape.length + 1 : capture.get(arch.nodes[i - 1]!.name)!.rank));
  });
  return ranks;
}

function nodeSupport(cls: string, config: any, rank: number): string | null {
  if (!RULES[cls]) return `${cls} has no forward-over-reverse rule`;
  if (RECURRENT_RULES[cls]) return recurrentSupport(config);
  const a = canonicalActivation(cfg(config, 'activation', 'linear'));
  if ((cls === 'Dense' || cls === 'Conv2D' || cls === 'Activation' || cls === 'DepthwiseConv2D') && !ACTS[a]) return `activation ${a}`;
  if (cls === 'Dense' && rank !== 2) return `Dense on a rank-${rank} input`;
  if (cls === 'ReLU' && ![null, 6].includes(cfg<number | null>(config, 'max_value', null)))
    return `ReLU with max_value ${cfg(config, 'max_value', null)} (its rule is relu or relu6)`;
  if (cls === 'BatchNormalization') {
    const axis = cfg<number | number[]>(config, 'axis', -1),
      ax = Array.isArray(axis) ? axis[0]! : axis;
    if (ax !== -1 && ax !== rank - 1) return `BatchNormalization over axis ${ax} (only the last)`;
  }
  return cls === 'MaxPooling2D' ? maxPoolSupport(config) : null;
}

function maxPoolSupport(config: any): string | null {
  const size = pair(cfg<number | number[]>(config, 'pool_size', 2)),
    strides = pair(cfg<number | number[]>(config, 'strides', size));
  if (size[0] !== strides[0] || size[1] !== strides[1]) return 'max pool whose stride is not its size';
  return usePoolKernels() ? null : 'max pool without the share kernels (LOSSLENS_POOL_GRAD=ops)';
}

/** What one pass of the rules returns: the model's output, and ∂L/∂θ and/or Hv per trainable weight. */
export interface RopResult {
  out: tf.Tensor;
  grads?: tf.Tensor[];
  hvp?: tf.Tensor[];
}

/**
 * One batch through the rules: the forward pass, then the backward pass from the batch-mean loss's
 * gradient, stopping at the first layer with a trainable weight. With `vs` (v's block for each
 * trainable index, null elsewhere) the tangents are carried and Hv returned; with `grad` the
 * gradient as well (first-order only when `vs` is omitted: no tangent is computed).
 * @param ws every checkpoint weight; @param trainable checkpoint weight indices in layout order
 */
export function ropBatch(
  arch: Architecture,
  loss: LossName,
  ws: tf.Tensor[],
  x: tf.Tensor,
  yTrue: tf.Tensor,
  trainable: number[],
  want: { vs?: Maybe[]; grad?: boolean },
): RopResult {
  const inTheta = new Set(trainable),
    vs = want.vs;
  let cur: Dual = { y: x, r: null };
  const steps: LayerStep[] = [];
  let first = arch.nodes.length;
  for (const [i, node] of arch.nodes.entries()) {
    const w: Record<string, tf.Tensor> = {},
      v: Record<string, Maybe> = {};
    for (const lw of node.weights) {
      w[lw.param] = ws[lw.index]!;
      v[lw.param] = vs?.[lw.index] ?? null;
      if (inTheta.has(lw.index)) first = Math.min(first, i);
    }
    const step = RULES[node.className]!(cur, w, v, node.config, arch.nodes[i + 1]);
    steps.push(step);
    cur = step.out;
  }
  let g: Dual | null = lossGradient(loss, cur, yTrue, x.shape[0]!);
  const hv = new Map<number, tf.Tensor>(),
    gw = new Map<number, tf.Tensor>();
  for (let i = steps.length - 1; i >= first && g; i--) {
    const r = steps[i]!.back(g, i > first, want.grad ?? false);
    for (const lw of arch.nodes[i]!.weights) {
      if (r.hv[lw.param]) accumulate(hv, lw.index, r.hv[lw.param]!);
      if (r.gw[lw.param]) accumulate(gw, lw.index, r.gw[lw.param]!);
    }
    g = r.gx;
  }
  const pick = (m: Map<number, tf.Tensor>) => trainable.map((idx) => m.get(idx) ?? tf.zerosLike(ws[idx]!));
  return { out: cur.y, ...(want.grad ? { grads: pick(gw) } : {}), ...(vs ? { hvp: pick(hv) } : {}) };
}

/** A weight's term added to what other calls of the same (shared) layer gave it. */
function accumulate(m: Map<number, tf.Tensor>, index: number, t: tf.Tensor): void {
  const prev = m.get(index);
  m.set(index, prev ? tf.add(prev, t) : t);
  if (prev) tf.dispose([prev, t]);
}
