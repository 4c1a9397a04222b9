/**
 * Every command through the real CLI, one test per class of bad input: a missing checkpoint, a bad
 * dataset, out-of-range numbers, unknown enum values (the message lists the valid ones), an
 * existing output folder (refused without --force, user files untouched; studies: a changed
 * config), and Ctrl-C (exit 130, one line, no staging folder or temp file, finished runs kept).
 * Each failure is exactly one stderr line "losslens: <file or option>: <problem>" with exit 2,
 * and leaves no output folder. The refusals run in one batch process (runCliBatch: the CLI's
 * main module re-evaluated per case; test/cli-batch.test.ts holds it to separate processes).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { promises as fs, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, runCliBatch, ROOT, type CliResult, cliArgv } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures');
const MLP = path.join(FIX, 'mlp-relu');
const DD = path.join(FIX, 'double-descent');
const WRONG_WIDTH = path.join(FIX, 'spiral-tanh/train.csv'); // 2 features; mlp-relu wants 64
const tmp = mkdtempSync(path.join(os.tmpdir(), 'losslens-robust-'));

type Case = [label: string, args: string[], ...patterns: RegExp[]];

/** Commands that write a report or study take --out; info does not. */
const takesOut = (args: string[]) => args[0] !== 'info';
const outOf = (label: string, i: number) => path.join(tmp, `out-${i}-${label.replace(/[^a-z0-9]+/gi, '_')}`);

/** Every refusal of this file, run in one batch before the tests read their results. */
const ALL: string[][] = [];
const results = new Map<string[], CliResult>();
let siblings: string[] = [];
/** Queue `args` for the batch (the same array is the key of its result). */
const queued = (args: string[]) => (ALL.push(args), args);

/** Each case: exit 2, one stderr line "losslens: …" matching every pattern, and no --out folder or sibling. */
function badCases(cases: Case[]): () => void {
  const outs = cases.map(([label]) => outOf(label, ALL.length));
  const argvs = cases.map(([, args], i) => queued([...args, ...(takesOut(args) ? ['--out', outs[i]] : []), '--quiet', '--backend', 'cpu']));
  return () =>
    cases.forEach(([label, , ...patterns], i) => {
      const r = results.get(argvs[i])!;
      const out = outs[i];
      const where = `${label}: ${r.stderr}`;
      expect(r.code, where).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, where).toHaveLength(1);
      expect(lines[0], where).toMatch(/^losslens: \S.*: \S/);
      for (const p of patterns) expect(lines[0], where).toMatch(p);
      expect(existsSync(out), where).toBe(false);
      expect(
        siblings.filter((s) => s.startsWith(path.basename(out))),
        where,
      ).toEqual([]);
    });
}

beforeAll(async () => {
  const rs = await runCliBatch(ALL);
  ALL.forEach((args, i) => results.set(args, rs[i]));
  siblings = await fs.readdir(tmp);
}, 120_000);

const mlpData = ['--data', MLP];
const ddData = ['--data', DD, '--test-data', path.join(DD, 'test')];

