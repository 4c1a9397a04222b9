/**
 * `losslens info --model M`: layers (nested models as path-named blocks), parameter counts, each
 * layer's HVP method, inputs and outputs, how the weights were stored, the objective, backend.
 */
import type { Argv } from 'yargs';
import { modelOption, computeOptions, dataOptions, type CommonArgs } from '../options.js';
import { formatTable } from '../../src/report/text-table.js';

export const command = 'info';
export const describe =
  'show a checkpoint: layers and nested models, inputs and outputs, output shapes, parameter counts, HVP method per layer, loss and regularizers, backend';

export const builder = (y: Argv) =>
  computeOptions(dataOptions(modelOption(y))).option('json', { type: 'boolean', default: false, describe: 'print the card as JSON' });

type InfoArgs = Pick<
  CommonArgs,
  | 'model'
  | 'backend'
  | 'loss'
  | 'output'
  | 'json'
  | 'regularizers'
  | 'data'
  | 'x'
  | 'y'
  | 'testData'
  | 'labelColumn'
  | 'samples'
  | 'seed'
  | 'batchSize'
  | 'workers'
>;

export async function handler(args: InfoArgs): Promise<void> {
  const { checkpointInfo } = await import('../../src/pipelines/info.js');
  const { card, backend, data } = await checkpointInfo(args);
  if (args.json) {
    process.stdout.write(
      JSON.stringify({ ...card, ...(data.length ? { data: Object.fromEntries(data.map((d) => [d.option, d.memory])) } : {}), backend }, null, 2) + '\n',
    );
    return;
  }
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
      : `regularizers: ${o.terms
          .map((t) => `${t.weight} ${kind(t)}`)
          .concat(
            o.activity.map((a) => `${a.layer} activity ${kind(a)} (not supported: analyses refuse it)`),
            o.unsupported,
          )
          .join(', ')}` +
        (o.regularizers === 'excluded' ? ' — excluded by --no-regularizers' : ' — included in the objective (--no-regularizers: the data term alone)');
  process.stdout.write(
    `${card.name}  (${card.file}; saved by ${card.savedBy})\n` +
      formatTable(['layer', 'type', 'output', 'trainable', 'non-trainable', 'HVP'], layerRows(card)) +
      `\n\ninput [${(card.inputs[0]?.declared ?? card.inputShape).map((d) => d ?? 'null').join(', ')}] → ${card.outputDim} outputs; ${card.trainableParams} trainable, ${card.nonTrainableParams} non-trainable parameters\n` +
      endpoints(card) +
      (card.dequantized ? `${card.dequantized}\n` : '') +
      `${loss}\n` +
      (card.lossSource === 'none' ? `${reg}\n` : `${o.regularizers === 'none' ? '' : `${reg}\n`}objective: ${o.description}\n`) +
      data.map((d) => `${d.option} ${d.memory.source}: ${d.line}\n`).join('') +
      `backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}), tfjs ${backend.tfjsVersion}\n`,
  );
}

type Card = Awaited<ReturnType<typeof import('../../src/pipelines/info.js').checkpointInfo>>['card'];

const METHOD = { 'forward-over-reverse': 'fwd-over-rev', 'double-backprop': 'double backprop', 'finite-differences': 'finite diff' } as const;

/**
 * One row per layer, named by path and indented by nesting depth; each nested model opens with a
 * row of its own (type and parameter totals) before its first layer.
 */
function layerRows(card: Card): (string | number)[][] {
  const rows: (string | number)[][] = [];
  const opened = new Set<string>(['']);
  const depth = (p: string) => (p === '' ? 0 : p.split('/').length);
  for (const l of card.layers) {
    const chain = l.block === '' ? [] : l.block.split('/').map((_, i, a) => a.slice(0, i + 1).join('/'));
    for (const path of chain.filter((p) => !opened.has(p))) {
      opened.add(path);
      const b = card.blocks.find((x) => x.path === path);
      if (b)
        rows.push([
          `${'  '.repeat(depth(path) - 1)}${path}/`,
          `${b.type}${b.trainable ? '' : ' (frozen)'}, ${b.layers} layers`,
          '',
          b.trainableParams,
          b.nonTrainableParams,
          '',
        ]);
    }
    const type = l.type + (l.activation && l.activation !== 'linear' ? `(${l.activation})` : '');
    const hvp = METHOD[l.hvp.method] + (l.hvp.reason && !l.hvp.reason.startsWith("the model's") ? `: ${l.hvp.reason}` : '');
    rows.push([`${'  '.repeat(depth(l.block))}${l.name}`, type, `[${l.outputShape.join(', ')}]`, l.trainableParams, l.nonTrainableParams, hvp]);
  }
  return rows;
}

/** The inputs and outputs by name and per-sample shape, and how the HVPs are computed. */
function endpoints(card: Card): string {
  const list = (xs: { name: string; shape: number[]; declared?: (number | null)[] }[]) =>
    xs.map((x) => `${x.name} [${(x.declared ?? x.shape).map((d) => d ?? 'null').join(', ')}]`).join(', ');
  const hvp =
    card.hvp.method === 'double-backprop'
      ? `double backprop for every layer (forward-over-reverse does not cover ${card.hvp.reason})`
      : `${card.hvp.method} for every layer`;
  return (
    `inputs: ${list(card.inputs)}; outputs: ${list(card.outputs)}\n` +
    (card.blocks.length
      ? `nested models: ${card.blocks.map((b) => `${b.path} (${b.type}, ${b.trainableParams + b.nonTrainableParams} parameters)`).join(', ')}\n`
      : '') +
    `HVP: ${hvp}\n`
  );
}

function kind(t: { l1: number; l2: number }): string {
  return t.l1 && t.l2 ? `L1L2(l1=${t.l1}, l2=${t.l2})` : t.l1 ? `L1(${t.l1})` : `L2(${t.l2})`;
}
