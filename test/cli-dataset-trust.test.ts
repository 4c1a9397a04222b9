/**
 * Datasets at the CLI's edge (issue 33, items 8–10): a gzip IDX bomb declaring 1.9 GiB refused
 * before anything of that size is allocated, and subsampled in bounded memory; int64 labels beyond
 * ±(2^53 − 1) and a CSV cell beyond float32 refused with file and place; an RFC 4180 quoted CSV
 * read as its plain twin. Peak memory is the child's own `process.resourceUsage().maxRSS`, printed
 * by a preloaded exit hook.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { cliArgv, ROOT } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures');
let tmp: string;
let hook: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-ds-trust-'));
  hook = path.join(tmp, 'maxrss.cjs');
  await fs.writeFile(hook, "process.on('exit', () => process.stderr.write(`\\nmaxRSS_KiB=${process.resourceUsage().maxRSS}\\n`));\n");
});

/** The CLI with `args` and `--out`, `--quiet`; its exit code, stderr without the hook's line, and peak RSS in MiB. */
function cli(args: string[]): Promise<{ code: number | null; stderr: string; rssMiB: number; out: string }> {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', hook, ...cliArgv([...args, '--out', out, '--quiet'])], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const rss = /maxRSS_KiB=(\d+)/.exec(stderr);
      resolve({ code, stderr: stderr.replace(/\n?maxRSS_KiB=\d+\n/, '').trim(), rssMiB: rss ? Number(rss[1]) / 1024 : NaN, out });
    });
  });
}

function idxHead(shape: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * shape.length);
  b[2] = 0x08;
  b[3] = shape.length;
  shape.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

/** A gzip IDX ubyte file of `shape` holding zeros: one member for the header, then `parts` equal members of zeros. */
async function bomb(name: string, shape: number[], parts: number): Promise<string> {
  const bytes = shape.reduce((a, b) => a * b, 1);
  const zeros = gzipSync(Buffer.alloc(bytes / parts), { level: 9 });
  const file = path.join(tmp, name);
  await fs.writeFile(file, Buffer.concat([gzipSync(idxHead(shape)), ...Array.from({ length: parts }, () => zeros)]));
  return file;
}

const cnn = ['eval', '--model', path.join(FIX, 'cnn')];
const SAMPLES = 14_000_000; // 14 M 12×12 images: 1.9 GiB declared and delivered, from a 2 MB file
const DECLARED_MIB = (SAMPLES * 144) / 2 ** 20;

describe('a gzip IDX bomb declaring 1.9 GiB', () => {
  it('with labels for another count: refused with exit 2 before any of the 1.9 GiB is allocated', async () => {
    const x = await bomb('a-images-idx3-ubyte.gz', [SAMPLES, 12, 12], 14);
    expect((await fs.stat(x)).size).toBeLessThan(4 * 2 ** 20);
    await fs.writeFile(path.join(tmp, 'a-labels-idx1-ubyte'), Buffer.concat([idxHead([60_000]), Buffer.alloc(60_000)]));
    const r = await cli([...cnn, '--data', x]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/a-images-idx3-ubyte\.gz \+ .*a-labels-idx1-ubyte: x has 14000000 samples but y has 60000/);
    expect(r.rssMiB).toBeLessThan(DECLARED_MIB / 4);
    expect(existsSync(r.out)).toBe(false);
  });
  it('with --samples: streamed through, only the subset stored; eval succeeds in a fraction of the declared memory', async () => {
    const x = await bomb('b-images-idx3-ubyte.gz', [SAMPLES, 12, 12], 14);
    await fs.writeFile(path.join(tmp, 'b-labels-idx1-ubyte.gz'), gzipSync(Buffer.concat([idxHead([SAMPLES]), Buffer.alloc(SAMPLES)])));
    const r = await cli([...cnn, '--data', x, '--samples', '500']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(await fs.readFile(path.join(r.out, 'summary.json'), 'utf8'));
    expect(summary.loss).toBeGreaterThan(0);
    expect(r.rssMiB).toBeLessThan(DECLARED_MIB / 2);
  });
});

/** A .npy v1 file: header padded to 64 bytes, then the raw values. */
function npy(descr: string, shape: number[], data: Buffer): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const header = dict.padEnd(64 - 11, ' ') + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), data]);
}

