#!/usr/bin/env node
// `npm run demo`: every analysis on the bundled fixtures, written under reports/demo/.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const out = 'reports/demo';
rmSync(out, { recursive: true, force: true });
const runs = [
  ['eval', '--model', 'fixtures/mlp-relu', '--data', 'fixtures/mlp-relu', '--test-data', 'fixtures/mlp-relu/test', '--out', `${out}/eval`],
  ['hessian', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--per-layer', '--save-eigenvectors', '--lr', '0.01', '--out', `${out}/hessian`],
  ['slice', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--test-data', 'fixtures/spiral-tanh/test.csv', '--out', `${out}/slice-1d`],
  ['slice', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--dims', '2', '--points', '31', '--out', `${out}/slice-2d`],
  ['slice', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--dims', '2', '--points', '25', '--hessian-dirs', `${out}/hessian`, '--range', '-0.5:0.5', '--out', `${out}/slice-hessian`],
  ['interpolate', '--from', 'fixtures/spiral-tanh', '--to', 'fixtures/spiral-tanh-seed2', '--data', 'fixtures/spiral-tanh/train.csv', '--test-data', 'fixtures/spiral-tanh/test.csv', '--out', `${out}/interpolate`],
  ['gradients', '--model', 'fixtures/deep-sigmoid', '--data', 'fixtures/deep-data', '--compare-init', 'he', '--out', `${out}/gradients`],
  ['report', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--test-data', 'fixtures/spiral-tanh/test.csv', '--lr', '0.1', '--out', `${out}/report`],
  ['train', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--init', 'glorot-uniform', '--optimizer', 'adam', '--lr', '0.01', '--epochs', '30', '--out', `${out}/train`],
  ['seeds', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--test-data', 'fixtures/spiral-tanh/test.csv', '--seeds', '8', '--widths', '4,16,64', '--epochs', '40', '--lr', '0.02', '--out', `${out}/seeds`],
  ['optimizers', '--model', 'fixtures/spiral-tanh', '--data', 'fixtures/spiral-tanh/train.csv', '--test-data', 'fixtures/spiral-tanh/test.csv', '--optimizers', 'sgd,momentum,nesterov,adagrad,rmsprop,adam', '--lrs', '0.3,0.1,0.03,0.01', '--seeds', '3', '--epochs', '40', '--init', 'glorot-uniform', '--val-split', '0.2', '--out', `${out}/optimizers`],
  ['double-descent', '--mode', 'rf', '--out', `${out}/double-descent-rf`],
];
for (const args of runs) {
  process.stderr.write(`\n$ losslens ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, ['bin/losslens.js', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`demo: "losslens ${args[0]}" failed with exit code ${r.status}\n`);
    process.exit(r.status ?? 1);
  }
}
process.stderr.write(`\nreports written under ${out}/\n`);
