/**
 * Option faults refused before any work (issue 33, item 10): an optimizer or grid value listed
 * twice (two runs would share one task id) and a figure --scale too small to draw (a figure of
 * 800×600 × 1e-9 pixels made the renderer fail after the whole computation).
 */
import { describe, it } from 'vitest';
import path from 'node:path';
import { FIX, expectRefused } from './helpers/odd-checkpoints.js';

const SPIRAL = path.join(FIX, 'spiral-tanh');
const SPIRAL_CSV = path.join(SPIRAL, 'train.csv');

describe('option faults refused up front', () => {
  const m = ['--model', SPIRAL, '--data', SPIRAL_CSV];
  it('an optimizer or grid value listed twice, and a figure scale no renderer can draw, exit 2 before any run', async () => {
    await expectRefused([
      {
        label: 'optimizers sgd,sgd',
        args: ['optimizers', ...m, '--optimizers', 'sgd,sgd'],
        want: [/^losslens: option --optimizers: lists "sgd" twice; name each optimizer once$/],
      },
      { label: 'optimizers adam,ADAM', args: ['optimizers', ...m, '--optimizers', 'adam,ADAM'], want: [/option --optimizers: lists "ADAM" twice/] },
      { label: 'lrs twice', args: ['optimizers', ...m, '--optimizers', 'sgd', '--lrs', '0.1,0.01,0.1'], want: [/option --lrs: lists 0\.1 twice/] },
      {
        label: 'momentums twice',
        args: ['optimizers', ...m, '--optimizers', 'momentum', '--momentums', '0.9,0.9'],
        want: [/option --momentums: lists 0\.9 twice/],
      },
      {
        label: 'slice scale 1e-9',
        args: ['slice', ...m, '--scale', '1e-9'],
        want: [/^losslens: option --scale: must be a number in \[0\.25, 10\] .*got 1e-9$/],
      },
      { label: 'hessian scale 0.001', args: ['hessian', ...m, '--scale', '0.001'], want: [/option --scale: must be a number in \[0\.25, 10\]/] },
    ]);
  }, 120_000);
});
