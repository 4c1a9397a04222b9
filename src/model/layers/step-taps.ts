/**
 * Taps on the hidden state h_t of every recurrent unroll (recurrent.ts), for gradients through
 * time: inside `withStepTaps`, each unroll reports where it ran (`seen`) and adds the caller's
 * tensor to h_t after every step (`add`), so that ∂L/∂h_t is the gradient with respect to that
 * addend (a zero tensor) — the total derivative through both the step's output and the state carried
 * on to step t + 1. The scope is synchronous: forward passes run inside it, nothing else does.
 */
import type tf from '../../tf.cjs';

export type StepDirection = 'forward' | 'backward';

/** One recurrent unroll of a forward pass. */
export interface TapSite {
  /** The layer as the forward pass names it (`layer "lstm_1"`). */
  where: string;
  /** 'backward' when the steps run last to first (go_backwards, a Bidirectional's backward layer). */
  direction: StepDirection;
  /** Shape of h_t: [batch, units]. */
  shape: number[];
  /** Input time index (0-based) of each processed step, in processing order. */
  positions: number[];
}

export interface StepTaps {
  /** Filled with every unroll the pass runs, in execution order. */
  seen?: TapSite[];
  /** One tensor per processed step, added to h_t, by `tapKey(where, direction)`. */
  add?: Map<string, tf.Tensor[]>;
}

export const tapKey = (where: string, direction: StepDirection): string => `${where}#${direction}`;

let active: StepTaps | null = null;

/** Run `fn` (a forward pass) with `taps` on every recurrent unroll it makes. */
export function withStepTaps<T>(taps: StepTaps, fn: () => T): T {
  const outer = active;
  active = taps;
  try {
    return fn();
  } finally {
    active = outer;
  }
}

/** Called by an unroll before its loop: records the site and gives the addends for its steps, if any. */
export function stepTap(site: TapSite): tf.Tensor[] | undefined {
  if (!active) return undefined;
  active.seen?.push(site);
  const add = active.add?.get(tapKey(site.where, site.direction));
  if (add && add.length !== site.positions.length) {
    throw new Error(`${site.where}: ${add.length} step addends for an unroll of ${site.positions.length} steps`);
  }
  return add;
}

/** Whether a withStepTaps scope is open (an unroll then runs step by step, to report and tap each step). */
export const stepTapsActive = (): boolean => active !== null;