describe('every command refuses bad input with one line and exit 2', () => {
  const gone = path.join(os.tmpdir(), 'losslens-no-such-model');
  const named = /losslens-no-such-model/;
  it(
    'a missing checkpoint',
    badCases([
      ['info', ['info', '--model', gone], named, /not found/],
      ['eval', ['eval', '--model', gone, ...mlpData], named],
      ['hessian', ['hessian', '--model', gone, ...mlpData], named],
      ['slice', ['slice', '--model', gone, ...mlpData], named],
      ['interpolate --from', ['interpolate', '--from', gone, '--to', MLP, ...mlpData], named],
      ['interpolate --to', ['interpolate', '--from', MLP, '--to', gone, ...mlpData], named],
      ['gradients', ['gradients', '--model', gone, ...mlpData], named],
      ['train', ['train', '--model', gone, ...mlpData], named],
      ['seeds', ['seeds', '--model', gone, ...mlpData], named],
      ['optimizers', ['optimizers', '--model', gone, ...mlpData], named],
    ]),
  );

  const goneCsv = path.join(tmp, 'missing.csv');
  const width = /train\.csv.*expects input shape/;
  it(
    'a bad dataset (missing, or not matching the model)',
    badCases([
      ['eval', ['eval', '--model', MLP, '--data', WRONG_WIDTH], width],
      ['hessian', ['hessian', '--model', MLP, '--data', goneCsv], /missing\.csv/, /not found/],
      ['slice', ['slice', '--model', MLP, '--data', WRONG_WIDTH], width],
      ['interpolate', ['interpolate', '--from', MLP, '--to', MLP, '--data', WRONG_WIDTH], width],
      ['gradients', ['gradients', '--model', MLP, '--data', WRONG_WIDTH], width],
      ['train', ['train', '--model', MLP, '--data', goneCsv], /missing\.csv/],
      ['seeds', ['seeds', '--model', MLP, '--data', WRONG_WIDTH], width],
      ['optimizers', ['optimizers', '--model', MLP, '--data', goneCsv], /missing\.csv/],
      ['double-descent', ['double-descent', '--data', goneCsv, '--test-data', path.join(DD, 'test')], /missing\.csv/],
      ['slice test data', ['slice', '--model', MLP, ...mlpData, '--test-data', WRONG_WIDTH], width],
    ]),
  );

  const m = ['--model', MLP, ...mlpData];
  it(
    'out-of-range numeric options',
    badCases([
      ['eval --batch-size 0', ['eval', ...m, '--batch-size', '0'], /--batch-size/],
      ['eval --workers 0', ['eval', ...m, '--workers', '0'], /--workers/],
      ['eval --samples 0', ['eval', ...m, '--samples', '0'], /--samples/],
      ['hessian --top -1', ['hessian', ...m, '--top', '-1'], /--top/],
      ['hessian --probes 0', ['hessian', ...m, '--probes', '0'], /--probes/],
      ['slice --points 0', ['slice', ...m, '--points', '0'], /--points/],
      ['slice --range 1:-1', ['slice', ...m, '--range', '1:-1'], /--range/, /below/],
      ['slice --range abc', ['slice', ...m, '--range', 'abc'], /--range/, /LO:HI/],
      ['slice --scale 0', ['slice', ...m, '--scale', '0'], /--scale/],
      ['slice --bn-samples 0', ['slice', ...m, '--recompute-bn', '--bn-samples', '0'], /--bn-samples/],
      ['interpolate --points 0', ['interpolate', '--from', MLP, '--to', MLP, ...mlpData, '--points', '0'], /--points/],
      ['gradients --batches 0', ['gradients', ...m, '--batches', '0'], /--batches/],
      ['gradients --saturation 2', ['gradients', ...m, '--saturation', '2'], /--saturation/],
      ['train --epochs 0', ['train', ...m, '--epochs', '0'], /--epochs/],
      ['train --lr -1', ['train', ...m, '--lr', '-1'], /--lr/],
      ['train --val-split 1.5', ['train', ...m, '--val-split', '1.5'], /--val-split/],
      ['seeds --seeds 0', ['seeds', ...m, '--seeds', '0'], /--seeds/],
      ['seeds --widths a,b', ['seeds', ...m, '--widths', 'a,b'], /--widths/],
      ['seeds --directions 0', ['seeds', ...m, '--directions', '0'], /--directions/],
      ['seeds --epochs 0', ['seeds', ...m, '--epochs', '0'], /--epochs/],
      ['optimizers --lrs -1', ['optimizers', ...m, '--lrs', '-1'], /--lrs/],
      ['optimizers --plane-points 1', ['optimizers', ...m, '--plane-points', '1'], /--plane-points/],
      ['double-descent --widths x', ['double-descent', ...ddData, '--widths', '4,x'], /--widths/],
      ['double-descent --label-noise 2', ['double-descent', '--mode', 'rf', '--label-noise', '2'], /--label-noise/],
      ['double-descent rf --n-train 0', ['double-descent', '--mode', 'rf', '--n-train', '0'], /--n-train/],
      ['double-descent --lr -1', ['double-descent', ...ddData, '--lr', '-1'], /--lr/],
    ]),
  );

  it(
    'unknown enum values list the valid choices',
    badCases([
      ['info --backend', ['info', '--model', MLP, '--backend', 'gpu'], /gpu/, /cpu/, /wasm/],
      ['eval --hvp', ['eval', ...m, '--hvp', 'foo'], /foo/, /exact/, /fd/],
      ['hessian --trace-method', ['hessian', ...m, '--trace-method', 'foo'], /hutchinson/, /hutch\+\+/],
      ['slice --norm', ['slice', ...m, '--norm', 'foo'], /filter/, /layer/, /none/],
      ['slice --dims', ['slice', ...m, '--dims', '3'], /dims/, /1, 2/],
      ['interpolate --loss', ['interpolate', '--from', MLP, '--to', MLP, ...mlpData, '--loss', 'huber'], /huber/, /binaryCrossentropy/],
      ['gradients --compare-init', ['gradients', ...m, '--compare-init', 'foo'], /foo/, /heNormal/],
      ['gradients --basis', ['gradients', ...m, '--basis', 'foo'], /weights/, /activations/],
      ['train --optimizer', ['train', ...m, '--optimizer', 'foo'], /foo/, /adam/, /sgd/],
      ['train --schedule', ['train', ...m, '--schedule', 'foo'], /foo/, /plateau/],
      ['seeds --init', ['seeds', ...m, '--init', 'foo'], /foo/, /he-normal/],
      ['optimizers --optimizers', ['optimizers', ...m, '--optimizers', 'sgd,foo'], /--optimizers/, /foo/, /adamax/],
      ['double-descent --mode', ['double-descent', '--mode', 'foo'], /model/, /rf/],
    ]),
  );
});

