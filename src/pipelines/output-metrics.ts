/**
 * Per-output metrics of a model with several outputs for the commands whose own loss figures are
 * the weighted total (gradients, report): each output's loss, its weight and accuracy over the
 * whole --data at the checkpoint, from one pass of the objective (the numbers eval reports), and
 * the tables eval and train print of them.
 */
import type { Problem } from '../problem.js';
import type { OutputMetrics } from '../objective/types.js';
import { formatTable, num } from '../report/text-table.js';
import type { EpochRecord } from '../train/history.js';
import type { OutputLoss } from '../model/output-losses.js';

/** Each analysed output's metrics on the training data, or undefined for a one-output model. */
export async function outputMetrics(problem: Problem): Promise<OutputMetrics[] | undefined> {
  if (problem.model.heads.length <= 1 && (problem.model.arch.allOutputs?.length ?? 1) <= 1) return undefined;
  const objective = problem.train!.objective;
  return (await objective.evaluate(problem.model.theta0)).outputs;
}

/** The per-output table of a digest ('' without several outputs); the total is Σ weight · loss. */
export function outputsDigest(outputs: OutputMetrics[] | undefined): string {
  return outputs ? `per output on --data (the total is Σ weight · loss):\n${outputsTable([['--data', outputs]])}` : '';
}

/** Each output's loss, weight and accuracy on each dataset given (its role, --data or --test-data, in a first column when there are several). */
export function outputsTable(sets: [role: string, outputs: OutputMetrics[] | undefined][]): string {
  const roles = sets.length > 1;
  const rows = sets.flatMap(([role, outs]) =>
    (outs ?? []).map((o) => [...(roles ? [role] : []), `${o.name} (${o.lossName})`, num(o.loss), o.weight, num(o.accuracy)]),
  );
  return formatTable([...(roles ? ['data'] : []), 'output', 'loss', 'weight', 'accuracy'], rows);
}

/** The per-output table of a training digest at epoch record `rec` ('' for one output), test metrics beside it when measured. */
export function trainOutputsDigest(heads: OutputLoss[], rec: EpochRecord, test?: OutputMetrics[]): string {
  if (!rec.outputs) return '';
  const rows = rec.outputs.map((o, k) => {
    const t = test?.[k];
    return [
      `${o.name} (${heads[k]?.loss ?? '?'})`,
      heads[k]?.weight ?? 1,
      num(o.trainLoss),
      num(o.trainAccuracy),
      num(o.valLoss),
      num(o.valAccuracy),
      num(t?.loss),
      num(t?.accuracy),
    ];
  });
  const head = ['output', 'weight', 'train loss', 'train acc', 'val loss', 'val acc', 'test loss', 'test acc'];
  return `per output at epoch ${rec.epoch} (the loss is Σ weight · loss):\n${formatTable(head, rows)}`;
}
