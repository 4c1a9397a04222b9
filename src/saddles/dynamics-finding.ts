/**
 * The finding of a saddle-dynamics study in numbers and words, per method: did the loss leave its
 * start (escape: it fell by more than 10 % of the start's |loss|), after how long a plateau (the
 * first step at which it is 1 % of |loss₀| below loss₀), and the index of the point it ended at
 * (the last recorded count at τ). A method that ends where it started with index > 0 ended at a saddle.
 */
import type { DynamicsRecord, IndexAt } from './dynamics-run.js';

export interface MethodPath {
  method: string;
  records: DynamicsRecord[];
  diverged?: number;
}

export interface MethodFinding {
  method: string;
  startLoss: number;
  finalLoss: number;
  minLoss: number;
  escaped: boolean;
  /** Steps on the plateau before the loss left it; null when it never did. */
  plateauSteps: number | null;
  finalGradNorm: number;
  /** The index at τ at the last recorded point. */
  endIndex: (IndexAt & { step: number }) | null;
  diverged?: number;
  words: string;
}

export const ESCAPE_DROP = 0.1;
export const PLATEAU_DROP = 0.01;

const fmt = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(2));

/** The finding of one method's path at threshold τ. */
export function methodFinding(p: MethodPath, tau: number): MethodFinding {
  const r = p.records;
  const l0 = r[0].loss;
  const unit = Math.abs(l0) || 1;
  const minLoss = Math.min(...r.map((q) => q.loss));
  const escaped = l0 - minLoss > ESCAPE_DROP * unit;
  const left = r.find((q) => q.loss <= l0 - PLATEAU_DROP * unit);
  const last = r.at(-1)!;
  const withIndex = [...r].reverse().find((q) => q.index);
  const at = withIndex?.index?.thresholds.find((t) => t.tau === tau);
  const endIndex = at && withIndex ? { ...at, step: withIndex.step } : null;
  const idx = endIndex
    ? `index ${endIndex.exact ? endIndex.estimate : `${endIndex.count.lo}–${endIndex.count.hi}`} (${(100 * endIndex.fraction).toFixed(2)} % of the parameters) at step ${endIndex.step}`
    : withIndex?.index?.undefinedWhy
      ? `no index at step ${withIndex.step} (${withIndex.index.undefinedWhy})`
      : 'no index recorded';
  const where = escaped
    ? `left the start after a plateau of ${left?.step ?? 0} steps and fell from ${fmt(l0)} to ${fmt(last.loss)}`
    : `stayed near the start's loss ${fmt(l0)} (final ${fmt(last.loss)})${endIndex && endIndex.estimate > 0 ? ': it ended at a saddle' : ''}`;
  const div = p.diverged !== undefined ? `; the loss turned non-finite at step ${p.diverged}` : '';
  return {
    method: p.method,
    startLoss: l0,
    finalLoss: last.loss,
    minLoss,
    escaped,
    plateauSteps: left ? left.step : null,
    finalGradNorm: last.gradNorm,
    endIndex,
    ...(p.diverged !== undefined ? { diverged: p.diverged } : {}),
    words: `${p.method}: ${where}; ended with ‖g‖ = ${fmt(last.gradNorm)} and ${idx}${div}.`,
  };
}