describe('an existing output folder', () => {
  const mk = (name: string, study?: object) => {
    const dir = path.join(tmp, `exists-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'keep.txt'), 'user file');
    if (study) writeFileSync(path.join(dir, 'study.json'), JSON.stringify(study));
    return dir;
  };
  const m = ['--model', MLP, ...mlpData, '--workers', '1'];
  const oldStudy = (command: string) => ({ command, configHash: 'not-this-config', config: { seeds: [0] } });
  const cases: [string, string[], string, RegExp][] = [
    ['eval', ['eval', ...m], mk('eval'), /--force/],
    ['hessian', ['hessian', ...m], mk('hessian'), /--force/],
    ['slice', ['slice', ...m], mk('slice'), /--force/],
    ['interpolate', ['interpolate', '--from', MLP, '--to', MLP, ...mlpData], mk('interpolate'), /--force/],
    ['gradients', ['gradients', ...m], mk('gradients'), /--force/],
    ['train', ['train', ...m], mk('train'), /--force/],
    ['double-descent rf', ['double-descent', '--mode', 'rf'], mk('dd-rf'), /--force/],
    ['seeds (not a study)', ['seeds', ...m], mk('seeds-plain'), /not a losslens study/],
    ['seeds (changed config)', ['seeds', ...m], mk('seeds', oldStudy('seeds')), /different config/],
    ['optimizers (changed config)', ['optimizers', ...m], mk('optimizers', oldStudy('optimizers')), /different config/],
    ['double-descent (changed config)', ['double-descent', ...ddData], mk('dd', oldStudy('double-descent')), /different config/],
    ['slice --force on a non-report', ['slice', ...m, '--force'], mk('forced'), /not a losslens report/],
  ];
  const argvs = cases.map(([, args, dir]) => queued([...args, '--out', dir, '--quiet', '--backend', 'cpu']));

  it('is refused without --force and its files are untouched (reports; studies: not a study / changed config)', async () => {
    for (const [i, [label, , dir, pattern]] of cases.entries()) {
      const r = results.get(argvs[i])!;
      expect(r.code, `${label}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), label).toHaveLength(1);
      expect(r.stderr, label).toMatch(pattern);
      expect(await fs.readFile(path.join(dir, 'keep.txt'), 'utf8'), label).toBe('user file');
      const left = (await fs.readdir(dir)).sort();
      expect(left, label).toEqual(label.includes('changed') ? ['keep.txt', 'study.json'] : ['keep.txt']);
      expect(
        siblings.filter((s) => s.startsWith(`${path.basename(dir)}.`)),
        label,
      ).toEqual([]);
    }
  });
});

/** Start the CLI, call `ready` until it says the run is under way, then send SIGINT. */
function interruptWhen(args: string[], ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<CliResult & { sentAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgv(args), { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    const t0 = Date.now();
    let sentAfterMs = -1;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const poll = setInterval(async () => {
      if (sentAfterMs >= 0) return;
      if (await ready()) {
        sentAfterMs = Date.now() - t0;
        child.kill('SIGINT');
      }
    }, 100);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      clearInterval(poll);
      resolve({ code, stdout, stderr, sentAfterMs });
    });
  });
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

