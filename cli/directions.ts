/**
 * Where slice directions come from: seeded random (default), files (--dir1/--dir2), the Hessian's
 * eigenvectors saved by `losslens hessian --save-eigenvectors` (--hessian-dirs DIR), or the PCA
 * plane of a training trajectory (--trajectory DIR).
 */
import path from 'node:path';
import { readVector } from '../src/io/vector-file.js';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { listCheckpoints } from '../src/io/trajectory.js';
import { randomDirection, orthogonalizeTo, type DirectionInfo } from '../src/landscape/directions.js';
import type { NormMode } from '../src/landscape/filter-normalize.js';
import { pcaDirections } from '../src/landscape/pca-directions.js';
import { loadModel, type ModelBundle } from '../src/objective/model-bundle.js';
import { assertSameLayout } from '../src/landscape/interpolate.js';
import { optionError } from '../src/errors.js';
import { norm } from '../src/landscape/directions.js';

export interface DirectionArgs {
  dims: 1 | 2;
  norm: NormMode;
  includeBias: boolean;
  orthogonalize: boolean;
  dir1?: string;
  dir2?: string;
  hessianDirs?: string;
  trajectory?: string;
  seed: number;
}

export interface ChosenDirections {
  d1: Float64Array;
  d2?: Float64Array;
  info: DirectionInfo[];
  /** PCA only: explained variance and the trajectory's coordinates in the plane. */
  pca?: { explainedVariance: number[]; coords: number[][]; checkpoints: string[] };
}

export async function chooseDirections(model: ModelBundle, a: DirectionArgs): Promise<ChosenDirections> {
  const sources = [a.dir1 ? 1 : 0, a.hessianDirs ? 1 : 0, a.trajectory ? 1 : 0].reduce((x, y) => x + y, 0);
  if (sources > 1) throw optionError('{dir1}/{hessianDirs}/{trajectory}', 'choose one direction source');
  const { theta0: theta, layout } = model;
  const opts = { norm: a.norm, includeBias: a.includeBias };
  const fromFile = async (f: string, label: string) => {
    const d = Float64Array.from(await readVector(f, layout.dim));
    return { d, info: { source: `${label}:${f}`, norm2: norm(d) } };
  };
  let picked: { d: Float64Array; info: DirectionInfo }[];
  let pca: ChosenDirections['pca'];
  if (a.dir1) {
    picked = [await fromFile(a.dir1, 'file')];
    if (a.dims === 2) {
      if (!a.dir2) throw optionError('dir2', '2-D slices from files need {dir2} too');
      picked.push(await fromFile(a.dir2, 'file'));
    }
  } else if (a.hessianDirs) {
    picked = [await fromFile(path.join(a.hessianDirs, 'eigenvector-top-1.f32'), 'hessian')];
    if (a.dims === 2) picked.push(await fromFile(path.join(a.hessianDirs, 'eigenvector-top-2.f32'), 'hessian'));
  } else if (a.trajectory) {
    const files = await listCheckpoints(a.trajectory);
    const thetas: Float32Array[] = [];
    for (const f of files) {
      const m = loadModel(await readCheckpoint(f), model.loss);
      assertSameLayout(layout, m.layout, model.checkpoint.path, f);
      thetas.push(m.theta0);
    }
    const p = pcaDirections(thetas, theta, 2, a.trajectory);
    picked = p.directions.slice(0, a.dims).map((d, k) => ({ d, info: { source: `pca:${k + 1}`, norm2: norm(d) } }));
    pca = { explainedVariance: p.explainedVariance, coords: p.coords, checkpoints: files };
  } else {
    picked = [0, 1].slice(0, a.dims).map((k) => {
      const seed = a.seed * 2 + k;
      const d = randomDirection(theta, layout, seed, opts);
      return { d, info: { source: 'random', seed, norm: a.norm, includeBias: a.includeBias, norm2: norm(d) } };
    });
  }
  if (picked[1] && a.orthogonalize) {
    picked[1].d = orthogonalizeTo(picked[1].d, picked[0].d);
    picked[1].info = { ...picked[1].info, norm2: norm(picked[1].d) };
  }
  return { d1: picked[0].d, d2: picked[1]?.d, info: picked.map((p) => p.info), ...(pca ? { pca } : {}) };
}
