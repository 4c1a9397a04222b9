/**
 * The native addon in the browser bundle (swapped for src/kernels/native-addon.ts by scripts/build-browser.mjs):
 * a page cannot load a Node-API addon, so it is never loaded and every caller takes its JavaScript path, as in
 * Node where the addon is not built.
 */
import { unsupportedError } from '../../errors.js';
import type { AddonLoad } from '../../kernels/native-addon.js';

export const CPU_FORMS = ['avx512', 'avx2', 'portable'] as const;

/** Not loaded: the reason every caller reports. */
export function loadNativeAddon(): AddonLoad {
  return { reason: 'native kernels need Node (this is the browser build)' };
}

export function setNativeAddonFile(file: string): void {
  throw unsupportedError(`native addon ${file}: a browser cannot load a Node-API addon`);
}
