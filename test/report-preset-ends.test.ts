/** The report's preset top/bottom counts shrink on models with fewer parameters than they ask for (a 4-parameter model has 4 eigenvalues). */
import { describe, expect, it } from 'vitest';
import { presetEnds } from '../src/pipelines/report-parts.js';

describe('presetEnds', () => {
  it('keeps the preset where the model has room, and never asks for more eigenvalues than parameters', () => {
    expect(presetEnds({ top: 3, bottom: 3, probes: 20 }, 5000)).toEqual({ top: 3, bottom: 3, probes: 20 });
    expect(presetEnds({ top: 3, bottom: 3 }, 4)).toEqual({ top: 2, bottom: 2 });
    expect(presetEnds({ top: 3, bottom: 3 }, 5)).toEqual({ top: 3, bottom: 2 });
    expect(presetEnds({ top: 10, bottom: 10 }, 1)).toEqual({ top: 1, bottom: 0 });
    for (let dim = 1; dim < 30; dim++) {
      const r = presetEnds({ top: 10, bottom: 10 }, dim);
      expect(r.top + r.bottom).toBeLessThanOrEqual(dim);
      expect(r.top).toBeGreaterThanOrEqual(1);
    }
  });
});
