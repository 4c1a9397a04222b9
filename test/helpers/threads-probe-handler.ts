/**
 * A tfjs-free handler that reports the native kernels' thread count of the thread it runs in
 * (null where no addon loads): what the job envelope's nativeThreads must have set before it ran.
 */
import { loadNativeAddon } from '../../src/kernels/native-addon.js';

export async function runTask(): Promise<{ threads: number | null }> {
  const load = loadNativeAddon();
  return { threads: load.addon ? load.addon.info().threads : null };
}
