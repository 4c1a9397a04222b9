/**
 * Where slice directions come from: seeded random filter-normalised (default), files (dir1/dir2),
 * the Hessian's eigenvectors saved by the hessian pipeline with saveEigenvectors (hessianDirs), or
 * the PCA plane of a training trajectory (trajectory folder). One discriminated type says which.
 */
import path from 'node:path';
import { readVector } from '../io/vector-file.js';
import { readCheckpoint } from '../io/checkpoint-read.js';
import { listCheckpoints } from '../io/trajectory.js';
import { randomDirection, orthogonalizeTo, type DirectionInfo } from '../landscape/directions.js';
import type { NormMode } from '../landscape/filter-normalize.js';
import { pcaDirections } from '../landscape/pca-directions.js';
import { loadModel, type ModelBundle } from '../objective/model-bundle.js';
import { assertSameLayout } from '../landscape/interpolate.js';
import { optionError } from '../errors.js';
import { norm } from '../landscape/directions.js';

export type DirectionSource =
  | { kind: 'random'; norm: NormMode; includeBias: boolean; seed: number }
  | { kind: 'files'; dir1: string; dir2?: string }
  | { kind: 'hessian'; folder: string }
  | { kind: 'trajectory'; folder: string };

/** The direction fields of a pipeline's options (flags dir1, dir2, hessianDirs, trajectory, norm, includeBias). */
export interface DirectionOptions {
  norm?: NormMode;
  includeBias?: boolean;
  orthogonalize?: boolean;
  dir1?: string;
  dir2?: string;
  hessianDirs?: string;
  trajectory?: string;
}

/** The one source the options name (at most one may be given; none: seeded random). */
export function directionSource(o: DirectionOptions, seed: number): DirectionSource {
  const given = [o.dir1, o.hessianDirs, o.trajectory].filter((s) => s !== undefined).length;
  if (given > 1) throw optionError('{dir1}/{hessianDirs}/{trajectory}', 'choose one direction source');
  if (o.dir1) return { kind: 'files', dir1: o.dir1, dir2: o.dir2 };
  if (o.hessianDirs) return { kind: 'hessian', folder: o.hessianDirs };
  if (o.trajectory) return { kind: 'trajectory', folder: o.trajectory };
  return { kind: 'random', norm: o.norm ?? 'filter', includeBias: o.includeBias ?? false, seed };
}

export interface ChosenDirections {
  d1: Float64Array;
  d2?: Float64Array;
  info: DirectionInfo[];
  /** PCA only: explained variance and the trajectory's coordinates in the plane. */
  pca?: { explainedVariance: number[]; coords: number[][]; checkpoints: string[] };
}

export async function chooseDirections(model: ModelBundle, src: DirectionSource, dims: 1 | 2, orthogonalize = false): Promise<ChosenDirections> {
  const { theta0: theta, layout } = model;
  const fromFile = async (f: string, label: string) => {
    const d = Float64Array.from(await readVector(f, layout.dim));
    return { d, info: { source: `${label}:${f}`, norm2: norm(d) } };
  };
  let picked: { d: Float64Array; info: DirectionInfo }[];
  let pca: ChosenDirections['pca'];
  switch (src.kind) {
    case 'files':
      picked = [await fromFile(src.dir1, 'file')];
      if (dims === 2) {
        if (!src.dir2) throw optionError('dir2', '2-D slices from files need {dir2} too');
        picked.push(await fromFile(src.dir2, 'file'));
      }
      break;
    case 'hessian':
      picked = [await fromFile(path.join(src.folder, 'eigenvector-top-1.f32'), 'hessian')];
      if (dims === 2) picked.push(await fromFile(path.join(src.folder, 'eigenvector-top-2.f32'), 'hessian'));
      break;
    case 'trajectory': {
      const p = await trajectoryPlane(model, src.folder);
      picked = p.directions.slice(0, dims).map((d, k) => ({ d, info: { source: `pca:${k + 1}`, norm2: norm(d) } }));
      pca = p.pca;
      break;
    }
    case 'random':
      picked = [0, 1].slice(0, dims).map((k) => {
        const seed = src.seed * 2 + k;
        const d = randomDirection(theta, layout, seed, { norm: src.norm, includeBias: src.includeBias });
        return { d, info: { source: 'random', seed, norm: src.norm, includeBias: src.includeBias, norm2: norm(d) } };
      });
  }
  if (picked[1] && orthogonalize) {
    picked[1].d = orthogonalizeTo(picked[1].d, picked[0].d);
    picked[1].info = { ...picked[1].info, norm2: norm(picked[1].d) };
  }
  return { d1: picked[0].d, d2: picked[1]?.d, info: picked.map((p) => p.info), ...(pca ? { pca } : {}) };
}

/** The PCA plane of a folder of checkpoints around the model's θ₀. */
async function trajectoryPlane(model: ModelBundle, folder: string) {
  const files = await listCheckpoints(folder);
  const thetas: Float32Array[] = [];
  for (const f of files) {
    const m = loadModel(await readCheckpoint(f), model.loss);
    assertSameLayout(model.layout, m.layout, model.checkpoint.path, f);
    thetas.push(m.theta0);
  }
  const p = pcaDirections(thetas, model.theta0, 2, folder);
  return { directions: p.directions, pca: { explainedVariance: p.explainedVariance, coords: p.coords, checkpoints: files } };
}
