/**
 * The engine: the one object that owns what tfjs keeps process-wide and an exact HVP depends on —
 * the backend (tensorflow → wasm → cpu, with our wasm kernels), the second-order gradient
 * registrations (src/objective/second-order-gradients.ts: without them tf.grad(tf.grad(f)) is
 * silently wrong for Tanh, Sigmoid, Softmax, Exp, Elu, convolutions and pooling) and PROD mode.
 *
 * Process-wide, stated for embedders: tfjs has one gradient registry per process, so while the
 * engine runs, every tf.grad in the process (yours too) uses our registrations for the kernels in
 * SECOND_ORDER_KERNELS. They are exact first-order gradients as well, so first-order code keeps
 * working; `stopEngine()` puts back the gradients that were registered before `startEngine` and
 * the PROD flag as it was.
 *
 * Objectives call `requireEngine`: an objective built without a started engine is an error at
 * once, never a silent wrong second-order term.
 */
import tf from '../tf.cjs';
import { initBackend, type BackendInfo, type BackendName } from './backend.js';
import { registerSecondOrderGradients, SECOND_ORDER_KERNELS } from '../objective/second-order-gradients.js';
import { LosslensError, unsupportedError } from '../errors.js';
import { checkCpuForm, setNativeCpuForm } from '../kernels/cpu-form.js';
import type { CpuFormChoice } from '../kernels/native-addon.js';

/** The started engine: the active backend, and the kernels whose second-order gradients it registered (process-wide). */
export interface Engine {
  readonly backend: BackendInfo;
  /** Kernels whose gradients the engine registered (process-wide). */
  readonly secondOrderKernels: readonly string[];
  /** tfjs PROD mode (no per-op NaN checks): on while the engine runs. */
  readonly prod: true;
}

/** How {@link startEngine} sets up tfjs: the backend, and the CPU form the native kernels run (auto: the best this CPU supports). */
export interface EngineOptions {
  /** auto (default): tensorflow → wasm → cpu. */
  backend?: BackendName | string;
  /**
   * The native kernels' CPU form (native/cpu.h): 'auto', the best this CPU runs, or 'avx512' / 'avx2' /
   * 'portable' forced (refused where the CPU lacks it or the native kernels do not run). Process-wide;
   * left as it is when not given. backend.kernels.cpuForm says which form runs.
   */
  cpuForm?: CpuFormChoice | string;
}

type GradConfig = Parameters<typeof tf.registerGradient>[0];

let current: Engine | undefined;
/** What the registry held before the first start, to put back on stop. */
let before: { gradients: Map<string, GradConfig | undefined>; prod: boolean } | undefined;

/**
 * Start (or re-point at another backend) the engine; idempotent for the same backend.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs';
 * import { startEngine } from 'losslens';
 *
 * const engine = await startEngine(); // auto: tensorflow → wasm → cpu, whichever loads first
 * assert.equal(engine.backend.name, tf.getBackend());
 * assert.equal(await startEngine(), engine); // idempotent for the same backend
 * ```
 */
export async function startEngine(opts: EngineOptions = {}): Promise<Engine> {
  const cpuForm = opts.cpuForm === undefined ? undefined : checkCpuForm(opts.cpuForm);
  const backend = await initBackend(opts.backend ?? 'auto');
  if (cpuForm !== undefined) useCpuForm(cpuForm, backend);
  if (!before) {
    const gradients = new Map(SECOND_ORDER_KERNELS.map((k) => [k, tf.getGradient(k) as GradConfig | undefined]));
    before = { gradients, prod: tf.env().getBool('PROD') };
  }
  if (!current) registerSecondOrderGradients();
  tf.env().set('PROD', true);
  if (current?.backend === backend) return current;
  current = Object.freeze({ backend, secondOrderKernels: SECOND_ORDER_KERNELS, prod: true as const });
  return current;
}

/** The native kernels in `form`, where they run on this backend ('auto' is always fine). */
function useCpuForm(form: CpuFormChoice, backend: BackendInfo): void {
  if (backend.kernels?.loaded) setNativeCpuForm(form);
  else if (form !== 'auto') {
    throw unsupportedError(
      `cpuForm ${form} needs the native kernels, which do not run on this engine (backend ${backend.name}${backend.kernels?.reason ? `: ${backend.kernels.reason}` : ''})`,
    );
  }
}

/** The running engine, if any. */
export function currentEngine(): Engine | undefined {
  return current;
}

/** The running engine; a typed internal error naming `what` needed it when none runs. */
export function requireEngine(what: string): Engine {
  if (!current) {
    throw new LosslensError(
      'INTERNAL',
      `${what} needs the losslens engine: call startEngine() first (it selects the backend and registers the second-order gradients exact HVPs depend on)`,
    );
  }
  return current;
}

/**
 * Put back the gradient registrations and PROD flag found at the first start.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs';
 * import { startEngine, stopEngine } from 'losslens';
 *
 * await startEngine();
 * assert.equal(tf.env().getBool('PROD'), true); // the engine runs tfjs without its debug checks
 * stopEngine();
 * assert.equal(tf.env().getBool('PROD'), false); // and puts back what it found
 * ```
 */
export function stopEngine(): void {
  if (!before) return;
  for (const [kernel, config] of before.gradients) {
    tf.unregisterGradient(kernel);
    if (config) tf.registerGradient(config);
  }
  tf.env().set('PROD', before.prod);
  before = undefined;
  current = undefined;
}

/**
 * startEngine's backend, for callers written before the engine existed.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs';
 * import { selectBackend } from 'losslens';
 *
 * const info = await selectBackend('cpu');
 * assert.equal(info.name, 'cpu');
 * assert.equal(tf.getBackend(), 'cpu');
 * await selectBackend('auto');
 * ```
 */
export async function selectBackend(name: BackendName | string = 'auto'): Promise<BackendInfo> {
  return (await startEngine({ backend: name })).backend;
}
