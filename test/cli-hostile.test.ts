/**
 * Hostile input through the real CLI, one case per class of attack or mistake from issue 19:
 * checkpoints whose files are links out of the folder, FIFOs, devices or lie about their size;
 * configs that contradict their weights; NaN weights; datasets with hex numbers, multi-hot rows,
 * fractional labels or gzip bombs; out-of-range, repeated or contradictory options; unusable
 * --out targets. Every fixture is made here in a temp folder (nothing hostile is shipped).
 * Each case must end with exit 2, exactly one stderr line "losslens: <file or option>: <problem>",
 * no output folder or staging sibling, and — where the input controls a resource — within a
 * time and peak-RSS bound measured by /usr/bin/time. Cases without an RSS bound run in one batch
 * process (runCliBatch; test/cli-batch.test.ts holds it to separate processes), timed per case.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { promises as fs, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, cliArgv, runCliBatch } from './helpers/run-cli.js';
import { jobPool } from './helpers/job-pool.js';

const FIX = path.join(ROOT, 'fixtures');
const SPIRAL = path.join(FIX, 'spiral-tanh');
const CSV = path.join(SPIRAL, 'train.csv');
const FUNC = path.join(FIX, 'functional');
const CNN = path.join(FIX, 'cnn');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
let tmp: string;

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
  rssMb?: number;
}

/** The CLI under /usr/bin/time (peak RSS), killed after `timeoutMs`. */
function run(args: string[], timeoutMs = 60_000): Promise<Run> {
  const node = [process.execPath, ...cliArgv(args)];
  const [cmd, ...rest] = TIME ? [TIME, '-f', 'losslens-rss-kb=%M', ...node] : node;
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = /losslens-rss-kb=(\d+)/.exec(stderr);
      const lines = stderr.split('\n').filter((l) => l && !l.startsWith('losslens-rss-kb=') && !/^Command (exited|terminated)/.test(l));
      resolve({
        code: TIME && /Command exited with non-zero status (\d+)/.test(stderr) ? Number(/status (\d+)/.exec(stderr)![1]) : code,
        stderr: lines.join('\n'),
        ms: Date.now() - t0,
        rssMb: m ? Number(m[1]) / 1024 : undefined,
      });
    });
  });
}

const pool = <T>(jobs: (() => Promise<T>)[], limit = 3) => jobPool(jobs, limit);

interface Case {
  label: string;
  args: string[];
  want: RegExp[];
  /** Resource bounds where the input controls a resource. */
  maxMs?: number;
  maxRssMb?: number;
  /** Must not appear in the message (e.g. what a link points to). */
  notWant?: RegExp;
}

/** Each case: exit 2, one line naming the file or option, no --out folder or sibling, bounds held. */
async function expectRefused(cases: Case[]): Promise<void> {
  const outOf = (c: Case) => path.join(tmp, `out-${c.label.replace(/[^a-z0-9]+/gi, '_')}`);
  const argvOf = (c: Case) => [...c.args, ...(!c.args.includes('--out') && c.args[0] !== 'info' ? ['--out', outOf(c)] : []), '--quiet', '--backend', 'cpu'];
  // a peak-RSS bound needs a process of its own; the rest share one
  const alone = cases.filter((c) => c.maxRssMb);
  const shared = cases.filter((c) => !c.maxRssMb);
  const [spawned, batched] = await Promise.all([pool(alone.map((c) => () => run(argvOf(c), 60_000))), shared.length ? runCliBatch(shared.map(argvOf)) : []]);
  const byCase = new Map<Case, Run>([...alone.map((c, i) => [c, spawned[i]] as const), ...shared.map((c, i) => [c, batched[i]] as const)]);
  const results = cases.map((c) => ({ r: byCase.get(c)!, out: outOf(c) }));
  const siblings = readdirSync(tmp);
  cases.forEach((c, i) => {
    const { r, out } = results[i];
    const where = `${c.label}: exit ${r.code} in ${r.ms} ms, ${r.rssMb?.toFixed(0)} MB: ${r.stderr}`;
    expect(r.code, where).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, where).toHaveLength(1);
    expect(lines[0], where).toMatch(/^losslens: \S.*: \S/);
    for (const p of c.want) expect(lines[0], where).toMatch(p);
    if (c.notWant) expect(lines[0], where).not.toMatch(c.notWant);
    expect(existsSync(out), where).toBe(false);
    expect(
      siblings.filter((s) => s.startsWith(`${path.basename(out)}.`)),
      where,
    ).toEqual([]);
    if (c.maxMs) expect(r.ms, where).toBeLessThan(c.maxMs);
    if (c.maxRssMb && r.rssMb !== undefined) expect(r.rssMb, where).toBeLessThan(c.maxRssMb);
  });
}

