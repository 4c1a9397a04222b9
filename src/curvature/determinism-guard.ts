/**
 * The two-pass determinism check curvlinops runs before any curvature (its
 * `_EmpiricalRiskMixin._check_deterministic`): the loss and the gradient at θ, computed twice,
 * must agree elementwise within |a − b| ≤ atol + rtol·|b| (rtol 5e-5, atol 1e-7·max|g|: the
 * float32 rounding of a different batch-summation order). A model that differs between passes
 * (dropout in training mode, BatchNorm on batch statistics, a stochastic layer) has no
 * well-defined Hessian: every matvec would see another function, and Lanczos would return
 * noise. It is refused with one clear line.
 */
import { unsupportedError } from '../errors.js';
import type { Objective } from '../objective/types.js';

export interface DeterminismCheck {
  loss: number;
  grad: Float32Array;
  maxLossDiff: number;
  maxGradDiff: number;
  rtol: number;
}

export async function checkDeterministic(objective: Objective, theta: Float32Array, rtol = 5e-5): Promise<DeterminismCheck> {
  const a = await objective.grad(theta);
  const b = await objective.grad(theta);
  const lossDiff = Math.abs(a.loss - b.loss);
  let gmax = 0,
    worst = 0,
    worstAt = -1,
    excess = 0;
  for (let i = 0; i < a.grad.length; i++) gmax = Math.max(gmax, Math.abs(b.grad[i]));
  const atol = 1e-7 * gmax;
  for (let i = 0; i < a.grad.length; i++) {
    const d = Math.abs(a.grad[i] - b.grad[i]);
    worst = Math.max(worst, d);
    const over = d - (atol + rtol * Math.abs(b.grad[i]));
    if (over > excess) {
      excess = over;
      worstAt = i;
    }
  }
  const lossOk = lossDiff <= 1e-7 * Math.abs(b.loss) + rtol * Math.abs(b.loss) + 1e-30;
  if (!lossOk || worstAt >= 0) {
    const what = !lossOk ? `loss ${a.loss} vs ${b.loss}` : `gradient entry ${worstAt}: ${a.grad[worstAt]} vs ${b.grad[worstAt]}`;
    throw unsupportedError(
      `the model is not deterministic: two passes at the same θ differ (${what}, beyond rtol ${rtol}); curvature needs the same function on every pass — turn off dropout/noise layers and put BatchNorm in inference mode (moving statistics)`,
    );
  }
  return { loss: b.loss, grad: b.grad, maxLossDiff: lossDiff, maxGradDiff: worst, rtol };
}
