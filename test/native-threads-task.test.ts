/** A job's nativeThreads (what the coordinator sends so that a queued analysis runs on its thread count) is bounded before use. */
import { describe, expect, it } from 'vitest';
import { useNativeThreads } from '../src/studies/tasks/native-threads.js';

describe('useNativeThreads', () => {
  it('refuses a count outside [1, 1024] or not an integer, naming the job field; leaves the threads alone when absent', () => {
    for (const bad of [0, -1, 1.5, 1025, Number.NaN]) expect(() => useNativeThreads(bad)).toThrow(/nativeThreads must be an integer in \[1, 1024\]/);
    expect(() => useNativeThreads(undefined)).not.toThrow();
  });
});
