/**
 * Presets of `losslens double-descent` (settings that show the phenomenon on a 2-core machine).
 *
 * ### `--preset mnist-like` (README)
 * Data: `fixtures/double-descent` — a 4-class Gaussian mixture in 16 dimensions (class means
 * N(0, 0.6²I), unit-variance noise; 300 training, 2000 test samples; made by
 * `scripts/fixtures/double-descent.ts`), 20 % of the training labels replaced by a different class
 * (seeded), test labels clean. Models: MLP 16 → w (ReLU) → 4, linear output, squared loss on one-hot
 * targets (Belkin et al. 2019), no regularisation; widths 4 … 1024 (12 values, geometric, dense
 * around the threshold n·K = 1200 parameters ≈ width 57), 3 seeds each; Adam lr 3e-3, batch 32,
 * 500 epochs (every width ≥ the threshold fits the noisy labels exactly), test error logged every
 * 25 epochs. 36 runs; 96–99 s wall on 2 cores with 2 workers. Measured: peak at width 57 (1201
 * params ≈ n·K = 1200), median test error 0.483; falls to 0.383 at width 1024 (−20.7 %).
 */
export interface Preset {
  dataDir: string;
  testDir: string;
  widths: number[];
  seeds: number;
  labelNoise: number;
  loss: 'categoricalCrossentropy' | 'meanSquaredError';
  optimizer: string;
  lr: number;
  batchSize: number;
  epochs: number;
  evalEvery: number;
}

export const PRESETS: Record<string, Preset> = {
  'mnist-like': {
    dataDir: 'fixtures/double-descent', testDir: 'fixtures/double-descent/test',
    widths: [4, 8, 16, 24, 32, 44, 57, 72, 96, 160, 384, 1024], seeds: 3, labelNoise: 0.2,
    loss: 'meanSquaredError', optimizer: 'adam', lr: 0.003, batchSize: 32, epochs: 500, evalEvery: 25,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
