import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { PNG } from 'pngjs';
import * as cmd from '../cli/commands/double-descent.js';
import { addLabelNoise } from '../src/double-descent/label-noise.js';
import { mlpBundle, mlpParams } from '../src/double-descent/mlp-family.js';
import { selectBackend } from '../src/engine/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run the command module through yargs (cli/main.ts registers it the same way); returns stdout. */
async function run(argv: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  try {
    await yargs(['double-descent', ...argv, '--quiet'])
      .option('quiet', { type: 'boolean' })
      .command(cmd as never)
      .strict()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync();
  } finally {
    spy.mockRestore();
  }
  return out;
}
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const png = (f: string) => PNG.sync.read(readFileSync(f));

describe('label noise and the MLP family', () => {
  it('flips exactly round(f·n) labels, each to a different class, reproducibly', () => {
    const y = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
    const a = addLabelNoise(y, 10, 0.2, 5);
    expect(a.flipped.length).toBe(200);
    for (const i of a.flipped) expect(a.labels[i]).not.toBe(y[i]);
    expect([...a.labels].filter((v, i) => v !== y[i]).length).toBe(200);
    expect(addLabelNoise(y, 10, 0.2, 5).labels).toEqual(a.labels);
    expect(addLabelNoise(y, 10, 0.2, 6).labels).not.toEqual(a.labels);
    expect(() => addLabelNoise(y, 10, 1.5, 0)).toThrow(/labelNoise/);
  });

  it('the width-w member has w(d+1) + K(w+1) parameters', async () => {
    await selectBackend('cpu');
    expect(mlpBundle({ inputDim: 16, width: 57, classes: 4, loss: 'meanSquaredError' }).layout.dim).toBe(mlpParams(16, 57, 4));
    expect(mlpParams(16, 57, 4)).toBe(1201);
  });
});

describe('losslens double-descent', () => {
  it('--mode rf shows the peak at p = n in seconds; summary and figure decode', async () => {
    const out = path.join(tmp, 'rf');
    const started = Date.now();
    const stdout = await run(['--mode', 'rf', '--n-train', '60', '--widths', '6:600:9', '--seeds', '3', '--out', out]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(stdout).toMatch(/double descent observed: yes/);
    const s = json(path.join(out, 'summary.json'));
    expect(s.peak.width).toBe(60);
    expect(s.threshold.params).toBe(60);
    expect(s.doubleDescentObserved).toBe(true);
    expect(s.files).toContain('double-descent.png');
    expect([png(path.join(out, 'double-descent.png')).width, png(path.join(out, 'double-descent.png')).height]).toEqual([800, 600]);
  });

  it('a tiny model-wise sweep on the fixture finishes, decodes, and resumes without re-running', async () => {
    const out = path.join(tmp, 'model');
    const argv = [
      '--data',
      'fixtures/double-descent',
      '--test-data',
      'fixtures/double-descent/test',
      '--samples',
      '60',
      '--widths',
      '2,16',
      '--seeds',
      '2',
      '--epochs',
      '6',
      '--eval-every',
      '2',
      '--loss',
      'mse',
      '--workers',
      '1',
      '--backend',
      'cpu',
      '--out',
      out,
    ];
    const first = await run(argv);
    expect(first).toMatch(/runs: 4 executed, 0 resumed/);
    const s = json(path.join(out, 'summary.json'));
    expect(s.points.map((p: { width: number; params: number }) => [p.width, p.params])).toEqual([
      [2, mlpParams(16, 2, 4)],
      [16, mlpParams(16, 16, 4)],
    ]);
    expect(s.labelNoise).toBe(0.2);
    expect(s.threshold.expectedParams).toBe(240);
    expect(s.runList).toHaveLength(4);
    for (const r of s.runList) expect(r.testError).toBeGreaterThanOrEqual(0);
    expect(s.epochwise[0].epoch).toEqual([0, 2, 4, 6]);
    expect(typeof s.secondDescent.observed).toBe('boolean');
    for (const f of ['double-descent.png', 'epochwise.png']) expect(png(path.join(out, f)).width).toBe(800);
    expect(existsSync(path.join(out, 'runs', 'w16-seed01.json'))).toBe(true);
    const again = await run(argv);
    expect(again).toMatch(/runs: 0 executed, 4 resumed/);
  }, 60_000);

  it('refuses a sweep without data, naming the option', async () => {
    await expect(run(['--out', path.join(tmp, 'none')])).rejects.toThrow(/data/);
    await expect(run(['--mode', 'rf', '--widths', '4,x', '--out', path.join(tmp, 'bad')])).rejects.toThrow(/widths/);
  });
});
