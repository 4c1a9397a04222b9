/**
 * The engine's backend in the browser bundle (swapped for src/engine/backend.ts by scripts/build-browser.mjs):
 * the backend the page set up. No tfjs-node, no wasm files read from disk, no native kernels: the engine
 * only adds its second-order gradient registrations and PROD mode, which are plain tfjs and hold on any backend
 * whose kernels implement the ops they are written in.
 */
import tf from '../../tf.cjs';
import { optionError } from '../../errors.js';

/** The backends the browser bundle accepts: `auto` (the one tfjs runs) or one registered in the page by name. */
export const BACKEND_NAMES = ['auto', 'cpu', 'webgl', 'wasm', 'webgpu'] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The tfjs backend that runs (the fields of the Node module's BackendInfo; no native kernels in a browser). */
export interface BackendInfo {
  name: string;
  threads: number;
  provider: string;
  tfjsVersion: string;
  kernels?: { loaded: boolean; reason?: string };
}

let active: BackendInfo | undefined;

/** The page's backend (`auto`), or `name` set as tfjs' backend when it is registered in the page. */
export async function initBackend(name: string = 'auto'): Promise<BackendInfo> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) throw optionError('backend', `unknown backend "${name}"; valid: ${BACKEND_NAMES.join(', ')}`);
  if (name !== 'auto' && name !== tf.getBackend() && !(await tf.setBackend(name))) {
    throw optionError('backend', `the ${name} backend did not start in this page (registered: ${Object.keys(tf.engine().registryFactory).join(', ')})`);
  }
  await tf.ready();
  const now = tf.getBackend();
  if (active?.name === now) return active;
  active = { name: now, threads: 1, provider: `@tensorflow/tfjs (${now}, browser)`, tfjsVersion: tf.version.tfjs };
  return active;
}

export function activeBackend(): BackendInfo | undefined {
  return active;
}
