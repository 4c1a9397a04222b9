/**
 * `npm run check-real`: losslens on trained checkpoints from public repositories, as a user gets
 * them (../shared/real-checkpoints, see its README). For each: `info`, `eval` (against tfjs-layers'
 * own model.evaluate on the same data, and the README's numbers where it gives any), a quick
 * `hessian` and a quick `report`, all through the real CLI; then one table.
 * Skipped, with a message, when the folder (or a case's data) is absent.
 *
 *   npm run check-real [-- --root DIR]   (reports are left in a temporary folder, printed at the end)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadDataset, loadModel, prepareData, readCheckpoint, selectBackend } from '../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
// ../shared/real-checkpoints next to the clone (or next to the folder of worktrees holding it)
const CANDIDATES = [path.join(ROOT, '../shared/real-checkpoints'), path.join(ROOT, '../../shared/real-checkpoints')];
const REAL = path.resolve(opt('--root') ?? process.env.LOSSLENS_REAL_CHECKPOINTS ?? CANDIDATES.find((d) => fs.existsSync(d)) ?? CANDIDATES[0]);
const FASHION = '/usr/share/datasets/fashion-mnist';

interface Case {
  name: string;
  model: string;
  /** Data options as a user passes them. */
  data: string[];
  /** For the tfjs-layers reference: the same data through losslens' loader. */
  source: { data?: string; x?: string; y?: string; labelColumn?: string };
  loss?: string;
  /** What the shared README says of the model's quality (none of its entries gives a number). */
  published: string;
  needs: string[];
}

const CASES: Case[] = [
  {
    name: 'abalone-mlp',
    model: `${REAL}/abalone-mlp`,
    data: ['--data', `${REAL}/abalone-mlp/data.csv`],
    source: { data: `${REAL}/abalone-mlp/data.csv` },
    loss: 'meanSquaredError',
    published: 'none given',
    needs: [`${REAL}/abalone-mlp/model.json`, `${REAL}/abalone-mlp/data.csv`],
  },
  {
    name: 'fashion-mlp-keras',
    model: `${REAL}/fashion-mlp-keras`,
    data: ['--x', `${FASHION}/t10k-images-idx3-ubyte.gz`, '--y', `${FASHION}/t10k-labels-idx1-ubyte.gz`],
    source: { x: `${FASHION}/t10k-images-idx3-ubyte.gz`, y: `${FASHION}/t10k-labels-idx1-ubyte.gz` },
    published: 'none given',
    needs: [`${REAL}/fashion-mlp-keras/model.json`, `${FASHION}/t10k-images-idx3-ubyte.gz`],
  },
  {
    name: 'mnist-cnn-tfjs07',
    model: `${REAL}/mnist-cnn-tfjs07/handwriting-digits-classifier-v2.json`,
    data: ['--data', `${REAL}/mnist-t10k`],
    source: { data: `${REAL}/mnist-t10k` },
    loss: 'categoricalCrossentropy',
    published: 'none given',
    needs: [`${REAL}/mnist-cnn-tfjs07/handwriting-digits-classifier-v2.json`, `${REAL}/mnist-t10k`],
  },
];

function cli(args: string[]): { ok: boolean; json?: any; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Date.now() - t0;
  if (r.status !== 0) return { ok: false, stderr: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-1)[0], ms };
  try {
    return { ok: true, json: JSON.parse(r.stdout), stderr: r.stderr, ms };
  } catch {
    return { ok: true, stderr: r.stderr, ms };
  }
}

/** tfjs-layers' own evaluate of the checkpoint on the same samples (weights loaded by tfjs itself from the files). */
async function tfjsReference(c: Case): Promise<{ loss: number; accuracy?: number }> {
  const ck = await readCheckpoint(c.model);
  const bundle = loadModel(ck, c.loss);
  const json = JSON.parse(fs.readFileSync(ck.path, 'utf8'));
  const dir = path.dirname(ck.path);
  const specs = json.weightsManifest.flatMap((g: any) => g.weights);
  const bytes = Buffer.concat(json.weightsManifest.flatMap((g: any) => g.paths.map((p: string) => fs.readFileSync(path.join(dir, p)))));
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: new Uint8Array(bytes).buffer }));
  const ds = await loadDataset(c.source);
  const p = prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss);
  const classify = bundle.loss !== 'meanSquaredError';
  // targets are one-hot for both categorical losses: categorical CE on them is the sparse CE
  const loss = bundle.loss === 'sparseCategoricalCrossentropy' ? 'categoricalCrossentropy' : bundle.loss;
  model.compile({ optimizer: 'sgd', loss, metrics: classify ? ['accuracy'] : [] });
  // bytes are scaled per batch by losslens (p.xDivisor); the reference gets the same float inputs
  const xs = tf.tidy(() => tf.div(tf.tensor(Float32Array.from(p.x), [p.n, ...p.inputShape]), p.xDivisor ?? 1));
  const ys = tf.tensor2d(p.y, [p.n, p.k]);
  const out = model.evaluate(xs, ys, { batchSize: 500 }) as tf.Scalar | tf.Scalar[];
  const vals = await Promise.all((Array.isArray(out) ? out : [out]).map(async (t) => (await t.data())[0]));
  tf.dispose([xs, ys, out as tf.Tensor]);
  model.dispose();
  return { loss: vals[0], ...(classify ? { accuracy: vals[1] } : {}) };
}