/** A copy of a fixture's model.json + weights.bin in a new folder, with `edit` applied to the JSON. */
async function model(name: string, from: string, edit: (j: any) => void = () => {}): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir, { recursive: true });
  const j = JSON.parse(await fs.readFile(path.join(from, 'model.json'), 'utf8'));
  edit(j);
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(j));
  if (!existsSync(path.join(dir, 'weights.bin'))) await fs.copyFile(path.join(from, 'weights.bin'), path.join(dir, 'weights.bin'));
  return dir;
}
const layers = (j: any) => (j.modelTopology.model_config ?? j.modelTopology).config.layers ?? (j.modelTopology.config as any[]);
const funcConfig = (j: any) => (j.modelTopology.model_config ?? j.modelTopology).config;

/** A .npy header for a float32 array of `shape`, padded to a 64-byte multiple. */
function npyHeader(shape: number[]): Buffer {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  h += ' '.repeat(64 - ((10 + h.length + 1) % 64)) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  return Buffer.concat([pre, Buffer.from(h, 'latin1')]);
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-hostile-'));
});

const evalOn = (m: string, data = CSV) => ['eval', '--model', m, '--data', data];

describe('hostile checkpoint files', () => {
  it('links out of the folder, devices, FIFOs, size lies, parameter bombs and deep JSON are refused quickly and in bounded memory', async () => {
    const zero = await model('link-zero', SPIRAL);
    await fs.rm(path.join(zero, 'weights.bin'));
    await fs.symlink('/dev/zero', path.join(zero, 'weights.bin'));
    const passwd = await model('link-etc', SPIRAL);
    await fs.rm(path.join(passwd, 'weights.bin'));
    await fs.symlink('/etc/passwd', path.join(passwd, 'weights.bin'));
    const fifo = await model('fifo', SPIRAL);
    await fs.rm(path.join(fifo, 'weights.bin'));
    execFileSync('mkfifo', [path.join(fifo, 'weights.bin')]);
    const dev = await model('devnull-inside', SPIRAL);
    await fs.rm(path.join(dev, 'weights.bin'));
    execFileSync('mkfifo', [path.join(dev, 'pipe.bin')]);
    await fs.symlink('pipe.bin', path.join(dev, 'weights.bin')); // a link inside the folder, to a FIFO
    const longer = await model('shard-longer', SPIRAL);
    await fs.appendFile(path.join(longer, 'weights.bin'), Buffer.alloc(40));
    const huge = await model('params-520M', SPIRAL, (j) => (j.weightsManifest[0].weights[2].shape = [16, 32_500_000]));
    const wide = await model('input-1e9', SPIRAL, (j) => (layers(j)[0].config.batch_input_shape = [null, 1e9]));
    const nan = await model('nan-weights', SPIRAL);
    const w = await fs.readFile(path.join(nan, 'weights.bin'));
    w.writeFloatLE(NaN, 4 * 40);
    await fs.writeFile(path.join(nan, 'weights.bin'), w);
    const deep = path.join(tmp, 'deep');
    await fs.mkdir(deep);
    await fs.writeFile(path.join(deep, 'model.json'), `{"modelTopology": ${'['.repeat(200_000)}${']'.repeat(200_000)}, "weightsManifest": []}`);
    const fast = { maxMs: 40_000, maxRssMb: 600 };
    await expectRefused([
      { label: 'shard -> /dev/zero', args: evalOn(zero), want: [/weights\.bin/, /leaves the model's folder/], ...fast },
      { label: 'shard -> /etc/passwd', args: evalOn(passwd), want: [/weights\.bin/, /leaves the model's folder/], notWant: /\/etc\/|\d+ bytes/, ...fast },
      { label: 'shard is a FIFO', args: evalOn(fifo), want: [/weights\.bin/, /FIFO/], ...fast },
      { label: 'shard links to a FIFO inside', args: evalOn(dev), want: [/weights\.bin/, /FIFO/], ...fast },
      { label: 'shard longer than the manifest', args: evalOn(longer), want: [/1524 bytes but the manifest expects 1484/], ...fast },
      { label: '520M parameters declared', args: evalOn(huge), want: [/520,\d{3},\d{3} parameters/, /LOSSLENS_MAX_PARAMS/], ...fast },
      { label: 'input of 1e9 features', args: evalOn(wide), want: [/dense_1/, /expects 2 inputs but the layer receives \[1000000000\]/], ...fast },
      { label: 'NaN weight', args: evalOn(nan), want: [/model\.json/, /weight dense_1\/bias holds NaN at flat index 8/], ...fast },
      { label: 'deeply nested model.json', args: evalOn(deep), want: [/model\.json/, /nested more than 200 levels/], ...fast },
      { label: '--model twice', args: ['eval', '--model', SPIRAL, '--model', SPIRAL, '--data', CSV], want: [/option --model: given 2 times/] },
    ]);
  }, 180_000);

  it('layer configs that contradict their weights, bad references and bad shapes are refused naming the layer', async () => {
    const units = (v: unknown) => (j: any) => (layers(j)[1].config.units = v);
    const cases: [string, (j: any) => void, RegExp][] = [
      ['units 17 vs 16', units(17), /layer "dense_2" \(Dense\): units 17 does not match its kernel \[16, 16\]/],
      ['units -3', units(-3), /units -3 must be a positive integer/],
      ['units 0', units(0), /units 0 must be a positive integer/],
      ['units 16.5', units(16.5), /units 16\.5 must be a positive integer/],
      ['units "16"', units('16'), /units "16" must be a positive integer/],
      ['2-D bias', (j) => (j.weightsManifest[0].weights[1].shape = [4, 4]), /dense_1.*bias has shape \[4, 4\]; it must be \[16\]/],
    ];
    const funcCases: [string, (j: any) => void, RegExp][] = [
      ['unknown output layer', (j) => (funcConfig(j).output_layers = [['nowhere', 0, 0]]), /output_layers names unknown layer "nowhere"/],
      ['node index 5', (j) => (funcConfig(j).layers[2].inbound_nodes = [[['trunk', 5, 0, {}]]]), /node and tensor index must be 0/],
      [
        'unknown inbound layer',
        (j) => (funcConfig(j).layers[2].inbound_nodes = [[['nowhere', 0, 0, {}]]]),
        /takes input \["nowhere",0,0\]: no layer of that name/,
      ],
      ['duplicate names', (j) => (funcConfig(j).layers[5].config.name = 'branch_elu'), /two layers are both named "branch_elu"/],
      [
        'BatchNorm epsilon -1',
        (j) => (funcConfig(j).layers[2].config.epsilon = -1),
        /layer "trunk_bn" \(BatchNormalization\): epsilon -1 must be a finite number > 0/,
      ],
    ];
    const cnnCases: [string, (j: any) => void, RegExp][] = [
      ['3-channel input to a 1-channel conv', (j) => (layers(j)[0].config.batch_input_shape = [null, 12, 12, 3]), /conv_1.*input has 3 channels/],
      ['pool larger than its input', (j) => (layers(j)[1].config.pool_size = [40, 40]), /max_pool.*pool size 40 is larger than its input/],
      ['kernel_size vs kernel', (j) => (layers(j)[0].config.kernel_size = [5, 5]), /conv_1.*kernel_size \[5, 5\] does not match its kernel \[3, 3, 1, 8\]/],
      ['stride 0', (j) => (layers(j)[1].config.strides = [0, 0]), /max_pool.*strides \[0,0\] must be one or two positive integers/],
    ];
    const all: Case[] = [];
    for (const [label, edit, want] of cases) all.push({ label, args: evalOn(await model(`cfg-${label}`, SPIRAL, edit)), want: [/model\.json/, want] });
    for (const [label, edit, want] of funcCases)
      all.push({ label, args: evalOn(await model(`fn-${label}`, FUNC, edit), path.join(FUNC, 'data.csv')), want: [/model\.json/, want] });
    for (const [label, edit, want] of cnnCases) all.push({ label, args: evalOn(await model(`cnn-${label}`, CNN, edit), CNN), want: [/model\.json/, want] });
    await expectRefused(all);
  }, 180_000);
});

describe('hostile datasets', () => {
  it('hex cells, multi-hot rows, fractional labels, devices, FIFOs and gzip bombs are refused naming the file', async () => {
    const csv = async (name: string, text: string) => {
      const f = path.join(tmp, name);
      await fs.writeFile(f, text);
      return f;
    };
    const hex = await csv('hex.csv', 'x0,x1,label\n0.1,0x10,0\n0.2,0.3,1\n');
    const bin = await csv('bin.csv', 'x0,x1,label\n0.1,0b11,0\n0.2,0.3,1\n');
    const multi = await csv('multi.csv', 'x0,x1,label_0,label_1,label_2\n0.1,0.2,1,0,0\n0.2,0.3,1,1,0\n');
    const frac = await csv('frac.csv', 'x0,x1,label\n0.1,0.2,0\n0.2,0.3,1.5\n');
    const fifo = path.join(tmp, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    // gzip bombs: a header declaring 10 rows followed by 64 MiB of zeros, and a header declaring 4 GiB
    const y = Buffer.concat([npyHeader([10]), Buffer.alloc(40)]);
    await fs.writeFile(path.join(tmp, 'y.npy'), y);
    await fs.writeFile(path.join(tmp, 'bomb.npy.gz'), gzipSync(Buffer.concat([npyHeader([10, 2]), Buffer.alloc(64 * 2 ** 20)])));
    await fs.writeFile(path.join(tmp, 'big.npy.gz'), gzipSync(Buffer.concat([npyHeader([2 ** 29, 2]), Buffer.alloc(1 << 20)])));
    const bounded = { maxMs: 40_000, maxRssMb: 600 };
    await expectRefused([
      { label: 'hex cell', args: evalOn(SPIRAL, hex), want: [/hex\.csv: line 2, column "x1": "0x10" is not a number/] },
      { label: 'binary cell', args: evalOn(SPIRAL, bin), want: [/bin\.csv: line 2, column "x1": "0b11" is not a number/] },
      { label: 'multi-hot rows', args: evalOn(SPIRAL, multi), want: [/multi\.csv: target row of sample 1 sums to 2 \(2 ones: a multi-hot row/] },
      { label: 'fractional label', args: evalOn(SPIRAL, frac), want: [/frac\.csv: label 1\.5 of sample 1 is not a class index/] },
      { label: '--data /dev/zero', args: evalOn(SPIRAL, '/dev/zero'), want: [/\/dev\/zero: dataset is not a regular file or a folder/], ...bounded },
      { label: 'CSV FIFO', args: evalOn(SPIRAL, fifo), want: [/fifo\.csv: dataset is not a regular file/], ...bounded },
      {
        label: 'gzip bomb',
        args: ['eval', '--model', SPIRAL, '--x', path.join(tmp, 'bomb.npy.gz'), '--y', path.join(tmp, 'y.npy')],
        want: [/bomb\.npy\.gz: data runs past the 80 bytes its header declares/],
        ...bounded,
      },
      {
        label: 'gzip declaring 4 GiB',
        args: ['eval', '--model', SPIRAL, '--x', path.join(tmp, 'big.npy.gz'), '--y', path.join(tmp, 'y.npy')],
        want: [/big\.npy\.gz \+ .*y\.npy: x has 536870912 samples but y has 10/],
        ...bounded,
      },
    ]);
  }, 180_000);
});

describe('hostile options', () => {
  it('every numeric option is range-checked before any work; repeated and contradictory options are refused', async () => {
    const m = ['--model', SPIRAL, '--data', CSV];
    const quick = { maxMs: 40_000 }; // generous: 2 shared cores; a run that did the work would take minutes
    await expectRefused([
      { label: 'seed NaN', args: ['eval', ...m, '--seed', 'NaN'], want: [/option --seed: must be a finite number, got NaN/], ...quick },
      { label: 'seed abc', args: ['eval', ...m, '--seed', 'abc'], want: [/option --seed: must be a finite number, got abc/], ...quick },
      { label: 'seed 1.5', args: ['eval', ...m, '--seed', '1.5'], want: [/option --seed: must be an integer/], ...quick },
      { label: 'workers 1e6', args: ['eval', ...m, '--workers', '1e6'], want: [/option --workers: must be an integer ≥ 1 and ≤ 64/], ...quick },
      { label: 'gradients batches 1e9', args: ['gradients', ...m, '--batches', '1e9'], want: [/option --batches/], ...quick },
      {
        label: 'gradients batches x size',
        args: ['gradients', ...m, '--batches', '100000', '--batch-size', '1000'],
        want: [/option --batches: 100000 batches of 300 samples are 30,000,000 per-sample passes/],
      },
      { label: 'hessian top 1e9', args: ['hessian', ...m, '--top', '1e9'], want: [/option --top/], ...quick },
      {
        label: 'hessian top+bottom > dim',
        args: ['hessian', ...m, '--top', '300', '--bottom', '100', '--max-iter', '400'],
        want: [/option --top: 300 largest \+ 100 smallest .* more than the 371/],
      },
      { label: 'slice range 1e308', args: ['slice', ...m, '--range=-1e308:1e308'], want: [/option --range: ends must lie within ±1e6/], ...quick },
      { label: 'slice y-range in 1-D', args: ['slice', ...m, '--y-range', '-1:1'], want: [/option --y-range: only applies to 2-D slices/], ...quick },
      { label: 'slice dir2 without dir1', args: ['slice', ...m, '--dims', '2', '--dir2', CSV], want: [/option --dir2: needs --dir1/], ...quick },
      { label: 'slice log and linear', args: ['slice', ...m, '--log', '--linear'], want: [/option --log: and --linear contradict/], ...quick },
      { label: 'slice points 1e9', args: ['slice', ...m, '--points', '1e9'], want: [/option --points/], ...quick },
      {
        label: 'train adam momentum',
        args: ['train', ...m, '--optimizer', 'adam', '--momentum', '0.5'],
        want: [/option --momentum: is not used by --optimizer adam/],
        ...quick,
      },
      {
        label: 'seeds widths 1e9',
        args: ['seeds', ...m, '--widths', '1e9'],
        want: [/option --widths: each value must be an integer ≥ 1 and ≤ 100000, got 1e9/],
        ...quick,
      },
      { label: 'rf widths 1e9', args: ['double-descent', '--mode', 'rf', '--widths', '1e9'], want: [/option --widths/], ...quick },
      { label: 'rf margin NaN', args: ['double-descent', '--mode', 'rf', '--margin', 'NaN'], want: [/option --margin: must be a finite number/], ...quick },
      { label: 'optimizers plane-points 1e9', args: ['optimizers', ...m, '--plane-points', '1e9'], want: [/option --plane-points/], ...quick },
      { label: 'study workers 0', args: ['seeds', ...m, '--workers', '0'], want: [/option --workers/], ...quick },
      { label: 'data with x/y', args: ['eval', ...m, '--x', CSV, '--y', CSV], want: [/option --data: give either --data or --x with --y, not both/], ...quick },
    ]);
  }, 180_000);

  it('unusable --out targets are refused at once, before any work', async () => {
    const file = path.join(tmp, 'a-file');
    await fs.writeFile(file, 'x');
    await fs.mkdir(path.join(tmp, 'empty-target'));
    await fs.symlink(path.join(tmp, 'empty-target'), path.join(tmp, 'out-link'));
    const m = ['eval', '--model', SPIRAL, '--data', CSV];
    const quick = { maxMs: 40_000 }; // generous: 2 shared cores; a run that did the work would take minutes
    await expectRefused([
      { label: 'out under a file', args: [...m, '--out', path.join(file, 'r')], want: [/option --out: .*a-file is not a folder/], ...quick },
      { label: 'out in /proc', args: [...m, '--out', '/proc/losslens-x'], want: [/option --out: .*pseudo\) filesystem/], ...quick },
      { label: 'out in /sys', args: [...m, '--out', '/sys/losslens-x'], want: [/option --out: .*pseudo\) filesystem/], ...quick },
      { label: 'out empty', args: [...m, '--out', ''], want: [/option --out: must not be empty/], ...quick },
      {
        label: 'out 300 characters',
        args: [...m, '--out', path.join(tmp, 'r'.repeat(300))],
        want: [/option --out: .*folder name is 300 bytes long/],
        ...quick,
      },
      { label: 'out a symlink', args: [...m, '--out', path.join(tmp, 'out-link')], want: [/option --out: .*is a symbolic link/], ...quick },
    ]);
    expect(readdirSync(path.join(tmp, 'empty-target'))).toEqual([]);
  }, 120_000);
});
