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
 *
 * ### `--preset fashion-mnist` (README)
 * Data: Fashion-MNIST from Debian's `dataset-fashion-mnist` (./fashion-mnist.ts; refused with the
 * install line when absent): a seeded subset of n = 500 training images (seed 0 of the 60 000) and
 * 2 000 test images (of the 10 000), average-pooled 4×4 to 7×7 = 49 inputs so that the whole sweep
 * fits in a few minutes on 2 cores; 20 % of the training labels replaced by another class (seeded),
 * test labels clean. Models: MLP 49 → w (ReLU) → 10, squared loss on one-hot targets, Adam lr 3e-3,
 * batch 32, 400 epochs, widths 4 … 2048 (13 values; n·K = 5 000 parameters ≈ width 83), 3 seeds.
 * `--mode rf`: random ReLU features on the same (centred) images and noisy labels, min-norm least
 * squares, p = 50 … 5 000 through p = n = 500, 3 seeds. Measured (README): MLP peak at width 192
 * (11 530 params, where train error first reaches 0; n·K = 5 000), test error 0.33 → 0.3025 at width
 * 2048 (−8.3 %); RF peak at p = n = 500 (0.90) → 0.355 at p = 5 000. 13 min 47 s (358 s CPU) and 1 min 40 s.
 */
export interface Preset {
  /** Where the data comes from: bundled fixture folders, or Fashion-MNIST (./fashion-mnist.ts). */
  source: 'fixture' | 'fashion-mnist';
  /** Fixture folders (source 'fixture'). */
  dataDir: string;
  testDir: string;
  /** Seeded training / test subsets (source 'fashion-mnist'). */
  samples?: number;
  testSamples?: number;
  /** Average-pool factor of the images (./downsample.ts). */
  downsample?: number;
  /** The random-features mode on the same images: feature counts p and seeds. */
  rf?: { widths: number[]; seeds: number };
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
    source: 'fixture',
    dataDir: 'fixtures/double-descent',
    testDir: 'fixtures/double-descent/test',
    widths: [4, 8, 16, 24, 32, 44, 57, 72, 96, 160, 384, 1024],
    seeds: 3,
    labelNoise: 0.2,
    loss: 'meanSquaredError',
    optimizer: 'adam',
    lr: 0.003,
    batchSize: 32,
    epochs: 500,
    evalEvery: 25,
  },
  'fashion-mnist': {
    source: 'fashion-mnist',
    dataDir: '',
    testDir: '',
    samples: 500,
    testSamples: 2000,
    downsample: 4,
    widths: [4, 8, 16, 32, 48, 64, 83, 128, 192, 256, 512, 1024, 2048],
    seeds: 3,
    labelNoise: 0.2,
    loss: 'meanSquaredError',
    optimizer: 'adam',
    lr: 0.003,
    batchSize: 32,
    epochs: 400,
    evalEvery: 20,
    rf: { widths: [50, 100, 200, 300, 400, 450, 500, 550, 600, 800, 1000, 2000, 5000], seeds: 3 },
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
