/** The text `losslens train --track-sharpness` prints: the tracked steps (thinned) and the finding. */
import type { SharpnessHistory } from '../train/sharpness-tracker.js';
import type { SharpnessFinding } from '../train/sharpness-finding.js';
import { formatTable, num } from './text-table.js';

export function sharpnessDigest(h: SharpnessHistory, f: SharpnessFinding): string {
  const n = h.step.length;
  const pick = n <= 12 ? [...h.step.keys()] : [...Array(4).keys(), ...Array.from({ length: 8 }, (_, k) => n - 8 + k)];
  const pre = h.preconditioned;
  const rows = pick.map((i) => [
    h.step[i],
    num(h.lr[i]),
    num(h.lambdaMax[i]) + (h.converged[i] ? '' : '?'),
    num(h.residual[i], 2),
    ...(pre ? [num(pre.lambdaMax[i])] : []),
    num(h.twoOverLr[i]),
    ...(h.rule.formula !== '2/η' ? [num(h.threshold[i])] : []),
  ]);
  if (pick.length < n) rows.splice(4, 0, ['…', '', '', '', ...(pre ? [''] : []), '', ...(h.rule.formula !== '2/η' ? [''] : [])]);
  const head = [
    'step',
    'lr',
    'λmax(H)',
    'residual',
    ...(pre ? ['λmax(P⁻¹H)'] : []),
    '2/η',
    ...(h.rule.formula !== '2/η' ? [h.rule.formula.split(',')[0]] : []),
  ];
  const on =
    h.objective.kind === 'full-batch' ? `the full batch (${h.objective.samples} samples)` : `a fixed seeded subset of ${h.objective.samples} training samples`;
  return [
    formatTable(head, rows),
    `sharpness on ${on}, ${h.objective.mode}; ${h.matvecs.reduce((a, b) => a + b, 0)} HVPs in all ("?" = not converged within ${h.options.iterations} Lanczos steps)`,
    `[${f.severity}] ${f.code}: ${f.message}`,
    ...(f.severity === 'warning' ? [`    ${f.remedy}`] : []),
  ].join('\n');
}
