/** `--recompute-bn` / `--bn-samples` for the landscape commands (see src/pipelines/batch-norm-plan.ts). */
import type { Argv } from 'yargs';

export interface BatchNormArgs {
  recomputeBn: boolean;
  bnSamples?: number;
}

export const batchNormOptions = <T>(y: Argv<T>) =>
  y
    .option('recompute-bn', {
      type: 'boolean',
      default: false,
      describe: "BatchNorm: re-estimate moving mean/variance from the training data at every point (default: the checkpoint's)",
    })
    .option('bn-samples', { type: 'number', describe: 'with --recompute-bn: estimate on a seeded subset of this many training samples (default: all)' });
