/** `losslens info --model M`: layers, parameter counts, how the weights were stored, the objective, backend. */
import type { Argv } from 'yargs';
import { modelOption, computeOptions, dataOptions, type CommonArgs } from '../options.js';
import { formatTable } from '../../src/report/text-table.js';

export const command = 'info';
export const describe = 'show a checkpoint: layers, output shapes, parameter counts, loss and regularizers, backend';

export const builder = (y: Argv) =>
  computeOptions(dataOptions(modelOption(y)))
    .option('json', { type: 'boolean', default: false, describe: 'print the card as JSON' });

type InfoArgs = Pick<CommonArgs, 'model' | 'backend' | 'loss' | 'json' | 'regularizers' | 'data' | 'x' | 'y' | 'testData' | 'labelColumn' | 'samples' | 'seed' | 'batchSize' | 'workers'>;

export async function handler(args: InfoArgs): Promise<void> {
  const { checkpointInfo } = await import('../../src/pipelines/info.js');
  const { card, backend, data } = await checkpointInfo(args);
  if (args.json) {
    process.stdout.write(JSON.stringify({ ...card, ...(data.length ? { data: Object.fromEntries(data.map((d) => [d.option, d.memory])) } : {}), backend }, null, 2) + '\n');
    return;
  }
  const rows = card.layers.map((l) => [l.name, l.type + (l.activation && l.activation !== 'linear' ? `(${l.activation})` : ''), `[${l.outputShape.join(', ')}]`, l.trainableParams, l.nonTrainableParams]);
  const loss =
    card.lossSource === 'none'
      ? card.lossProblem
        ? `loss not usable: ${card.lossProblem}`
        : 'loss unknown: the checkpoint has no training config (pass --loss to the analyses)'
      : `loss ${card.loss} (${card.lossSource === 'checkpoint' ? 'from the checkpoint' : 'from --loss'})`;
  const o = card.objective;
  const reg =
    o.regularizers === 'none'
      ? 'regularizers: none in the checkpoint'
      : `regularizers: ${o.terms.map((t) => `${t.weight} ${kind(t)}`).concat(o.activity.map((a) => `${a.layer} activity ${kind(a)} (not supported: analyses refuse it)`), o.unsupported).join(', ')}` +
        (o.regularizers === 'excluded' ? ' — excluded by --no-regularizers' : ' — included in the objective (--no-regularizers: the data term alone)');
  process.stdout.write(
    `${card.name}  (${card.file}; saved by ${card.savedBy})\n` +
      formatTable(['layer', 'type', 'output', 'trainable', 'non-trainable'], rows) +
      `\n\ninput [${card.inputShape.join(', ')}] → ${card.outputDim} outputs; ${card.trainableParams} trainable, ${card.nonTrainableParams} non-trainable parameters\n` +
      (card.dequantized ? `${card.dequantized}\n` : '') +
      `${loss}\n` +
      (card.lossSource === 'none' ? `${reg}\n` : `${o.regularizers === 'none' ? '' : `${reg}\n`}objective: ${o.description}\n`) +
      data.map((d) => `${d.option} ${d.memory.source}: ${d.line}\n`).join('') +
      `backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}), tfjs ${backend.tfjsVersion}\n`,
  );
}

function kind(t: { l1: number; l2: number }): string {
  return t.l1 && t.l2 ? `L1L2(l1=${t.l1}, l2=${t.l2})` : t.l1 ? `L1(${t.l1})` : `L2(${t.l2})`;
}
