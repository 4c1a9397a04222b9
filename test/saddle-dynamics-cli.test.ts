/**
 * `losslens saddle-dynamics` end to end on a tiny MLP (3 → 4 tanh → 2, 26 parameters) written to a
 * temp folder: summary.json and the figure; a run SIGKILLed after its first method resumes with that
 * method kept; bad options exit 2 with one line naming the flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { cliArgv, runCli, runCliBatch, type BatchResult } from './helpers/run-cli.js';
import { writeCheckpoint } from '../src/io/checkpoint-write.js';
import { mlpCheckpoint } from '../src/double-descent/mlp-family.js';
import { createRng } from '../src/random.js';

let tmp: string;
let model: string;
let data: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'losslens-sd-'));
  model = path.join(tmp, 'model');
  const ckpt = mlpCheckpoint({ inputDim: 3, width: 4, classes: 2, loss: 'categoricalCrossentropy' });
  (ckpt.modelTopology as any).config.layers[0].config.activation = 'tanh';
  await writeCheckpoint(model, ckpt);
  const rng = createRng(7);
  const rows = ['x0,x1,x2,label'];
  for (let i = 0; i < 64; i++) {
    const c = i % 2;
    rows.push([...[1, 0.5, -0.5].map((m) => ((c ? 1 : -1) * m + 0.5 * rng.normal()).toFixed(5)), c].join(','));
  }
  data = path.join(tmp, 'train.csv');
  writeFileSync(data, rows.join('\n') + '\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = () => ['saddle-dynamics', '-m', model, '--data', data, '--steps', '40', '--index-every', '20', '--lr', '0.5', '--workers', '1', '--taus', '1e-3'];

describe('losslens saddle-dynamics', () => {
  it('writes summary.json (per method: loss per step, index by τ, finding) and the two-panel figure', async () => {
    const out = path.join(tmp, 'e2e');
    const r = await runCli([...base(), '--methods', 'gd,newton,sfn', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(s.paramCount).toBe(26);
    expect(s.methods.map((m: any) => m.method)).toEqual(['gd', 'newton', 'sfn']);
    for (const m of s.methods) {
      expect(m.loss).toHaveLength(41);
      expect(m.index.map((p: any) => p.step)).toEqual([0, 20, 40]);
      expect(m.index[0].thresholds[0]).toMatchObject({ tau: 1e-3, exact: true });
      // a point where λmax is not above the noise (saturated softmax: H = 0) has no counts, and says so
      for (const p of m.index) expect(p.thresholds.length === 1 || /noise/.test(p.undefinedWhy)).toBe(true);
      expect(m.hvps.index).toBe(3 * 26);
    }
    const [gd, newton, sfn] = s.methods;
    expect(gd.hvps.steps).toBe(0);
    expect(newton.hvps.steps).toBeGreaterThan(0);
    expect(sfn.finding.escaped).toBe(true);
    // Newton stays at the saddle near the origin (index > 0); sfn leaves it for a far lower loss
    expect(newton.finding.escaped).toBe(false);
    expect(newton.finding.endIndex.estimate).toBeGreaterThan(0);
    expect(sfn.finding.finalLoss).toBeLessThan(0.1 * newton.finding.finalLoss);
    expect(s.finding).toMatch(/^gd: .* newton: .* sfn: /);
    const png = PNG.sync.read(readFileSync(path.join(out, 'saddle-dynamics.png')));
    expect([png.width, png.height]).toEqual([800, 600]);
  }, 240_000);

  it('keeps the methods finished before a SIGKILL and runs only the rest', async () => {
    const out = path.join(tmp, 'killed');
    const args = [...base(), '--methods', 'gd,momentum,sfn', '-o', out];
    let stderr = '';
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, cliArgv(args), { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (d) => (stderr += d));
      const poll = setInterval(() => existsSync(path.join(out, 'runs', 'gd.json')) && child.kill('SIGKILL'), 50);
      child.on('close', () => {
        clearInterval(poll);
        resolve();
      });
    });
    expect(existsSync(path.join(out, 'runs', 'gd.json')), stderr).toBe(true);
    const kept = readFileSync(path.join(out, 'runs', 'gd.json'), 'utf8');
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/runs: [0-2] executed, [1-3] resumed/);
    expect(readFileSync(path.join(out, 'runs', 'gd.json'), 'utf8')).toBe(kept);
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).methods).toHaveLength(3);
  }, 240_000);
});

// refusals come before any work, so they share one node process (runCliBatch): one start instead of seven
describe('losslens saddle-dynamics refuses bad options', () => {
  const REFUSALS: [string[], RegExp][] = [
    [['--methods', 'gd,adam'], /--methods: unknown method "adam"/],
    [['--krylov-dim', '0'], /--krylov-dim/],
    [['--sfn-dampings', '0.1,-1'], /--sfn-dampings/],
    [['--taus', '2'], /--taus/],
    [['--init-scale', '0'], /--init-scale/],
    [['--start', 'nowhere'], /start/],
    [['--test-data', 'x.csv'], /--test-data: is not used/],
  ];
  let results: BatchResult[];
  beforeAll(async () => {
    results = await runCliBatch(REFUSALS.map(([extra], i) => [...base(), ...extra, '-o', path.join(tmp, `bad-${i}`)]));
  }, 120_000);

  it.each(REFUSALS.map(([extra, msg], i) => [extra, msg, i] as const))('refuses %j with exit 2 and one line', (_extra, msg, i) => {
    const r = results[i];
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(msg);
    expect(existsSync(path.join(tmp, `bad-${i}`))).toBe(false);
  });
});