describe('Ctrl-C', () => {
  it('stops a report command and a study cleanly: exit 130, one line, nothing half-written, finished runs kept', async () => {
    const sliceOut = path.join(tmp, 'interrupted-slice');
    const studyOut = path.join(tmp, 'interrupted-study');
    const staging = async () => (await fs.readdir(tmp)).some((s) => s.startsWith('interrupted-slice.partial-'));
    const runsDone = async () => (await fs.readdir(path.join(studyOut, 'runs')).catch(() => [])).filter((f) => f.endsWith('.json')).length >= 2;
    let stagedAt = 0;
    const [sl, st] = await Promise.all([
      // a 41×41 slice takes ~15 s here: interrupt it 1.5 s into its grid (the staging folder exists from the start)
      interruptWhen(
        ['slice', '--model', MLP, ...mlpData, '--dims', '2', '--points', '41', '--workers', '1', '--backend', 'cpu', '--out', sliceOut],
        async () => {
          if (!(await staging())) return false;
          stagedAt ||= Date.now();
          return Date.now() - stagedAt > 1500;
        },
      ),
      interruptWhen(
        ['seeds', '--model', MLP, ...mlpData, '--seeds', '20', '--epochs', '1', '--no-sharpness', '--workers', '2', '--backend', 'cpu', '--out', studyOut],
        runsDone,
      ),
    ]);
    for (const [label, r] of [
      ['slice', sl],
      ['seeds', st],
    ] as const) {
      expect(r.sentAfterMs, `${label} never started: ${r.stderr}`).toBeGreaterThan(0);
      expect(r.code, `${label}: ${r.stderr}`).toBe(130);
      expect(r.stderr.trim().split('\n'), label).toEqual([expect.stringMatching(/^losslens: interrupted \(SIGINT\)/)]);
    }
    // the slice: neither the report nor its staging folder
    expect(existsSync(sliceOut)).toBe(false);
    expect((await fs.readdir(tmp)).filter((s) => s.startsWith('interrupted-slice'))).toEqual([]);
    // the study: finished runs kept, each complete JSON; no temp files anywhere
    const files = await walk(studyOut);
    expect(files.filter((f) => path.basename(f).startsWith('.') || f.includes('.tmp-'))).toEqual([]);
    const runs = files.filter((f) => f.includes(`${path.sep}runs${path.sep}`) && f.endsWith('.json'));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThan(20);
    for (const f of runs) expect(() => JSON.parse(readText(f))).not.toThrow();
    // resuming the interrupted study skips the finished runs (checked cheaply: the folder still opens as the same study)
    expect(JSON.parse(readText(path.join(studyOut, 'study.json'))).command).toBe('seeds');
  }, 90_000);
});

const readText = (f: string) => readFileSync(f, 'utf8');

describe('SIGKILL', () => {
  it('a study killed with SIGKILL loses only the runs in flight: re-running resumes and writes the summary of a straight run', async () => {
    const spiral = path.join(FIX, 'spiral-tanh');
    const args = (out: string) => [
      'seeds',
      '--model',
      spiral,
      '--data',
      path.join(spiral, 'train.csv'),
      '--seeds',
      '8',
      '--epochs',
      '30',
      '--lr',
      '0.02',
      '--no-sharpness',
      '--workers',
      '2',
      '--backend',
      'cpu',
      '--quiet',
      '--out',
      out,
    ];
    const killed = path.join(tmp, 'killed-study'),
      straight = path.join(tmp, 'straight-study');
    const runFiles = async () => (await fs.readdir(path.join(killed, 'runs')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
    const [k, s] = await Promise.all([
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; finished: number }>((resolve, reject) => {
        const child = spawn(process.execPath, cliArgv(args(killed)), { cwd: ROOT, stdio: 'ignore' });
        let finished = -1;
        const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
        const poll = setInterval(async () => {
          const n = (await runFiles()).length;
          if (finished < 0 && n >= 2) {
            finished = n;
            child.kill('SIGKILL');
          }
        }, 50);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(guard);
          clearInterval(poll);
          resolve({ code, signal, finished });
        });
      }),
      runCli(args(straight)),
    ]);
    expect(k.signal).toBe('SIGKILL');
    expect(s.code, s.stderr).toBe(0);
    const kept = await runFiles();
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(8);
    for (const f of kept) expect(() => JSON.parse(readText(path.join(killed, 'runs', f)))).not.toThrow();
    const resumed = await runCli(args(killed).filter((a) => a !== '--quiet'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`runs: ${8 - kept.length} executed, ${kept.length} resumed`);
    // the same summary apart from meta (this session's executor, start and elapsed time)
    const untimed = (f: string) => ({ ...JSON.parse(readText(f)), meta: undefined });
    expect(untimed(path.join(killed, 'summary.json'))).toEqual(untimed(path.join(straight, 'summary.json')));
    expect((await walk(killed)).filter((f) => path.basename(f).startsWith('.') || f.includes('.tmp-'))).toEqual([]);
  }, 120_000);
});
