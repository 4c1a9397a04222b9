/**
 * The engine's `cpuForm` option: which instruction-set form the native kernels run (native/cpu.h) —
 * 'auto' (the best this CPU runs: avx512, avx2 or portable) or one forced, for tests that check
 * every form this machine can execute and for benchmarks of the forms a user's CPU may have.
 * Process-wide, as the addon is.
 */
import { optionError, unsupportedError } from '../errors.js';
import { CPU_FORMS, loadNativeAddon, type CpuForm, type CpuFormChoice } from './native-addon.js';
import { refreshNativeKernelsInfo } from './native-kernels.js';

export const CPU_FORM_CHOICES: readonly CpuFormChoice[] = ['auto', ...CPU_FORMS];

/** Validate a cpuForm option value. */
export function checkCpuForm(value: unknown): CpuFormChoice {
  if (typeof value !== 'string' || !(CPU_FORM_CHOICES as readonly string[]).includes(value)) {
    throw optionError('cpuForm', `unknown CPU form ${JSON.stringify(value)}; valid: ${CPU_FORM_CHOICES.join(', ')}`);
  }
  return value as CpuFormChoice;
}

/**
 * Run the native kernels in `choice` from now on; returns the form that runs (undefined where the
 * native kernels are not loaded and 'auto' was asked). A forced form this CPU lacks, or one forced
 * without the native kernels, is refused.
 */
export function setNativeCpuForm(choice: CpuFormChoice): CpuForm | undefined {
  const form = checkCpuForm(choice);
  const load = loadNativeAddon();
  if (!load.addon) {
    if (form === 'auto') return undefined;
    throw unsupportedError(`cpuForm ${form} needs the native kernels, which are not loaded: ${load.reason}`);
  }
  const best = load.addon.info().cpuBest;
  if (form !== 'auto' && CPU_FORMS.indexOf(form) < CPU_FORMS.indexOf(best)) {
    throw unsupportedError(`cpuForm ${form}: this CPU runs at most ${best}`);
  }
  const now = load.addon.setCpuForm(form);
  refreshNativeKernelsInfo(load.addon);
  return now;
}
