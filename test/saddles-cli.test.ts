/**
 * `losslens saddles` end to end on fixtures/spiral-tanh (371 parameters, 40 samples): bad options
 * are one line and exit 2 with nothing written; a study killed with SIGKILL keeps its finished
 * starts, and the re-run executes only the rest and writes summary.json (its schema) and figures.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgv, ROOT, runCli, runCliBatch } from './helpers/run-cli.js';

const SPIRAL = path.join(ROOT, 'fixtures/spiral-tanh');
const base = ['saddles', '--model', SPIRAL, '--data', path.join(SPIRAL, 'train.csv'), '--samples', '40', '--backend', 'cpu'];
let tmp = '';
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'saddles-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('saddles: bad options', () => {
  it('each is one line naming the option, exit 2, no study folder', async () => {
    const cases: [string[], RegExp][] = [
      [['--starts', '0'], /starts/],
      [['--grad-tol', '2'], /grad-tol/],
      [['--tau', '0.5', '--taus', '1e-3,1e-4'], /tau/],
      [['--taus', '1e-3,x'], /taus/],
      [['--trajectory-points', '-1'], /trajectory-points/],
      [['--saddle-method', 'nope'], /saddle-method/],
    ];
    // every case is refused before any work: one node process runs them all (runCliBatch) instead of nine starts
    const rs = await runCliBatch([
      ...cases.map(([extra], i) => [...base, ...extra, '--out', path.join(tmp, `bad${i}`)]),
      ['saddles', '--model', path.join(SPIRAL, 'missing.json'), '--data', path.join(SPIRAL, 'train.csv'), '--out', path.join(tmp, 'missing')],
      ['saddles', '--data', path.join(SPIRAL, 'train.csv'), '--out', path.join(tmp, 'nomodel')],
      ['saddles', '--preset', 'fashion-mnist-10', '--model', SPIRAL, '--out', path.join(tmp, 'both')],
    ]);
    cases.forEach(([extra, msg], i) => {
      const r = rs[i];
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), extra.join(' ')).toHaveLength(1);
      expect(r.stderr, extra.join(' ')).toMatch(msg);
      expect(existsSync(path.join(tmp, `bad${i}`))).toBe(false);
    });
    const [missing, noModel, both] = rs.slice(cases.length);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/missing\.json: model\.json not found/)]);
    expect(existsSync(path.join(tmp, 'missing'))).toBe(false);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/model/);
    expect(both.code).toBe(2);
    expect(both.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});

describe('saddles: SIGKILL and resume', () => {
  it('keeps every finished start through a kill; the re-run executes only the rest and writes the summary and figures', async () => {
    const out = path.join(tmp, 'killed');
    const args = [...base, '--starts', '4', '--trajectory-points', '0', '--taus', '1e-3,1e-4', '--max-hvps', '400', '--workers', '2', '--quiet', '--out', out];
    const runs = async () =>
      (await fs.readdir(path.join(out, 'runs')).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !f.endsWith('.failed.json'));
    const killed = await new Promise<{ signal: NodeJS.Signals | null; kept: number }>((resolve, reject) => {
      const child = spawn(process.execPath, cliArgv(args), { cwd: ROOT, stdio: 'ignore' });
      let kept = -1;
      const guard = setTimeout(() => child.kill('SIGKILL'), 240_000);
      const poll = setInterval(async () => {
        const n = (await runs()).length;
        if (kept < 0 && n >= 1) {
          kept = n;
          child.kill('SIGKILL');
        }
      }, 50);
      child.on('error', reject);
      child.on('close', (_code, signal) => {
        clearTimeout(guard);
        clearInterval(poll);
        resolve({ signal, kept });
      });
    });
    expect(killed.signal).toBe('SIGKILL');
    const kept = await runs();
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(4);
    const before = Object.fromEntries(kept.map((f) => [f, readFileSync(path.join(out, 'runs', f), 'utf8')]));
    const resumed = await runCli(
      args.filter((a) => a !== '--quiet'),
      { timeoutMs: 240_000 },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`runs: ${4 - kept.length} executed, ${kept.length} resumed`);
    for (const f of kept) expect(readFileSync(path.join(out, 'runs', f), 'utf8'), `${f} rewritten`).toBe(before[f]);
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(s.criticalPoints).toHaveLength(4);
    for (const p of s.criticalPoints) {
      for (const k of ['start', 'loss', 'accuracy', 'gradNorm', 'gradNormRatio', 'converged', 'hvps', 'index']) expect(p, k).toHaveProperty(k);
      expect(p.index.map((i: { tau: number }) => i.tau)).toEqual([1e-3, 1e-4]);
      for (const i of p.index) {
        expect(i.count.lo).toBeLessThanOrEqual(i.count.hi);
        expect(i.fraction).toBeGreaterThanOrEqual(0);
        expect(i.fraction).toBeLessThanOrEqual(1);
      }
      expect(p.converged).toBe(p.gradNormRatio <= 1e-4);
    }
    expect(s.spearman).toMatchObject({ tau: 1e-3 });
    expect(s.spearman).toHaveProperty('pValue');
    expect(typeof s.finding).toBe('string');
    expect(s.counts.starts).toBe(4);
    for (const f of ['loss-vs-index.png', 'summary.json']) expect(existsSync(path.join(out, f)), f).toBe(true);
  }, 400_000);
});
