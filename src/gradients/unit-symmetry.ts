/**
 * Symmetric units: units of a layer whose incoming weights (their kernel slice along the output
 * axis, and bias) AND whose gradients on a minibatch are identical. Identical units receive
 * identical updates from every gradient-based optimizer, so they stay identical for ever: the layer
 * works as if it had one unit per group ("all neurons follow the same gradient" — what a zero or
 * constant initialisation does). Also reported: layers whose kernel is all zero.
 *
 * Identical means within a relative tolerance: max |a − b| ≤ tol · (the layer's largest |value|),
 * separately for the weights and for the gradients on each minibatch given (a layer with all-zero
 * gradients has all its gradients identical). Units are grouped greedily against each group's
 * first unit. The output layer is grouped too but never reported as symmetric: its units have
 * different targets, so the loss itself breaks their symmetry (on one batch, two classes with
 * equal counts can give equal bias gradients by coincidence).
 */
import type { PreparedData } from '../objective/prepare-data.js';
import { optionError } from '../errors.js';
import { flatBatchGradient } from './flat-batch-gradient.js';
import type { GradientModel } from './layer-gradients.js';
import { weightLayers, type AnalysedLayer } from './layers.js';

/** One layer's unit symmetry: its groups of units whose gradients coincide within the tolerance, and the effective width left. */
export interface LayerSymmetry {
  name: string;
  units: number;
  isOutput: boolean;
  /** Groups of ≥ 2 identical units (unit indices, at most 20 groups listed, each cut to 20 units). */
  groups: number[][];
  /** How many groups of ≥ 2 there are. */
  groupCount: number;
  /** Units that share their group with another unit. */
  symmetricUnits: number;
  /** Distinct units (groups, singletons included): the width the layer effectively has. */
  effectiveWidth: number;
  /** Every kernel entry is exactly 0. */
  allZero: boolean;
}

/** A unit-symmetry finding: units that cannot become different (symmetric) or a layer whose weights and gradients are all zero. */
export interface SymmetryFinding {
  code: 'symmetric-units' | 'zero-layer';
  severity: 'warning';
  layers: string[];
  message: string;
  remedy: string;
}

/** The unit-symmetry check: units whose weight gradients coincide on every minibatch (they stay tied under gradient descent), per layer. */
export interface UnitSymmetry {
  definition: string;
  tol: number;
  /** Minibatches the gradients were compared on, and the samples in each. */
  batches: number;
  batch: number;
  layers: LayerSymmetry[];
  findings: SymmetryFinding[];
}

/** Default relative tolerance of "identical". */
export const SYMMETRY_TOL = 1e-5;

export const SYMMETRY_REMEDY =
  'initialise the kernels randomly so every unit starts different (Glorot/Xavier uniform, or He for ReLU: losslens train --init glorot-uniform | he-normal); biases may stay 0';

/** Unit u's values of a kernel [..., units] (and bias [units]) as one strided view. */
function unitValues(kernel: Float32Array, bias: Float32Array | null, units: number, u: number): (i: number) => number {
  const fanIn = kernel.length / units;
  return (i) => (i < fanIn ? kernel[i * units + u] : bias![u]);
}

function same(a: (i: number) => number, b: (i: number) => number, len: number, atol: number): boolean {
  for (let i = 0; i < len; i++) if (Math.abs(a(i) - b(i)) > atol) return false;
  return true;
}

const maxAbs = (...xs: (Float32Array | null)[]) => xs.reduce((m, x) => (x ? x.reduce((a, v) => Math.max(a, Math.abs(v)), m) : m), 0);

export interface UnitGradients {
  kernel: Float32Array;
  bias: Float32Array | null;
}

