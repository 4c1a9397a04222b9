/**
 * The fused GRU (reset_after = false) and SimpleRNN steps of the forward-over-reverse rules
 * (src/objective/rop/fused-rnn-step.ts on native/recurrent_step.c's step parts) against a float64 step
 * in plain JS differentiated by central differences, element by element, for several activations:
 *  - the step's h′ and its tangent R{h′} along a direction of (xp, h, U);
 *  - the gradients of ⟨g, h′⟩ for xp, h and U (from the step's ∂L/∂U terms) and their tangents along
 *    the same direction with the tangent of g — every f′ and f″ term takes part, so a changed rule fails;
 *  - they run on the native path only (where the loss pass runs the sequence kernel); elsewhere the
 *    rules keep the tf-op steps (rnnStepCodes is null).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { ACT } from '../src/kernels/recurrent-cell-math.js';
import type { CellCodes } from '../src/kernels/recurrent-cell.js';
import { rnnStepCodes } from '../src/kernels/rnn-step.js';
import { fusedGruStep, fusedSimpleRnnStep } from '../src/objective/rop/fused-rnn-step.js';
import { recurrentOf } from '../src/objective/rop/recurrent-step.js';
import { createRng } from '../src/random.js';
import { PATHS, rel as maxRel } from './helpers/rop-rules-check.js';
import { stepRef, type Kind, type StepInputs } from './helpers/rnn-step-ref.js';

const B = 2,
  U = 3;
const rng = createRng(23);
const rand = (n: number, s: number) => Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);

const CODES: [Kind, string, CellCodes][] = [
  ['GRU', 'tanh / hard_sigmoid', { act: ACT.tanh, rec: ACT.hardSigmoid }],
  ['GRU', 'tanh / sigmoid', { act: ACT.tanh, rec: ACT.sigmoid }],
  ['GRU', 'sigmoid / tanh', { act: ACT.sigmoid, rec: ACT.tanh }],
  ['GRU', 'relu / sigmoid', { act: ACT.relu, rec: ACT.sigmoid }],
  ['SimpleRNN', 'tanh', { act: ACT.tanh, rec: ACT.linear }],
  ['SimpleRNN', 'sigmoid', { act: ACT.sigmoid, rec: ACT.linear }],
  ['SimpleRNN', 'relu', { act: ACT.relu, rec: ACT.linear }],
];

/** The fused rule's step on float32 tensors: h′, R{h′}, and the backward's gradients and tangents, as plain arrays. */
function fusedStep(kind: Kind, k: CellCodes, p: StepInputs, v: StepInputs, g: number[], rg: number[]) {
  return tf.tidy(() => {
    const G = kind === 'GRU' ? 3 : 1;
    const t2 = (a: number[], c: number) => tf.tensor2d(a, [a.length / c, c]);
    const Ut = t2(p.U, G * U) as tf.Tensor2D,
      VU = t2(v.U, G * U) as tf.Tensor2D;
    const cell = kind === 'GRU' ? fusedGruStep(k, Ut, VU) : fusedSimpleRnnStep(k, recurrentOf(Ut, VU));
    const h = { y: t2(p.h, U), r: t2(v.h, U) };
    const step = cell({ y: t2(p.xp, G * U), r: t2(v.xp, G * U) }, [h]);
    const back = step.back([{ y: t2(g, U), r: t2(rg, U) }]);
    // ∂L/∂U = Σ over the column blocks aᵀ·g, and its tangent R{a}ᵀ·g + aᵀ·R{g}, in U's column order
    const gU = tf.concat(
      back.uTerms.map((t) => tf.matMul(t.a.y, t.g.y, true)),
      1,
    );
    const rU = tf.concat(
      back.uTerms.map((t) => tf.add(tf.matMul(t.a.r!, t.g.y, true), tf.matMul(t.a.y, t.g.r!, true))),
      1,
    );
    const read = (t: tf.Tensor | null) => Array.from(t!.dataSync());
    return {
      h: read(step.states[0]!.y),
      rh: read(step.states[0]!.r),
      grad: [...read(back.gxp.y), ...read(back.gPrev[0]!.y), ...read(gU)],
      rgrad: [...read(back.gxp.r), ...read(back.gPrev[0]!.r), ...read(rU)],
    };
  });
}

describe.each(PATHS)('fused GRU and SimpleRNN rule steps on %s (%s)', (backend, kernels) => {
  const native = kernels === 'native';
  beforeAll(async () => {
    await selectBackend(backend);
    if (backend === 'wasm') (native ? installNativeKernels : uninstallNativeKernels)();
  });

  it('run where the loss pass runs the sequence kernel (the native path) and nowhere else', () => {
    expect(rnnStepCodes('tanh', 'hard_sigmoid') !== null).toBe(native);
    expect(rnnStepCodes('elu', 'hard_sigmoid')).toBeNull(); // an activation the kernels lack: the tf-op steps
  });

  it.skipIf(!native).each(CODES)('%s %s: h′, R{h′}, gradients and their tangents = float64 central differences', (kind, _, k) => {
    const G = kind === 'GRU' ? 3 : 1;
    // pre-activations spread over ±4 (hard sigmoid's clipped ends and its linear part; relu's both sides)
    const p: StepInputs = { xp: rand(B * G * U, 3), h: rand(B * U, 1), U: rand(U * G * U, 0.8) };
    const v: StepInputs = { xp: rand(B * G * U, 1), h: rand(B * U, 1), U: rand(U * G * U, 1) };
    const g = rand(B * U, 1),
      rg = rand(B * U, 1);
    const before = tf.memory().numTensors;
    const got = fusedStep(kind, k, p, v, g, rg);
    expect(tf.memory().numTensors).toBe(before);
    const want = stepRef(kind, k, p, v, g, rg);
    // float32 kernels against float64 differences (their error ~1e-8): the tolerances are float32 rounding (seen: 2e-8 to 4e-7)
    expect(maxRel(got.h, want.h)).toBeLessThan(1e-6);
    expect(maxRel(got.rh, want.rh)).toBeLessThan(1e-6);
    expect(maxRel(got.grad, want.grad)).toBeLessThan(1e-6);
    expect(maxRel(got.rgrad, want.rgrad)).toBeLessThan(2e-6);
  });
});
