/**
 * The run folder (schema losslens-fit/1, src/fit/record.ts): run.json written atomically at train
 * begin and end, one measurements.jsonl line appended whole per measurement, and at train end the
 * figures (PNG + Vega spec) and summary.json.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import { writeCheckpoint } from '../io/checkpoint-write.js';
import type { Checkpoint } from '../io/types.js';
import { renderFigure } from '../render/figure.js';
import type { FitRecord, FitRunInfo, FitSummary } from './record.js';
import type { FitOptimizerInfo } from './model-snapshot.js';
import { fitFigureSpecs } from './figures.js';

export const MEASUREMENTS_FILE = 'measurements.jsonl';

export async function writeRunInfo(dir: string, info: FitRunInfo): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeJsonAtomic(path.join(dir, 'run.json'), info);
}

/** Start the measurements file empty (a rerun into the same folder replaces it). */
export async function resetMeasurements(dir: string): Promise<void> {
  await fs.writeFile(path.join(dir, MEASUREMENTS_FILE), '');
}

/** One record as one line, written with a single append so that a reader sees whole lines only. */
export async function appendRecord(dir: string, r: FitRecord): Promise<void> {
  await fs.appendFile(path.join(dir, MEASUREMENTS_FILE), JSON.stringify(r) + '\n');
}

/** `<dir>/checkpoints/step-<step>/model.json` (tfjs format, without optimizer state). */
export async function saveStepCheckpoint(dir: string, step: number, ckpt: Checkpoint): Promise<string> {
  return writeCheckpoint(path.join(dir, 'checkpoints', `step-${step}`), ckpt);
}

/** The figures as `<name>.png` + `<name>.vg.json`; returns the PNG file names. */
export async function writeFigures(dir: string, rs: FitRecord[], opt: FitOptimizerInfo): Promise<string[]> {
  if (rs.length === 0) return [];
  const names: string[] = [];
  for (const { name, spec } of fitFigureSpecs(rs, opt)) {
    const fig = await renderFigure(name, spec);
    await writeFileAtomic(path.join(dir, `${name}.png`), fig.png);
    await writeJsonAtomic(path.join(dir, `${name}.vg.json`), spec);
    names.push(`${name}.png`);
  }
  return names;
}

export async function writeSummary(dir: string, s: FitSummary): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'summary.json'), s);
}