describe('no silent wrong numbers', () => {
  it('int64 labels: in range they give the fixture loss; one beyond 2^53 is refused with file, sample and reason', async () => {
    const raw = await fs.readFile(path.join(FIX, 'mlp-relu/y.npy'));
    const labels = [...new Int32Array(raw.buffer.slice(raw.byteOffset + raw.length - 2000 * 4, raw.byteOffset + raw.length))];
    const i8 = (vals: bigint[]) => {
      const b = Buffer.alloc(vals.length * 8);
      vals.forEach((v, i) => b.writeBigInt64LE(v, i * 8));
      return npy('<i8', [vals.length], b);
    };
    const dir = path.join(tmp, 'i8');
    await fs.mkdir(path.join(dir, 'bad'), { recursive: true });
    await fs.copyFile(path.join(FIX, 'mlp-relu/x.npy'), path.join(dir, 'x.npy'));
    await fs.copyFile(path.join(FIX, 'mlp-relu/x.npy'), path.join(dir, 'bad/x.npy'));
    await fs.writeFile(path.join(dir, 'y.npy'), i8(labels.map(BigInt)));
    await fs.writeFile(path.join(dir, 'bad/y.npy'), i8(labels.map((v, i) => (i === 7 ? 2n ** 53n + BigInt(v) : BigInt(v)))));
    const meta = JSON.parse(await fs.readFile(path.join(FIX, 'mlp-relu/meta.json'), 'utf8'));
    const ok = await cli(['eval', '--model', path.join(FIX, 'mlp-relu'), '--data', dir]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(await fs.readFile(path.join(ok.out, 'summary.json'), 'utf8')).loss).toBeCloseTo(meta.loss, 4);
    const bad = await cli(['eval', '--model', path.join(FIX, 'mlp-relu'), '--data', path.join(dir, 'bad')]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`bad/y\\.npy: sample 7: <i8 label ${2n ** 53n + BigInt(labels[7])} is beyond ±\\(2\\^53 − 1\\)`));
  });
  it('a CSV cell 1e39 (beyond float32) is refused with file, line and column', async () => {
    const lines = (await fs.readFile(path.join(FIX, 'linreg/data.csv'), 'utf8')).split('\n');
    lines[3] = lines[3].replace(/^[^,]+/, '1e39');
    const file = path.join(tmp, 'overflow.csv');
    await fs.writeFile(file, lines.join('\n'));
    const r = await cli(['eval', '--model', path.join(FIX, 'linreg'), '--data', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/overflow\.csv: line 4, column "x0": 1e39 is beyond float32's range/);
  });
});

describe('RFC 4180 quoted CSV', () => {
  it('every field quoted, CRLF line ends: the same loss as the plain file; broken quoting refused with file and line', async () => {
    const text = await fs.readFile(path.join(FIX, 'linreg/data.csv'), 'utf8');
    const rows = text
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const quoted = path.join(tmp, 'quoted.csv');
    await fs.writeFile(quoted, rows.map((r) => r.map((f) => `"${f}"`).join(',')).join('\r\n') + '\r\n');
    const model = ['eval', '--model', path.join(FIX, 'linreg')];
    const [plain, q] = [await cli([...model, '--data', path.join(FIX, 'linreg/data.csv')]), await cli([...model, '--data', quoted])];
    expect(q.code, q.stderr).toBe(0);
    const loss = async (r: { out: string }) => JSON.parse(await fs.readFile(path.join(r.out, 'summary.json'), 'utf8')).loss;
    expect(await loss(q)).toBe(await loss(plain));
    const broken = path.join(tmp, 'broken.csv');
    await fs.writeFile(broken, rows.map((r, i) => r.map((f) => (i === 5 ? `"${f}` : f)).join(',')).join('\r\n'));
    const b = await cli([...model, '--data', broken]);
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toMatch(/broken\.csv: line 6: /);
  });
});
