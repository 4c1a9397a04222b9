/**
 * Re-initialise a checkpoint's architecture with a named, seeded initializer (Keras's
 * definitions; fan-in/fan-out from the kernel shape: Dense [in, out], Conv2D [kh, kw, in, out]
 * with the receptive field folded in). Biases and BatchNorm beta and moving mean become 0,
 * gamma and moving variance 1. Written in JS on createRng so it is the same on every backend.
 */
import type { Checkpoint } from '../io/types.js';
import type { Architecture } from '../model/architecture.js';
import { createRng, type Rng } from '../random.js';
import { optionError } from '../errors.js';

type Init = (shape: number[], rng: Rng) => Float32Array;

function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: rf * shape[shape.length - 2], fanOut: rf * shape[shape.length - 1] };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Truncated normal at ±2σ, σ corrected as in Keras's VarianceScaling so the variance is `variance`. */
function truncNormal(variance: number): Init {
  const sd = Math.sqrt(variance) / 0.8796256610342398;
  return (shape, rng) =>
    Float32Array.from({ length: size(shape) }, () => {
      let z: number;
      do z = rng.normal();
      while (Math.abs(z) > 2);
      return z * sd;
    });
}

const uniform =
  (limit: number): Init =>
  (shape, rng) =>
    Float32Array.from({ length: size(shape) }, () => (2 * rng.next() - 1) * limit);

const INITIALIZERS: Record<string, (fanIn: number, fanOut: number) => Init> = {
  glorotUniform: (i, o) => uniform(Math.sqrt(6 / (i + o))),
  glorotNormal: (i, o) => truncNormal(2 / (i + o)),
  heNormal: (i) => truncNormal(2 / i),
  heUniform: (i) => uniform(Math.sqrt(6 / i)),
  lecunNormal: (i) => truncNormal(1 / i),
  lecunUniform: (i) => uniform(Math.sqrt(3 / i)),
  zeros: () => (shape) => new Float32Array(size(shape)),
  /** Every kernel entry CONSTANT_INIT: units start identical but not silent (symmetry without zeros). */
  constant: () => (shape) => new Float32Array(size(shape)).fill(CONSTANT_INIT),
};

/** The kernel value of the 'constant' initializer. */
export const CONSTANT_INIT = 0.05;

const ALIASES: Record<string, string> = { glorot: 'glorotUniform', xavier: 'glorotUniform', he: 'heNormal', kaiming: 'heNormal', lecun: 'lecunNormal' };

export const INITIALIZER_NAMES = [...Object.keys(INITIALIZERS), ...Object.keys(ALIASES)];

/** Accept camelCase, snake_case and the short aliases (glorot, he, lecun). */
export function canonicalInitializer(name: string): string {
  const key = name.replace(/[_\-\s]/g, '').toLowerCase();
  const alias = Object.entries(ALIASES).find(([a]) => a === key)?.[1];
  const found = alias ?? Object.keys(INITIALIZERS).find((k) => k.toLowerCase() === key);
  if (!found) throw optionError('compareInit', `unknown initializer "${name}"; valid: ${INITIALIZER_NAMES.join(', ')}`);
  return found;
}

/** A copy of the checkpoint with freshly initialised weights (the input is not touched). */
export function reinitialize(ckpt: Checkpoint, arch: Architecture, initializer: string, seed: number): Checkpoint {
  const make = INITIALIZERS[canonicalInitializer(initializer)];
  const rng = createRng(seed);
  const weights = ckpt.weights.slice();
  for (const node of arch.nodes) {
    for (const w of node.weights) {
      const shape = w.shape;
      let values: Float32Array;
      if (w.role === 'kernel') {
        const { fanIn, fanOut } = fans(shape);
        values = make(fanIn, fanOut)(shape, rng);
      } else if (w.role === 'gamma' || w.param === 'moving_variance') values = new Float32Array(size(shape)).fill(1);
      else values = new Float32Array(size(shape));
      weights[w.index] = { spec: weights[w.index].spec, values };
    }
  }
  return { ...ckpt, weights };
}
