#!/usr/bin/env node
// Refresh the README's figures: copy chosen PNGs from reports/demo/ (run `npm run demo` first)
// into reports/examples/ under stable names. The double-descent preset figure is made separately
// (`losslens double-descent --preset mnist-like`, ~2 min) and copied by hand.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

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
  if (!existsSync(src)) { console.error(`examples: ${src} is missing (run npm run demo)`); missing++; continue; }
  copyFileSync(src, `reports/examples/${to}`);
}
process.exit(missing ? 1 : 0);
