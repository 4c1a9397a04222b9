/**
 * The checkpoints of ../shared/real-checkpoints (its README says what each is) as check-real runs
 * them: the data options a user passes, the loss where the checkpoint has no training config, and
 * per case the quick hessian's settings where the default ones would take hours (the MobileNetV2
 * export: ~20 s an HVP sample on 2 busy cores).
 */
import path from 'node:path';

export interface Case {
  name: string;
  model: string;
  /** Data options as a user passes them (built by `prepare` when the folder has none). */
  data: string[];
  /** For the tfjs-layers reference: the same data through losslens' loader. */
  source: { data?: string; x?: string; y?: string };
  loss?: string;
  /** Files that must exist for the case to run. */
  needs: string[];
  /** Hessian options replacing QUICK_HESSIAN. */
  hessian?: string[];
  /** Report options replacing ['--quick']; a string: the report is skipped unless check-real runs with --all-reports, for this reason. */
  report?: string[] | string;
  /** What the data are, when not the model's own. */
  note?: string;
  /** Builds seeded data in `dir` for a checkpoint shipped without any. */
  prepare?: (dir: string, model: string) => { data: string[]; reference: Reference };
}

/** Inputs and targets the tfjs-layers reference evaluates on directly (a model with several outputs). */
export interface Reference {
  inputs: Array<{ values: Float32Array; shape: number[] }>;
  targets: Array<{ values: Float32Array; shape: number[] }>;
  losses: string[];
}

export const QUICK_HESSIAN = ['--top', '3', '--bottom', '1', '--max-iter', '40', '--probes', '10', '--slq-probes', '1', '--slq-order', '30'];
/** The quick hessian on a seeded subset of 512 samples, for the datasets larger than that. */
const SUBSET = ['--samples', '512', ...QUICK_HESSIAN];

export function cases(real: string, fashion: string, seq2seq: Case['prepare']): Case[] {
  const folder = (name: string, loss?: string, extra: Partial<Case> = {}): Case => ({
    name,
    model: `${real}/${name}`,
    data: ['--data', `${real}/${name}/data`],
    source: { data: `${real}/${name}/data` },
    ...(loss ? { loss } : {}),
    needs: [`${real}/${name}/model.json`, `${real}/${name}/data`],
    note: 'seeded random data (mechanics only)',
    ...extra,
  });
  return [
    {
      name: 'abalone-mlp',
      model: `${real}/abalone-mlp`,
      data: ['--data', `${real}/abalone-mlp/data.csv`],
      source: { data: `${real}/abalone-mlp/data.csv` },
      loss: 'meanSquaredError',
      needs: [`${real}/abalone-mlp/model.json`, `${real}/abalone-mlp/data.csv`],
      hessian: SUBSET,
    },
    {
      name: 'fashion-mlp-keras',
      model: `${real}/fashion-mlp-keras`,
      data: ['--x', `${fashion}/t10k-images-idx3-ubyte.gz`, '--y', `${fashion}/t10k-labels-idx1-ubyte.gz`],
      source: { x: `${fashion}/t10k-images-idx3-ubyte.gz`, y: `${fashion}/t10k-labels-idx1-ubyte.gz` },
      needs: [`${real}/fashion-mlp-keras/model.json`, `${fashion}/t10k-images-idx3-ubyte.gz`],
      hessian: SUBSET,
    },
    {
      name: 'mnist-cnn-tfjs07',
      model: `${real}/mnist-cnn-tfjs07/handwriting-digits-classifier-v2.json`,
      data: ['--data', `${real}/mnist-t10k`],
      source: { data: `${real}/mnist-t10k` },
      loss: 'categoricalCrossentropy',
      needs: [`${real}/mnist-cnn-tfjs07/handwriting-digits-classifier-v2.json`, `${real}/mnist-t10k`],
      hessian: SUBSET,
    },
    folder('lstm-textgen-keras215'),
    folder('embedding-flatten-text'),
    { ...folder('conv-autoencoder-keras216'), note: 'the first 1 000 MNIST test images, target = input', hessian: SUBSET },
    folder('conv1d-ensemble'),
    {
      name: 'seq2seq-lstm-encoder',
      model: `${real}/seq2seq-lstm-encoder`,
      data: [],
      source: {},
      loss: 'meanSquaredError',
      needs: [`${real}/seq2seq-lstm-encoder/model.json`],
      note: 'seeded random sequences and state targets, MSE on both states (mechanics only: the encoder has no loss of its own)',
      prepare: seq2seq,
    },
    folder('tm-image-mobilenetv2', 'categoricalCrossentropy', {
      hessian: [
        '--samples',
        '4',
        '--top',
        '1',
        '--bottom',
        '0',
        '--max-iter',
        '8',
        '--max-matvecs',
        '12',
        '--probes',
        '2',
        '--no-density',
        '--saddle-method',
        'lanczos',
      ],
      report: 'the quick report runs ~60 HVPs, ~15 s a sample each on 2 busy cores (--all-reports runs it on 4 samples)',
    }),
  ].map((c) => ({ ...c, model: path.resolve(c.model) }));
}
