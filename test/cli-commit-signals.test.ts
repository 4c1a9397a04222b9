/**
 * SIGINT and SIGKILL at each phase of a report's commit, hit deterministically through the
 * commit-phase observer (src/io/commit-phases.ts, preloaded by pausedCliArgv): after a report file is written, when the
 * commit starts, after its manifest, after the old report was moved aside, after the new one was
 * renamed in. Promises held:
 * - SIGINT: exit 130 with one "interrupted" line; `--out` is absent or a complete report (a commit
 *   under way is finished, never torn); a --force replace leaves the old or the new report, and
 *   no `.partial-`/`.old-` sibling remains.
 * - SIGKILL: the old or the new report survives on disk (never neither); the next run to the same
 *   --out sweeps the dead process's leftovers (moving an old report back if the new one never
 *   landed) and succeeds, leaving one complete report and no siblings.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runCli, pausedCliArgv } from './helpers/run-cli.js';

const SPIRAL = path.join(ROOT, 'fixtures/spiral-tanh');
const ARGS = ['eval', '--model', SPIRAL, '--data', path.join(SPIRAL, 'train.csv'), '--quiet', '--backend', 'cpu'];
const MANIFEST = '.losslens-report.json';
let tmp: string;
let base: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-signals-'));
  base = path.join(tmp, 'base');
  const r = await runCli([...ARGS, '--out', base]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

/** Run the CLI paused at `phase`; send `signal` as soon as it says it is there. */
function interruptAt(
  phase: string,
  signal: NodeJS.Signals,
  out: string,
  force: boolean,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, pausedCliArgv([...ARGS, '--out', out, ...(force ? ['--force'] : [])], [phase], 800), {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stderr = '';
    let sent = false;
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && stderr.includes(`losslens-test: paused at ${phase}`)) {
        sent = true;
        child.kill(signal);
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(guard);
      if (!sent) reject(new Error(`never reached phase ${phase}: ${stderr}`));
      else resolve({ code, signal: sig, stderr });
    });
  });
}

/** 'old', 'new' or undefined: which complete report `dir` holds (every manifest entry present). */
function reportAt(dir: string): 'old' | 'new' | undefined {
  if (!existsSync(path.join(dir, MANIFEST))) return undefined;
  const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8'));
  if (m.tool !== 'losslens' || m.staging || !Array.isArray(m.entries)) return undefined;
  if (!m.entries.every((e: string) => existsSync(path.join(dir, e)))) return undefined;
  if (readdirSync(dir).some((e) => e !== MANIFEST && !m.entries.includes(e))) return undefined;
  const s = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  return s.old === true ? 'old' : s.meta ? 'new' : undefined;
}

const siblings = (out: string) => readdirSync(path.dirname(out)).filter((n) => n.startsWith(`${path.basename(out)}.`));

/** A copy of the base report at `out`, its summary marked as the old one. */
async function oldReport(out: string): Promise<void> {
  await fs.cp(base, out, { recursive: true });
  const text = JSON.stringify({ old: true });
  await fs.writeFile(path.join(out, 'summary.json'), text);
  // --force replaces only files whose content hash the manifest records: record the marked summary's
  const m = JSON.parse(readFileSync(path.join(out, MANIFEST), 'utf8'));
  for (const f of m.files) if (f.path === 'summary.json') Object.assign(f, { bytes: text.length, sha256: createHash('sha256').update(text).digest('hex') });
  await fs.writeFile(path.join(out, MANIFEST), JSON.stringify(m));
}

async function parallel<T>(jobs: (() => Promise<T>)[], limit = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

const FRESH_PHASES = ['write:summary.json', 'commit', 'manifest'];
const REPLACE_PHASES = ['write:summary.json', 'commit', 'manifest', 'aside', 'renamed'];

describe('SIGINT during a report commit', () => {
  it('exits 130 leaving no report or the complete one, and a --force replace keeps the old or the new report', async () => {
    const cases = [...FRESH_PHASES.map((phase) => ({ phase, force: false })), ...REPLACE_PHASES.map((phase) => ({ phase, force: true }))];
    const results = await parallel(
      cases.map((c, i) => async () => {
        const out = path.join(tmp, `int-${i}`);
        if (c.force) await oldReport(out);
        return { ...c, out, r: await interruptAt(c.phase, 'SIGINT', out, c.force) };
      }),
    );
    for (const { phase, force, out, r } of results) {
      const where = `SIGINT at ${phase}${force ? ' (--force replace)' : ''}: ${r.stderr}`;
      expect(r.code, where).toBe(130);
      const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('losslens-test:'));
      expect(lines, where).toEqual([expect.stringMatching(/^losslens: interrupted \(SIGINT\)/)]);
      expect(siblings(out), where).toEqual([]);
      const held = reportAt(out);
      if (phase === 'write:summary.json') expect(held, where).toBe(force ? 'old' : undefined);
      else expect(held, where).toBe('new'); // a commit under way is completed before exiting
      if (!force && held === undefined) expect(existsSync(out), where).toBe(false);
    }
  }, 240_000);
});

describe('SIGKILL during a report commit', () => {
  it('never loses both reports, and the next run sweeps the dead staging and succeeds', async () => {
    const results = await parallel(
      REPLACE_PHASES.map((phase, i) => async () => {
        const out = path.join(tmp, `kill-${i}`);
        await oldReport(out);
        const r = await interruptAt(phase, 'SIGKILL', out, true);
        const left = siblings(out);
        const survivors = [out, ...left.map((n) => path.join(tmp, n))].map(reportAt).filter(Boolean);
        const outExisted = existsSync(out);
        const again = await runCli([...ARGS, '--out', out, '--force']);
        return { phase, out, r, left, survivors, outExisted, again };
      }),
    );
    for (const { phase, out, r, left, survivors, outExisted, again } of results) {
      const where = `SIGKILL at ${phase}: left ${left.join(', ')}; rerun: ${again.stderr}`;
      expect(r.signal, where).toBe('SIGKILL');
      expect(left.length, where).toBeGreaterThan(0); // the dead process's staging (and maybe the old report) stayed
      expect(survivors.length, where).toBeGreaterThan(0); // old or new, never neither
      if (phase === 'aside') expect(outExisted, where).toBe(false); // only a sweep can bring the old one back
      expect(again.code, where).toBe(0);
      expect(reportAt(out), where).toBe('new');
      expect(siblings(out), where).toEqual([]);
    }
  }, 240_000);

  it('a sweep moves an old report back when its replacement never landed', async () => {
    const out = path.join(tmp, 'restore');
    await oldReport(out);
    await interruptAt('aside', 'SIGKILL', out, true);
    expect(existsSync(out)).toBe(false);
    // a run that is refused after the sweep (the old report is back, no --force) shows the restore
    const refused = await runCli([...ARGS, '--out', out]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/output folder exists; pass --force/);
    expect(reportAt(out)).toBe('old');
    expect(siblings(out)).toEqual([]);
  }, 120_000);
});