/** Group the units of one layer given its weights and their gradients on one or more minibatches. */
export function layerSymmetry(
  name: string,
  kernel: Float32Array,
  bias: Float32Array | null,
  grads: UnitGradients[],
  units: number,
  tol: number,
  isOutput = false,
): LayerSymmetry {
  const len = kernel.length / units + (bias ? 1 : 0);
  const wTol = tol * maxAbs(kernel, bias);
  const gTols = grads.map((g) => tol * maxAbs(g.kernel, g.bias));
  const reps: number[] = [];
  const members: number[][] = [];
  const sameGrads = (u: number, r: number) =>
    grads.every((g, b) => same(unitValues(g.kernel, g.bias, units, u), unitValues(g.kernel, g.bias, units, r), len, gTols[b]));
  for (let u = 0; u < units; u++) {
    const w = unitValues(kernel, bias, units, u);
    const k = reps.findIndex((r) => same(w, unitValues(kernel, bias, units, r), len, wTol) && sameGrads(u, r));
    if (k >= 0) members[k].push(u);
    else {
      reps.push(u);
      members.push([u]);
    }
  }
  const multi = members.filter((m) => m.length > 1);
  return {
    name,
    units,
    isOutput,
    groups: multi.slice(0, 20).map((m) => m.slice(0, 20)),
    groupCount: multi.length,
    symmetricUnits: multi.reduce((a, m) => a + m.length, 0),
    effectiveWidth: members.length,
    allZero: kernel.every((v) => v === 0),
  };
}

export function symmetryFindings(layers: LayerSymmetry[]): SymmetryFinding[] {
  const out: SymmetryFinding[] = [];
  const sym = layers.filter((l) => l.symmetricUnits > 0 && !l.isOutput);
  if (sym.length) {
    const what = sym
      .map((l) => `${l.name} ${l.symmetricUnits} of ${l.units} units in ${l.groupCount} group(s) (effective width ${l.effectiveWidth})`)
      .join('; ');
    out.push({
      code: 'symmetric-units',
      severity: 'warning',
      layers: sym.map((l) => l.name),
      remedy: SYMMETRY_REMEDY,
      message: `units with identical incoming weights and identical gradients — they get identical updates and stay identical: ${what}`,
    });
  }
  const zero = layers.filter((l) => l.allZero);
  if (zero.length) {
    out.push({
      code: 'zero-layer',
      severity: 'warning',
      layers: zero.map((l) => l.name),
      remedy: SYMMETRY_REMEDY,
      message: `the kernel of ${zero.map((l) => l.name).join(', ')} is all zero: every unit of it computes the same function`,
    });
  }
  return out;
}

/**
 * Symmetry of every layer with a kernel (Dense/Conv2D: units on the kernel's last axis), with the
 * gradients on each of `batches` (one or two minibatches are plenty: truly symmetric units agree on all).
 */
export async function unitSymmetry(
  m: GradientModel,
  layers: AnalysedLayer[],
  data: PreparedData,
  batches: Uint32Array[],
  tol = SYMMETRY_TOL,
): Promise<UnitSymmetry> {
  if (!(tol >= 0 && tol < 1)) throw optionError('symmetryTol', `must lie in [0, 1), got ${tol}`);
  if (batches.length === 0) throw optionError('batches', 'the symmetry check needs at least one minibatch');
  const wl = weightLayers(layers).filter((l) => l.kernel !== null);
  const params = wl.flatMap((l) => (l.bias !== null ? [l.kernel!, l.bias] : [l.kernel!]));
  const perBatch: Float32Array[][] = [];
  for (const b of batches) perBatch.push((await flatBatchGradient(m, data, b, params)).grads);
  let p = 0;
  const out: LayerSymmetry[] = [];
  for (const l of wl) {
    const kernel = (await m.weights[l.kernel!].data()) as Float32Array;
    const bias = l.bias !== null ? ((await m.weights[l.bias].data()) as Float32Array) : null;
    const at = p;
    p += l.bias !== null ? 2 : 1;
    const grads = perBatch.map((g) => ({ kernel: g[at], bias: l.bias !== null ? g[at + 1] : null }));
    const shape = m.weights[l.kernel!].shape;
    out.push(layerSymmetry(l.name, kernel, bias, grads, shape[shape.length - 1], tol, l.isOutput));
  }
  return {
    definition: `units whose incoming weights (kernel slice and bias) and whose gradients on each of ${batches.length} minibatch(es) agree within ${tol} of the layer's largest |value| (output layer excluded from the finding: its targets differ)`,
    tol,
    batches: batches.length,
    batch: batches[0].length,
    layers: out,
    findings: symmetryFindings(out),
  };
}
