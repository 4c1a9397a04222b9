/**
 * One training run as a pure function of (RunConfig, model, data): seeded initialisation,
 * train/validation split, per-epoch shuffles permutation(nTrain, seed·1000 + epoch), minibatch
 * gradients in training mode, clipping, the optimizer's update at the scheduled rate, per-epoch
 * inference-mode evaluation, early stopping with best-θ restore. No file I/O: θ snapshots go to
 * onCheckpoint; the returned result is JSON-ready.
 *
 * Order within a step: g = ∇L_batch(θ) → record ‖g‖ → clip by norm → clip by value →
 * optimizer (adds λθ, then its rule) at η = schedule(epoch, step).
 */
import tf from '../tf.cjs';
import type { Checkpoint, CheckpointWeight } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { flattenTheta, withTheta } from '../objective/layout.js';
import { permutation } from '../random.js';
import { LosslensError, optionError } from '../errors.js';
import { resolveRunConfig, type RunConfig, type ResolvedRunConfig } from './run-config.js';
import { createOptimizer, type Optimizer, type OptimizerState } from './optimizers.js';
import { createSchedule } from './schedules.js';
import { clipByGlobalNorm, clipByValue } from './clipping.js';
import { initializeCheckpoint } from './initialize.js';
import { TrainingGraph, type BatchGradient } from './training-graph.js';
import { epochOutputs, modelHistory, recordStepOutputs, RunningLoss } from './output-history.js';
import type { EpochRecord, TrainHistory } from './history.js';
import { EarlyStopping } from './early-stopping.js';
import { WeightPenalty } from '../objective/weight-penalty.js';
import { refuseUnsupported, regularizationOf } from '../objective/regularized-objective.js';
import { resolveSharpnessOptions, type SharpnessOptions } from './sharpness-tracker.js';
import { sharpnessProbe, type SharpnessProbe } from './sharpness-objective.js';

/** Training progress, reported after each step. */
export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
  loss: number;
  lr: number;
}

/** θ at a moment of training, handed to `onCheckpoint`. */
export interface ThetaSnapshot {
  step: number;
  epoch: number;
  final: boolean;
  theta: Float32Array;
  /** The model at this θ (with current BatchNorm statistics), ready for writeCheckpoint. */
  checkpoint: Checkpoint;
}

/** What a caller of {@link trainRun} can hook in: progress, checkpoints, an abort signal and sharpness tracking. */
export interface TrainHooks {
  onProgress?: (p: TrainProgress) => void;
  /** Awaited: at step 0 and every saveEvery steps (saveEvery > 0), and once with final: true. */
  onCheckpoint?: (s: ThetaSnapshot) => void | Promise<void>;
  signal?: AbortSignal;
  /**
   * Track λmax (sharpness-tracker.ts) at step 0 and every `every` steps into history.sharpness.
   * An observation: the run's θ trajectory is the same with or without it.
   */
  sharpness?: Partial<SharpnessOptions> & { every: number };
}

/** How a training run ended: completed, stopped early, diverged (a non-finite loss) or at its step limit. */
export type RunStatus = 'completed' | 'early-stopped' | 'diverged' | 'max-steps';

/**
 * What a training run produced: its config and status, sample and parameter counts, steps and epochs,
 * the initial and final records, the history and θ's hash.
 */
export interface RunResult {
  config: ResolvedRunConfig;
  status: RunStatus;
  nTrain: number;
  nVal: number;
  paramCount: number;
  steps: number;
  epochsRun: number;
  /** Epoch whose θ is returned (the best validation epoch when restored). */
  returnedEpoch: number;
  bestEpoch: number | null;
  initial: EpochRecord;
  final: EpochRecord;
  history: TrainHistory;
  /** FNV-1a of the returned θ's bytes: equal hashes ⇔ (almost surely) identical runs. */
  thetaHash: string;
  meta: { seed: number; backend: string; elapsedMs: number };
}

