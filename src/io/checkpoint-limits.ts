/**
 * Bounds on what a checkpoint may ask of losslens, checked before anything is allocated: the
 * size of model.json and its nesting depth, the number of parameters the manifest declares,
 * and finite weight values once read (a NaN weight is bad input, named, never analysed).
 */
import { inputError } from '../errors.js';
import type { CheckpointWeight } from './types.js';
import { readConfig } from '../config.js';

/** model.json larger than this is refused (real topologies are kilobytes). */
export const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;
/** Deepest nesting of [ and { accepted in model.json (Keras topologies nest < 20 levels). */
export const MAX_JSON_DEPTH = 200;

/**
 * Most parameters (all weights, float32) a checkpoint may declare: 2^26 ≈ 67M (256 MiB of
 * weights); curvature work holds several θ-sized vectors per iteration on top. Raise it with
 * LOSSLENS_MAX_PARAMS when the machine has the memory.
 */
export function maxParams(): number {
  return readConfig().maxParams;
}

/** Refuse JSON nested deeper than MAX_JSON_DEPTH (deep nesting overflows recursive code later). */
export function checkJsonDepth(text: string, file: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw inputError(file, `JSON is nested more than ${MAX_JSON_DEPTH} levels deep; not a tfjs model.json`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Refuse a manifest declaring more parameters than maxParams(), before any shard is read. */
export function checkParamCount(shapes: number[][], file: string): void {
  let total = 0;
  for (const s of shapes) total += s.reduce((a, b) => a * b, 1);
  const max = maxParams();
  if (total > max) {
    throw inputError(
      file,
      `the weights manifest declares ${total.toLocaleString('en')} parameters (${((total * 4) / 2 ** 30).toFixed(2)} GiB of float32); losslens handles at most ${max.toLocaleString('en')} (set LOSSLENS_MAX_PARAMS to raise the limit on a machine with the memory)`,
    );
  }
}

/** Refuse weights holding NaN or ±Infinity, naming the first such weight and entry. */
export function checkFiniteWeights(weights: CheckpointWeight[], file: string): void {
  for (const w of weights) {
    const v = w.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        const what = Number.isNaN(v[i]) ? 'NaN' : v[i] > 0 ? 'Infinity' : '-Infinity';
        throw inputError(
          file,
          `weight ${w.spec.name} holds ${what} at flat index ${i}; a checkpoint with non-finite weights cannot be analysed (was training diverging when it was saved?)`,
        );
      }
    }
  }
}
