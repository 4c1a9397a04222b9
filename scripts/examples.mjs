#!/usr/bin/env node
// The examples, two kinds:
//   npm run examples               refresh the README's figures: copy chosen PNGs from reports/demo/
//                                  (run `npm run demo` first) into reports/examples/ under stable names.
//                                  The double-descent preset figure is made separately
//                                  (`losslens double-descent --preset mnist-like`, ~2 min) and copied by hand.
//   npm run examples -- --gallery  run every program of the docs/examples/ gallery (on dist/: run
//                                  `npm run build` first) and show what each prints; test/examples.test.ts
//                                  runs them too and checks their numbers.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';

if (process.argv.includes('--gallery')) {
  let failed = 0;
  for (const f of readdirSync('docs/examples')
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    console.log(`$ npx tsx docs/examples/${f}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', `docs/examples/${f}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) failed++;
    console.log();
  }
  process.exit(failed ? 1 : 0);
}

const pick = {
  'hessian-density.png': 'hessian/density.png',
  'hessian-spectrum.png': 'hessian/spectrum.png',
  'hessian-per-layer.png': 'hessian/per-layer.png',
  'slice-1d.png': 'slice-1d/slice-1d.png',
  'slice-2d.png': 'slice-2d/slice-2d.png',
  'surface.png': 'slice-2d/surface.png',
  'slice-hessian.png': 'slice-hessian/slice-2d.png',
  'interpolation.png': 'interpolate/interpolation.png',
  'gradients-attenuation.png': 'gradients/attenuation.png',
  'gradients-activations.png': 'gradients/activations.png',
  'train-history.png': 'train/history.png',
  'seeds-final-test-losses.png': 'seeds/final-test-losses.png',
  'seeds-sharpness-vs-loss.png': 'seeds/sharpness-vs-loss.png',
  'seeds-barriers.png': 'seeds/barriers-w16.png',
  'optimizers-loss-histories.png': 'optimizers/loss-histories.png',
  'optimizers-pca-paths.png': 'optimizers/pca-paths.png',
  'optimizers-sharpness.png': 'optimizers/sharpness.png',
  'double-descent-rf.png': 'double-descent-rf/double-descent.png',
};
mkdirSync('reports/examples', { recursive: true });
let missing = 0;
for (const [to, from] of Object.entries(pick)) {
  const src = `reports/demo/${from}`;
  if (!existsSync(src)) {
    console.error(`examples: ${src} is missing (run npm run demo)`);
    missing++;
    continue;
  }
  copyFileSync(src, `reports/examples/${to}`);
}
process.exit(missing ? 1 : 0);
