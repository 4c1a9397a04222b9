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
      493009611, 4289745439, 4017857470, 680212242, 3813939402,
    ]);
  });

  it('gives different run seeds different streams: (seed, i) distinct over seeds < 100 and weights < 100', () => {
    // the collision it guards: seed and first part xor-ed unmixed made mixSeed(0, 1) = mixSeed(1, 0),
    // so a seeds study's members drew correlated initialisations for weights of one shape
    const all = new Set<number>();
    for (let seed = 0; seed < 100; seed++) for (let i = 0; i < 100; i++) all.add(mixSeed(seed, i));
    expect(all.size).toBe(10_000);
    expect(mixSeed(0, 1)).not.toBe(mixSeed(1, 0));
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
