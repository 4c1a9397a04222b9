/**
 * The environment is read in one place: src/config.ts. Every other module asks readConfig() (or
 * takes an explicit option), so the switches a user can set are the ones docs/configuration.md lists.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readConfig } from '../src/config.js';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : /\.c?ts$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );

describe('configuration', () => {
  it('no module under src/ but config.ts reads process.env', () => {
    const readers = sources('src').filter(
      (f) => f !== path.join('src', 'config.ts') && /process\??\.env\b/.test(readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')),
    );
    expect(readers).toEqual([]);
  });

  it('parses each variable to its typed field, ignoring values out of range', () => {
    expect(readConfig({})).toMatchObject({
      native: true,
      ownGemm: true,
      poolKernels: true,
      maxParams: 2 ** 26,
      maxActivations: 2 ** 25,
      tape: { hvp: false, grad: false },
    });
    const c = readConfig({
      LOSSLENS_NATIVE: '0',
      LOSSLENS_NATIVE_THREADS: '3',
      LOSSLENS_MAX_PARAMS: '1000',
      LOSSLENS_HVP: 'tape',
      LOSSLENS_POOL_GRAD: 'ops',
      REDIS_URL: 'redis://h:1',
    });
    expect(c).toMatchObject({
      native: false,
      nativeThreads: 3,
      maxParams: 1000,
      tape: { hvp: true, grad: false },
      poolKernels: false,
      redisUrl: 'redis://h:1',
    });
    expect(readConfig({ LOSSLENS_NATIVE_THREADS: '5000', LOSSLENS_MAX_PARAMS: '-1', REDIS_URL: '' })).toMatchObject({
      nativeThreads: undefined,
      maxParams: 2 ** 26,
      redisUrl: undefined,
    });
  });
});