/** What {@link trainRun} returns: the run's result, the final θ, the same as a checkpoint, and the optimizer state. */
export interface TrainOutput {
  result: RunResult;
  theta: Float32Array;
  checkpoint: Checkpoint;
  optimizerState: OptimizerState;
}

/**
 * Train `model` on `data`; its checkpoint supplies the topology (and the weights for init 'checkpoint').
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadDataset, loadModel, prepareData, startEngine } from 'losslens';
 * import { trainRun } from 'losslens/train';
 *
 * await startEngine();
 * const model = loadModel(await readCheckpoint('fixtures/linreg'));
 * const data = prepareData(await loadDataset({ data: 'fixtures/linreg/data.csv' }), model.arch.inputShape, model.outDim, model.loss);
 * const { result, theta } = await trainRun({ init: 'checkpoint', epochs: 2, batchSize: 32, valSplit: 0, optimizer: { name: 'sgd', lr: 0.01 } }, model, data);
 * assert.equal(result.nTrain, 256);
 * assert.equal(result.steps, 2 * (256 / 32)); // two epochs of 8 minibatches
 * assert.equal(theta.length, 6);
 * assert.ok(Math.abs(result.initial.trainLoss - 0.009124412201344967) < 1e-6); // it starts at the fixture's minimum
 * ```
 */
export async function trainRun(config: RunConfig, model: ModelBundle, data: PreparedData, hooks: TrainHooks = {}): Promise<TrainOutput> {
  const started = Date.now();
  const cfg = resolveRunConfig(config);
  const sharpness = hooks.sharpness ? resolveSharpnessOptions(hooks.sharpness) : null;
  const { train, val } = splitIndices(data.n, cfg.valSplit, cfg.splitSeed);
  const start = initializeCheckpoint(model, cfg.init, cfg.seed);
  const graph = new TrainingGraph(model, start.weights, data);
  try {
    const penalty = trainingPenalty(cfg, model);
    const probe = sharpness ? sharpnessProbe(sharpness, cfg.optimizer, model, graph.nonTrainable, data, train, cfg.batchSize, penalty) : undefined;
    return await loop(cfg, model, graph, start, train, val, hooks, started, penalty, probe);
  } finally {
    graph.dispose();
  }
}

/** The tail `valSplit` of a seeded permutation is the validation set; the rest, in order, trains. */
export function splitIndices(n: number, valSplit: number, seed: number): { train: Uint32Array; val: Uint32Array } {
  if (valSplit === 0) return { train: Uint32Array.from({ length: n }, (_, i) => i), val: new Uint32Array(0) };
  const nVal = Math.max(1, Math.round(n * valSplit));
  if (nVal >= n) throw optionError('valSplit', `leaves no training samples (${n} samples, ${nVal} held out)`);
  const p = permutation(n, seed);
  return { train: p.slice(0, n - nVal).sort(), val: p.slice(n - nVal).sort() };
}

/** grad: the one buffer every step's gradient is written into (no θ-sized allocation a step). */
interface LoopState {
  theta: Float32Array;
  grad: Float32Array;
  step: number;
  epoch: number;
  status: RunStatus;
}
type Saved = { theta: Float32Array; weights: (CheckpointWeight | null)[] };

/** The checkpoint's weight penalties when the run trains with them (activity or unreadable ones refused by name). */
function trainingPenalty(cfg: ResolvedRunConfig, model: ModelBundle): WeightPenalty {
  if (!cfg.regularizers) return new WeightPenalty([], model.layout);
  const reg = regularizationOf(model);
  refuseUnsupported(reg, model.checkpoint.path);
  return new WeightPenalty(reg.terms, model.layout);
}

