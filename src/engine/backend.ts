/**
 * Backend choice at run time (called by the engine, src/engine/engine.ts): tfjs-node-gpu → tfjs-node → wasm → cpu ("auto"),
 * or one forced with --backend. tfjs-node(-gpu) are optional dependencies that
 * usually cannot install here, so they are imported lazily and their absence is normal.
 */
import tf from '../tf.cjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { optionError, LosslensError } from '../errors.js';
import type { NativeKernelsInfo } from '../kernels/native-kernels.js';

/** The tfjs backends one can ask for: `auto` (tensorflow → wasm → cpu), `tensorflow`, `wasm`, `cpu`. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The tfjs backend that runs: its name, threads, provider and tfjs version, and the native kernels' state where they are loaded. */
export interface BackendInfo {
  /** tfjs's name of the active backend: "tensorflow", "wasm" or "cpu". */
  name: string;
  /** Threads the backend computes with (wasm in Node is single-threaded). */
  threads: number;
  /** Which package provided it, e.g. "@tensorflow/tfjs-node-gpu". */
  provider: string;
  tfjsVersion: string;
  /** On wasm: whether our native kernels (OpenBLAS) ran, with their BLAS and threads, or why not. */
  kernels?: NativeKernelsInfo;
}

const require = createRequire(import.meta.url);
let active: BackendInfo | undefined;
let wasmRegistered = false;

async function tryTensorflow(): Promise<BackendInfo | undefined> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return { name: 'tensorflow', threads: 0, provider: pkg, tfjsVersion: tf.version.tfjs };
      }
    } catch {
      // not installed here (its install script needs a download): fall through
    }
  }
  return undefined;
}

async function useWasm(): Promise<BackendInfo> {
  // require(), not import(): the ESM loader would first lex the CommonJS bundle (see src/tf.cts)
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  if (!wasmRegistered) {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    wasmRegistered = true;
  }
  const { registerWasmKernels } = await import('../kernels/wasm-kernels.js');
  registerWasmKernels();
  const kernels = (await import('../kernels/native-kernels.js')).installNativeKernels();
  if (!(await tf.setBackend('wasm'))) throw new LosslensError('INTERNAL', 'the wasm backend failed to start');
  await tf.ready();
  return { name: 'wasm', threads: wasm.getThreadsCount(), provider: '@tensorflow/tfjs-backend-wasm', tfjsVersion: tf.version.tfjs, kernels };
}

async function useCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', threads: 1, provider: '@tensorflow/tfjs-backend-cpu', tfjsVersion: tf.version.tfjs };
}

/**
 * Select and initialise a tfjs backend; idempotent for the same choice. Only the backend: the
 * gradient registrations and PROD mode an HVP needs are the engine's (src/engine/engine.ts).
 */
export async function initBackend(name: BackendName | string = 'auto'): Promise<BackendInfo> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw optionError('backend', `unknown backend "${name}"; valid: ${BACKEND_NAMES.join(', ')}`);
  }
  if (active && (name === 'auto' || name === active.name) && tf.getBackend() === active.name) return active;
  if (name === 'tensorflow') {
    const info = await tryTensorflow();
    if (!info) throw optionError('backend', 'tensorflow needs @tensorflow/tfjs-node or -node-gpu, which are not installed');
    return (active = info);
  }
  if (name === 'wasm') return (active = await useWasm());
  if (name === 'cpu') return (active = await useCpu());
  const info = (await tryTensorflow()) ?? (await useWasm().catch(() => undefined)) ?? (await useCpu());
  return (active = info);
}

export function activeBackend(): BackendInfo | undefined {
  return active;
}
