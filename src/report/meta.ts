/** The `meta` block every summary.json carries: what ran, where, with which seed, how long. */
import type { BackendInfo } from '../engine/index.js';
import { VERSION } from '../version.js';
import type { InferenceMode } from '../model/inference-mode.js';

/**
 * The `meta` of every summary.json: the losslens version, the command and its options, the seed, the
 * backend, the HVP method, the inference mode and the timing.
 */
export interface RunMeta {
  losslens: string;
  command: string;
  options: Record<string, unknown>;
  seed?: number;
  backend: { name: string; threads: number; provider: string; tfjsVersion: string; workers: number; kernels?: BackendInfo['kernels'] };
  /** How Hessian-vector products are computed for this model (src/objective/rop/hvp.ts hvpMethod). */
  hvp?: { method: string; reason?: string };
  /** The model as analysed: inference mode, and its layers that act only in training (src/model/inference-mode.ts). */
  inference?: InferenceMode;
  startedAt: string;
  elapsedMs: number;
}

export function buildMeta(args: {
  command: string;
  options: Record<string, unknown>;
  backend: BackendInfo;
  workers?: number;
  seed?: number;
  hvp?: RunMeta['hvp'];
  inference?: InferenceMode;
  started: number;
}): RunMeta {
  const { backend } = args;
  return {
    losslens: VERSION,
    command: args.command,
    options: args.options,
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    backend: {
      name: backend.name,
      threads: backend.threads,
      provider: backend.provider,
      tfjsVersion: backend.tfjsVersion,
      workers: args.workers ?? 1,
      ...(backend.kernels ? { kernels: backend.kernels } : {}),
    },
    ...(args.hvp ? { hvp: args.hvp } : {}),
    ...(args.inference ? { inference: args.inference } : {}),
    startedAt: new Date(args.started).toISOString(),
    elapsedMs: Date.now() - args.started,
  };
}
