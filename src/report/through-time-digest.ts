/** The table `losslens gradients` prints for the gradients through time of recurrent layers (through-time.ts); their findings are in the findings list. */
import type { ThroughTime } from '../gradients/through-time.js';
import { siteLabel } from '../gradients/through-time.js';
import { formatTable, num } from './text-table.js';

/** Five steps spread over 1 … T (fewer when T < 5): the columns of the digest's table. */
export function sampledSteps(T: number): number[] {
  return [...new Set([1, Math.round(T / 4), Math.round(T / 2), Math.round((3 * T) / 4), T].filter((t) => t >= 1))];
}

/**
 * An empty line, the measure, and a table of ‖∂ℓ/∂h_t‖ at five steps with the first/last ratio and
 * the recurrent kernel's gradient norm, one row per recurrent layer and direction.
 */
export function throughTimeDigest(tt: ThroughTime): string {
  const T = Math.max(...tt.layers.map((l) => l.steps.length));
  const cols = sampledSteps(T);
  const rows = tt.layers.map((l) => [
    siteLabel(l, tt.layers),
    ...cols.map((t) => (l.steps[t - 1] ? num(l.steps[t - 1]!.norm, 3) : '')),
    num(l.ratioFirstToLast, 3),
    num(l.perStep, 3),
    l.recurrentKernelGrad ? `${num(l.recurrentKernelGrad.mean, 3)} ± ${num(l.recurrentKernelGrad.std, 2)}` : '',
  ]);
  return [
    '',
    `gradient through time: ${tt.measure}; t in processing order (1 = first step run)`,
    formatTable(['layer', ...cols.map((t) => `t=${t}`), 'first/last', 'per step', '‖∂L/∂R‖ (recurrent kernel)'], rows),
  ].join('\n');
}
