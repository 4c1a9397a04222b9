/**
 * Checkpoints edited or built in a temp folder for CLI tests of odd configs, and the two outcomes
 * those tests check: a refusal (exit 2, one stderr line, no --out folder) or an eval's loss.
 */
import { expect } from 'vitest';
import { promises as fs, existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runCli, runCliBatch } from './run-cli.js';

export const FIX = path.join(ROOT, 'fixtures');
let tmp: string | undefined;

/** This test file's temp folder (made on first use). */
export function tmpDir(): string {
  tmp ??= mkdtempSync(path.join(os.tmpdir(), 'losslens-odd-'));
  return tmp;
}

/** A copy of a fixture's model.json + weights.bin in a new folder, with `edit` applied to the JSON. */
export async function editedModel(name: string, from: string, edit: (j: any) => void): Promise<string> {
  const dir = path.join(tmpDir(), name.replace(/[^a-z0-9]+/gi, '_'));
  await fs.mkdir(dir, { recursive: true });
  const j = JSON.parse(await fs.readFile(path.join(from, 'model.json'), 'utf8'));
  edit(j);
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(j));
  await fs.copyFile(path.join(from, 'weights.bin'), path.join(dir, 'weights.bin'));
  return dir;
}

export const topology = (j: any) => j.modelTopology.model_config ?? j.modelTopology;

export interface RefusalCase {
  label: string;
  args: string[];
  want: RegExp[];
}

/** Each case: exit 2, one stderr line "losslens: <file or option>: <problem>" matching `want`, no --out folder. */
export async function expectRefused(cases: RefusalCase[]): Promise<void> {
  // refusals share one process (runCliBatch; test/cli-batch.test.ts holds it to separate processes)
  const outs = cases.map((c, i) => path.join(tmpDir(), `out-${i}-${c.label.replace(/[^a-z0-9]+/gi, '_')}`));
  const rs = await runCliBatch(cases.map((c, i) => [...c.args, '--out', outs[i], '--quiet', '--backend', 'cpu']));
  const results = rs.map((r, i) => ({ r, out: outs[i] }));
  cases.forEach((c, i) => {
    const { r, out } = results[i];
    const where = `${c.label}: exit ${r.code}: ${r.stderr}`;
    expect(r.code, where).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, where).toHaveLength(1);
    expect(lines[0], where).toMatch(/^losslens: \S.*: \S/);
    for (const p of c.want) expect(lines[0], where).toMatch(p);
    expect(existsSync(out), where).toBe(false);
  });
}

/** `losslens eval` of `dir` on `data`: its summary's loss (the run must succeed). */
export async function evalLoss(dir: string, data: string): Promise<number> {
  const out = path.join(tmpDir(), `eval-${path.basename(dir)}`);
  const r = await runCli(['eval', '--model', dir, '--data', data, '--out', out, '--quiet', '--backend', 'cpu']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')).loss;
}