async function loop(
  cfg: ResolvedRunConfig,
  model: ModelBundle,
  graph: TrainingGraph,
  start: Checkpoint,
  train: Uint32Array,
  val: Uint32Array,
  hooks: TrainHooks,
  started: number,
  penalty: WeightPenalty,
  probe?: SharpnessProbe,
): Promise<TrainOutput> {
  const theta = flattenTheta(start, model.layout, model.indices);
  const st: LoopState = { theta, grad: new Float32Array(theta.length), step: 0, epoch: 0, status: 'completed' };
  const opt = createOptimizer(cfg.optimizer, st.theta.length);
  const schedule = createSchedule(cfg.optimizer.lr, cfg.schedule);
  const history = modelHistory(model),
    running = new RunningLoss();
  const stopper = new EarlyStopping<Saved>(cfg.earlyStoppingPatience);
  const totalSteps = Math.min(Math.ceil(train.length / cfg.batchSize) * cfg.epochs, cfg.maxSteps ?? Infinity);
  const snapshot = (final: boolean, epoch = st.epoch): ThetaSnapshot => {
    const base = { ...start, weights: start.weights.map((w, i) => graph.nonTrainable[i] ?? w) };
    return { step: st.step, epoch, final, theta: st.theta.slice(), checkpoint: withTheta(base, model.layout, model.indices, st.theta) };
  };
  const record = (lr: number, means: { mean?: number; outputs?: number[] } = {}) => epochRecord(graph, st, { train, val }, lr, means, started, penalty);
  history.epochs.push(await record(schedule.lr(0, 0)));
  if (cfg.saveEvery > 0) await hooks.onCheckpoint?.(snapshot(false));

  while (st.epoch < cfg.epochs && st.status === 'completed') {
    const order = epochOrder(train, cfg, st.epoch);
    for (let s = 0; s < order.length && st.status === 'completed'; s += cfg.batchSize) {
      if (hooks.signal?.aborted) throw new LosslensError('INTERRUPTED', `training stopped at step ${st.step}`);
      const lr = schedule.lr(st.epoch, st.step);
      const batch = order.subarray(s, Math.min(order.length, s + cfg.batchSize));
      await probe?.at(st.step, lr, st.theta, opt);
      const g = await trainStep(cfg, graph, opt, st, batch, lr, history, penalty);
      if ((st.status as RunStatus) === 'diverged') break;
      running.add(g, batch.length);
      hooks.onProgress?.({ step: st.step, totalSteps, epoch: st.epoch + 1, epochs: cfg.epochs, loss: g.loss, lr });
      if (cfg.saveEvery > 0 && st.step % cfg.saveEvery === 0) await hooks.onCheckpoint?.(snapshot(false, st.epoch + 1));
      if (cfg.maxSteps !== null && st.step >= cfg.maxSteps) st.status = 'max-steps';
    }
    st.epoch++;
    const rec = await record(schedule.lr(st.epoch - 1, Math.max(0, st.step - 1)), running.take());
    history.epochs.push(rec);
    const monitored = rec.valLoss ?? rec.trainLoss;
    schedule.endEpoch(monitored);
    if (!Number.isFinite(monitored)) st.status = 'diverged';
    const save = () => ({ theta: st.theta.slice(), weights: graph.nonTrainable.map((w) => w && { ...w, values: w.values.slice() }) });
    if (stopper.update(monitored, st.epoch, save) && st.status === 'completed') st.status = 'early-stopped';
  }
  if (probe && st.status !== 'diverged') await probe.at(st.step, history.steps.lr[history.steps.lr.length - 1] ?? cfg.optimizer.lr, st.theta, opt);
  if (probe) history.sharpness = probe.tracker.history;
  const restore = cfg.restoreBest && stopper.bestState !== null && stopper.bestEpoch !== st.epoch;
  if (restore) {
    st.theta.set(stopper.bestState!.theta);
    stopper.bestState!.weights.forEach((w, i) => w && graph.nonTrainable[i]!.values.set(w.values));
  }
  const returnedEpoch = restore ? stopper.bestEpoch! : st.epoch;
  const final = snapshot(true, returnedEpoch);
  await hooks.onCheckpoint?.(final);
  const result: RunResult = {
    config: cfg,
    status: st.status,
    nTrain: train.length,
    nVal: val.length,
    paramCount: st.theta.length,
    steps: st.step,
    epochsRun: st.epoch,
    returnedEpoch,
    bestEpoch: stopper.bestEpoch,
    initial: history.epochs[0],
    final: history.epochs[returnedEpoch],
    history,
    thetaHash: fnv1a(st.theta),
    meta: { seed: cfg.seed, backend: tf.getBackend(), elapsedMs: Date.now() - started },
  };
  return { result, theta: st.theta, checkpoint: final.checkpoint, optimizerState: opt.state() };
}