const fmt = (v: unknown, d = 4) => (typeof v === 'number' ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(d - 1) : v.toPrecision(d)) : v === undefined ? '—' : String(v));

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  if (!fs.existsSync(REAL)) {
    console.log(`check-real: skipped — ${REAL} is absent (pass --root DIR or set LOSSLENS_REAL_CHECKPOINTS)`);
    return;
  }
  await selectBackend('auto');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-check-real-'));
  const rows: string[][] = [];
  let failures = 0;
  for (const c of CASES) {
    const missing = c.needs.filter((f) => !fs.existsSync(f));
    if (missing.length) {
      console.log(`${c.name}: skipped — ${missing.join(', ')} absent${missing.some((m) => m.startsWith(FASHION)) ? ' (apt-get install dataset-fashion-mnist)' : ''}`);
      continue;
    }
    const loss = c.loss ? ['--loss', c.loss] : [];
    const common = ['--model', c.model, ...c.data, ...loss, '--quiet'];
    console.error(`${c.name}: info, eval, tfjs reference, hessian, report …`);
    const info = cli(['info', '--model', c.model, ...loss, '--json']);
    const ev = cli(['eval', ...common, '--json', '--out', path.join(out, c.name, 'eval')]);
    const ref = await tfjsReference(c).catch((e: Error) => ({ error: e.message }));
    const hs = cli(['hessian', ...common, '--samples', '512', '--top', '3', '--bottom', '1', '--max-iter', '40', '--probes', '10', '--slq-probes', '1', '--slq-order', '30', '--json', '--out', path.join(out, c.name, 'hessian')]);
    const rp = cli(['report', ...common, '--quick', '--json', '--out', path.join(out, c.name, 'report')]);
    for (const [what, r] of [['info', info], ['eval', ev], ['hessian', hs], ['report', rp]] as const) {
      if (!r.ok) {
        failures++;
        console.log(`${c.name} ${what}: FAILED — ${r.stderr}`);
      }
    }
    const e = ev.json;
    const h = hs.json;
    const refLoss = 'loss' in ref ? ref.loss : undefined;
    const agree = e && refLoss !== undefined ? Math.abs(e.loss - refLoss) / Math.max(1e-12, Math.abs(refLoss)) : undefined;
    if (agree !== undefined && agree > 1e-4) {
      failures++;
      console.log(`${c.name}: losslens loss ${e.loss} differs from tfjs-layers' evaluate ${refLoss} (relative ${agree.toExponential(2)})`);
    }
    if ('error' in ref) console.log(`${c.name}: tfjs reference failed — ${ref.error}`);
    rows.push([
      c.name,
      info.json ? `${info.json.trainableParams}` : 'FAIL',
      info.json ? `${info.json.loss}${info.json.lossSource === 'option' ? ' (--loss)' : ''}` : '',
      e ? `${e.n}` : '',
      e ? fmt(e.loss) : 'FAIL',
      e?.accuracy !== undefined ? fmt(e.accuracy) : '—',
      refLoss !== undefined ? fmt(refLoss) : 'FAIL',
      'accuracy' in ref && ref.accuracy !== undefined ? fmt(ref.accuracy) : '—',
      agree !== undefined ? agree.toExponential(1) : '',
      c.published,
      h ? fmt(h.eigenvalues?.top?.[0]) : 'FAIL',
      h ? fmt(h.eigenvalues?.bottom?.[0]) : '',
      h ? fmt(h.trace?.estimate) : '',
      rp.ok ? `${(rp.ms / 1000).toFixed(1)}s` : 'FAIL',
      `${((info.ms + ev.ms + hs.ms + rp.ms) / 1000).toFixed(1)}s`,
    ]);
  }
  console.log(
    '\n' +
      table(
        ['checkpoint', 'params', 'loss', 'samples', 'eval loss', 'acc', 'tfjs loss', 'tfjs acc', 'rel diff', 'README', 'λmax (512)', 'λmin', 'trace', 'report', 'total'],
        rows,
      ),
  );
  console.log(`\nreports: ${out}`);
  if (failures > 0) {
    console.log(`check-real: ${failures} problem(s)`);
    process.exitCode = 1;
  }
}

await main();
