/**
 * What the SLQ probes give besides the density, at no extra matvec: a trace estimate from
 * their first moments and bounds on the extreme eigenvalues.
 *
 * - For a unit probe v, Σᵢ wᵢθᵢ = e₁ᵀTe₁ = vᵀHv, and for v uniform on the sphere (a normalised
 *   Gaussian) E[n·vᵀHv] = tr(H): per-probe samples n·Σᵢ wᵢθᵢ, mean and stderr over probes.
 * - Ritz values lie inside the spectrum: λmax ≥ max over probes of the largest node, and
 *   λmin ≤ min over probes of the smallest node (Cauchy interlacing).
 */
import type { SlqResult } from './slq-density.js';

/** What an SLQ density adds to the summary: its first-moment trace estimate and the bounds on λmax and λmin its nodes give. */
export interface SlqSummary {
  trace: { estimate: number; stderr: number | null; probes: number; method: 'slq-first-moment' };
  extremeBounds: { lambdaMaxAtLeast: number; lambdaMinAtMost: number; definition: string };
}

export function slqSummary(slq: Pick<SlqResult, 'nodes' | 'weights'>, dim: number): SlqSummary {
  const samples = slq.nodes.map((ns, p) => dim * ns.reduce((a, t, i) => a + slq.weights[p][i] * t, 0));
  const n = samples.length;
  const estimate = samples.reduce((a, b) => a + b, 0) / n;
  const stderr = n > 1 ? Math.sqrt(samples.reduce((a, b) => a + (b - estimate) ** 2, 0) / (n - 1) / n) : null;
  return {
    trace: { estimate, stderr, probes: n, method: 'slq-first-moment' },
    extremeBounds: {
      lambdaMaxAtLeast: Math.max(...slq.nodes.map((ns) => ns[ns.length - 1])),
      lambdaMinAtMost: Math.min(...slq.nodes.map((ns) => ns[0])),
      definition: 'Ritz values of each SLQ probe lie inside the spectrum: λmax ≥ the largest node, λmin ≤ the smallest node over all probes',
    },
  };
}
