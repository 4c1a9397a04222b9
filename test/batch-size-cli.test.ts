/** `losslens batch-size` end to end on the spiral fixture: summary, figures, resume; bad options refused in one line, nothing written. */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { runCli, runCliBatch, type CliResult } from './helpers/run-cli.js';

const F = 'fixtures/spiral-tanh';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'losslens-batch-cli-'));
const base = [
  'batch-size',
  '--model',
  F,
  '--data',
  `${F}/train.csv`,
  '--test-data',
  `${F}/test.csv`,
  '--seeds',
  '2',
  '--epochs',
  '1',
  '--backend',
  'cpu',
  '--lanczos-iter',
  '4',
  '--trace-probes',
  '2',
  '--directions',
  '2',
  '--slice-points',
  '9',
  '--slice-direction-points',
  '5',
  '--quiet',
];

describe('losslens batch-size', () => {
  it('writes a summary with every batch size and figures that decode; a re-run resumes every run', async () => {
    const out = path.join(tmp, 'study');
    const args = [...base, '--batch-sizes', '64,8,16', '--lr-scaling', 'sqrt', '--lr', '0.02', '--workers', '2', '--out', out];
    const r = await runCli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^batch\s+lr\s+runs\s+steps/);
    expect(r.stdout).toMatch(/runs: 6 executed, 0 resumed/);
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(s.batchSizes.map((g: { batchSize: number; runs: unknown[] }) => [g.batchSize, g.runs.length])).toEqual([
      [8, 2],
      [16, 2],
      [64, 2],
    ]);
    expect(s.baseBatchSize).toBe(8);
    for (const g of s.batchSizes) expect(g.lr).toBeCloseTo(0.02 * Math.sqrt(g.batchSize / 8), 12);
    expect([s.slices.small.batchSize, s.slices.large.batchSize]).toEqual([8, 64]);
    for (const f of s.files.filter((x: string) => x.endsWith('.png'))) {
      const png = PNG.sync.read(readFileSync(path.join(out, f)));
      expect([png.width, png.height]).toEqual([800, 600]);
    }
    expect(s.files).toEqual(
      expect.arrayContaining(['sharpness-vs-batch-size.png', 'gap-vs-sharpness.png', 'interpolation-small-large.png', 'random-slices-small-large.png']),
    );
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/runs: 0 executed, 6 resumed/);
  }, 120_000);

  const BAD: [string[], RegExp][] = [
    [['--batch-sizes', '0,16'], /^losslens: option --batch-sizes: each value must be an integer ≥ 1 and ≤ 1048576, got 0$/],
    [['--batch-sizes', '16,16'], /^losslens: option --batch-sizes: batch sizes must be distinct, got 16,16$/],
    [['--batch-sizes', '16,x'], /^losslens: option --batch-sizes: /],
    [['--batch-size', '32'], /^losslens: option --batch-size: is set per run by this study; give --batch-sizes$/],
    [['--base-batch-size', '0'], /^losslens: option --base-batch-size: must be an integer ≥ 1/],
    [['--slice-range', '1:0'], /^losslens: option --slice-range: lower end 1 must be below upper end 0$/],
    [['--slice-directions', '101'], /^losslens: option --slice-directions: must be an integer ≥ 0 and ≤ 100, got 101$/],
    [['--lr-scaling', 'cubic'], /lr-scaling/],
  ];
  const outOf = (i: number) => path.join(tmp, `bad-${i}`);
  let refused: CliResult[] = [];
  // the refusals share one process (runCliBatch; test/cli-batch.test.ts holds it to separate processes)
  beforeAll(async () => {
    refused = await runCliBatch(BAD.map(([extra], i) => [...base, ...extra, '--out', outOf(i)]));
  }, 60_000);

  it.each(BAD.map(([extra, re], i) => [extra, re, i] as const))('%j: one line, exit 2, no study folder', (_extra, re, i) => {
    const r = refused[i];
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(re);
    expect(existsSync(outOf(i))).toBe(false);
  });
});
