/**
 * Per-output metrics of a model with several outputs for the commands whose own loss figures are
 * the weighted total (gradients, report): each output's loss, its weight and accuracy over the
 * whole --data at the checkpoint, from one pass of the objective (the numbers eval reports).
 */
import type { Problem } from '../problem.js';
import type { OutputMetrics } from '../objective/types.js';
import { formatTable, num } from '../report/text-table.js';

/** Each analysed output's metrics on the training data, or undefined for a one-output model. */
export async function outputMetrics(problem: Problem): Promise<OutputMetrics[] | undefined> {
  if (problem.model.heads.length <= 1 && (problem.model.arch.allOutputs?.length ?? 1) <= 1) return undefined;
  const objective = problem.train!.objective;
  return (await objective.evaluate(problem.model.theta0)).outputs;
}

/** The per-output table of a digest ('' without several outputs); the total is Σ weight · loss. */
export function outputsDigest(outputs: OutputMetrics[] | undefined): string {
  if (!outputs) return '';
  const rows = outputs.map((o) => [`${o.name} (${o.lossName})`, num(o.loss), o.weight, num(o.accuracy)]);
  return `per output on --data (the total is Σ weight · loss):\n${formatTable(['output', 'loss', 'weight', 'accuracy'], rows)}`;
}
