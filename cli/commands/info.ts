/** `losslens info --model M`: layers, parameter counts, loss and backend. */
import type { Argv } from 'yargs';
import { modelOption, computeOptions } from '../options.js';
import { formatTable } from '../table.js';

export const command = 'info';
export const describe = 'show a checkpoint: layers, output shapes, parameter counts, loss, backend';

export const builder = (y: Argv) =>
  computeOptions(modelOption(y))
    .option('loss', { type: 'string', describe: 'loss when the checkpoint has no training config' })
    .option('json', { type: 'boolean', default: false, describe: 'print the card as JSON' });

export async function handler(args: { model: string; backend: string; loss?: string; json: boolean }): Promise<void> {
  const { selectBackend } = await import('../../src/backend.js');
  const { readCheckpoint } = await import('../../src/io/checkpoint-read.js');
  const { loadModel } = await import('../../src/objective/model-bundle.js');
  const { modelCard } = await import('../../src/model/model-card.js');
  const backend = await selectBackend(args.backend);
  const card = modelCard(loadModel(await readCheckpoint(args.model), args.loss ?? (await fallbackLoss(args.model))));
  if (args.json) {
    process.stdout.write(JSON.stringify({ ...card, backend }, null, 2) + '\n');
    return;
  }
  const rows = card.layers.map((l) => [l.name, l.type + (l.activation && l.activation !== 'linear' ? `(${l.activation})` : ''), `[${l.outputShape.join(', ')}]`, l.trainableParams, l.nonTrainableParams]);
  process.stdout.write(
    `${card.name}  (${card.file})\n` +
      formatTable(['layer', 'type', 'output', 'trainable', 'non-trainable'], rows) +
      `\n\ninput [${card.inputShape.join(', ')}] → ${card.outputDim} outputs; ${card.trainableParams} trainable, ${card.nonTrainableParams} non-trainable parameters\n` +
      `loss ${card.loss} (${card.lossSource === 'checkpoint' ? 'from the checkpoint' : 'from --loss'}); backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}), tfjs ${backend.tfjsVersion}\n`,
  );
}

/** `info` needs no loss to describe a model: fall back to MSE only to build the card when none is known. */
async function fallbackLoss(model: string): Promise<string | undefined> {
  const { readCheckpoint } = await import('../../src/io/checkpoint-read.js');
  const ck = await readCheckpoint(model);
  return ck.trainingConfig?.loss === undefined ? 'meanSquaredError' : undefined;
}