/** One update: gradient, history row, clipping, optimizer. Returns the minibatch's loss (with the penalty) and metrics. */
async function trainStep(
  cfg: ResolvedRunConfig,
  graph: TrainingGraph,
  opt: Optimizer,
  st: LoopState,
  batch: Uint32Array,
  lr: number,
  history: TrainHistory,
  penalty: WeightPenalty,
): Promise<BatchGradient> {
  const g = await graph.gradient(st.theta, batch, { training: cfg.trainingMode, seed: cfg.seed, step: st.step }, st.grad);
  if (!penalty.empty) {
    // the regularized loss, as Keras minimises it: its gradient is clipped and stepped like the data term's
    g.loss += penalty.value(st.theta);
    g.grad = penalty.gradient(st.theta, g.grad);
  }
  const norm = clipByGlobalNorm(g.grad, cfg.clipNorm ?? Infinity);
  if (cfg.clipValue !== null) clipByValue(g.grad, cfg.clipValue);
  const h = history.steps;
  h.step.push(st.step + 1);
  h.epoch.push(st.epoch + 1);
  h.loss.push(g.loss);
  h.gradNorm.push(norm);
  h.lr.push(lr);
  if (h.accuracy) h.accuracy.push(g.correct === null ? NaN : g.correct / batch.length);
  recordStepOutputs(h, g, batch.length);
  if (!Number.isFinite(g.loss) || !Number.isFinite(norm)) {
    st.status = 'diverged';
    return g;
  }
  opt.step(st.theta, g.grad, lr);
  st.step++;
  return g;
}

/** Inference-mode losses on the train and validation splits at the current θ (`running`: the epoch's minibatch means). */
async function epochRecord(
  graph: TrainingGraph,
  st: LoopState,
  split: { train: Uint32Array; val: Uint32Array },
  lr: number,
  running: { mean?: number; outputs?: number[] },
  started: number,
  penalty: WeightPenalty,
): Promise<EpochRecord> {
  const p = penalty.empty ? 0 : penalty.value(st.theta);
  const plus = <T extends { loss: number }>(r: T): T => ({ ...r, loss: r.loss + p });
  const tr = plus(await graph.evaluate(st.theta, split.train));
  const va = split.val.length ? plus(await graph.evaluate(st.theta, split.val)) : undefined;
  const outputs = epochOutputs(tr, va, running.outputs);
  return {
    epoch: st.epoch,
    step: st.step,
    lr,
    trainLoss: tr.loss,
    ...(tr.accuracy !== undefined ? { trainAccuracy: tr.accuracy } : {}),
    ...(running.mean !== undefined ? { runningLoss: running.mean } : {}),
    ...(va ? { valLoss: va.loss, ...(va.accuracy !== undefined ? { valAccuracy: va.accuracy } : {}) } : {}),
    ...(outputs ? { outputs } : {}),
    elapsedMs: Date.now() - started,
  };
}

/** The training indices in this epoch's order. */
function epochOrder(train: Uint32Array, cfg: ResolvedRunConfig, epoch: number): Uint32Array {
  if (!cfg.shuffle) return train;
  const p = permutation(train.length, cfg.seed * 1000 + epoch);
  return p.map((i) => train[i]);
}

export function fnv1a(theta: Float32Array): string {
  const bytes = new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
