/**
 * The checkpoints of a training run, in step order: a `train --save-every` output folder (its
 * checkpoints/step-<k>/), or any folder of subfolders holding a model.json whose names carry the
 * step (epoch-3, step_0100, ckpt-12: the last number in the name). A folder without a number, or two
 * with the same one, is refused: their order would be a guess. Each checkpoint is read once here, so
 * a broken one is one error before any study folder exists; its learning rate comes from its
 * training config (tfjs' learningRate or Keras' learning_rate), where it has one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.js';
import { readCheckpoint } from '../io/checkpoint-read.js';

/** One checkpoint of the run: its step, its model.json and the learning rate its training config names. */
export interface TrajectoryCheckpoint {
  /** Task id: "step" and the step, zero-padded so that ids sort as steps do. */
  id: string;
  step: number;
  /** The subfolder's name as found. */
  name: string;
  /** Absolute path of its model.json. */
  model: string;
  lr: number | null;
}

/** At most this many checkpoints in one trajectory (a run saved every step would be a mistake, not a trajectory). */
export const MAX_CHECKPOINTS = 10_000;

/** The learning rate of a training config (tfjs' optimizer_config, or Keras' `learning_rate`/`lr`); null when it names none. */
export function learningRateOf(trainingConfig: unknown): number | null {
  const cfg = (trainingConfig as { optimizer_config?: { config?: Record<string, unknown> } } | undefined)?.optimizer_config?.config;
  const v = cfg?.learningRate ?? cfg?.learning_rate ?? cfg?.lr;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

/** What the numbers in the names count: the word the names share ("epoch" for epoch-5, epoch-10), else "step". */
export function stepUnit(names: string[]): string {
  const words = new Set(
    names.map((n) =>
      n
        .replace(/\d+\D*$/, '')
        .replace(/[^A-Za-z]+/g, ' ')
        .trim()
        .toLowerCase(),
    ),
  );
  const [w] = [...words];
  return words.size === 1 && /^[a-z]{1,20}$/.test(w) ? w : 'step';
}

/** The step a folder name carries: its last run of digits, or null. */
export function stepOf(name: string): number | null {
  const m = /(\d+)\D*$/.exec(name);
  return m ? Number(m[1]) : null;
}

async function isDir(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The subfolders of `root` that hold a model.json. */
async function checkpointFolders(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory() && (await fs.stat(path.join(root, e.name, 'model.json')).catch(() => null))?.isFile()) out.push(e.name);
  }
  return out;
}

/** The run's checkpoints in step order (see the module's comment); `dir` may be the train output or its checkpoints/ folder. */
export async function discoverCheckpoints(dir: string): Promise<TrajectoryCheckpoint[]> {
  const abs = path.resolve(dir);
  if (!(await isDir(abs))) throw inputError(dir, 'not a folder of checkpoints');
  const root = (await isDir(path.join(abs, 'checkpoints'))) ? path.join(abs, 'checkpoints') : abs;
  const names = await checkpointFolders(root);
  if (names.length === 0) throw inputError(dir, 'no checkpoints: expected subfolders holding model.json (train --save-every writes checkpoints/step-<k>/)');
  if (names.length > MAX_CHECKPOINTS) throw inputError(dir, `${names.length} checkpoints; at most ${MAX_CHECKPOINTS}`);
  const byStep = new Map<number, string>();
  for (const name of names) {
    const step = stepOf(name);
    if (step === null) throw inputError(dir, `cannot order the checkpoints: "${name}" has no step number in its name`);
    const other = byStep.get(step);
    if (other !== undefined) throw inputError(dir, `cannot order the checkpoints: "${other}" and "${name}" both name step ${step}`);
    byStep.set(step, name);
  }
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const pad = String(steps[steps.length - 1]).length;
  const out: TrajectoryCheckpoint[] = [];
  for (const step of steps) {
    const name = byStep.get(step)!;
    const model = path.join(root, name, 'model.json');
    const ckpt = await readCheckpoint(model);
    out.push({ id: `step${String(step).padStart(pad, '0')}`, step, name, model, lr: learningRateOf(ckpt.trainingConfig) });
  }
  return out;
}
