/**
 * mixSeed (src/random.ts), the one stream-seed mix that weight initialisation, dropout/noise
 * masks and the random-features study draw from: its values are pinned (a change would silently
 * change every initialised checkpoint and every study's data), and its streams do not collide.
 */
import { describe, expect, it } from 'vitest';
import { mixSeed } from '../src/random.js';
import { mixSeed as trainMixSeed } from '../src/train/initialize.js';

describe('mixSeed', () => {
  it('gives the pinned values (the streams every seeded run was drawn from)', () => {
    expect([mixSeed(0), mixSeed(0, 0), mixSeed(1, 2), mixSeed(42, 7, 3), mixSeed(-1, 2 ** 32 + 5)]).toEqual([
      -1640531527, 493009611, 1007616808, 2617645598, 2026044452,
    ]);
  });

  it('is the function train/initialize exports', () => {
    expect(trainMixSeed).toBe(mixSeed);
  });

  it('gives each weight of one run its own 32-bit stream: (seed, i) and (seed, step, i) distinct over i < 10⁴', () => {
    for (const seed of [0, 7, 2 ** 31]) {
      const one = new Set(Array.from({ length: 10_000 }, (_, i) => mixSeed(seed, i)));
      const two = new Set(Array.from({ length: 10_000 }, (_, i) => mixSeed(seed, 3, i)));
      expect([one.size, two.size]).toEqual([10_000, 10_000]);
      expect([...one, ...two].every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
    }
  });
});
