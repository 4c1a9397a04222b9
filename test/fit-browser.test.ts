/**
 * The browser build of lossLensCallback (scripts/build-browser.mjs → one ESM file, tfjs external) in a real headless
 * Chromium (test/helpers/cdp-pipe.ts), the page served from memory with every other request refused
 * (test/helpers/page-files.ts). A conv net trained with model.fit in the page on the cpu and webgl backends: the
 * records arrive, the training ends at the same weights to the bit as without the callback, no tensor is left, and
 * the last measurement equals Node's in-process measurement of the same weights and probe (λmax within the page's
 * Ritz residual, the trace with the same Rademacher probes, the loss and gradient norms). Skipped with the reason
 * when no Chromium is installed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tf from '../src/tf.cjs';
import { Cdp, findChromium, type CdpPage } from './helpers/cdp-pipe.js';
import { PAGE_ORIGIN, servePageFiles } from './helpers/page-files.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { probeData } from '../src/fit/probe-data.js';
import { measure } from '../src/fit/measure.js';
import { withMeasurementEngine } from '../src/fit/engine-scope.js';
import { resolveFitOptions } from '../src/fit/options.js';
import type { FitRecord } from '../src/fit/record.js';
import type { Checkpoint } from '../src/io/types.js';

const browser = findChromium();
let cdp: Cdp | undefined;
let page: CdpPage;
let refused: string[];
let tmp: string;
let bundleText = '';

const JS = 'text/javascript';
/** tfjs' one-file ESM build (core, layers, cpu and webgl backends), which the page's import map names. */
const TFJS_ESM = path.join('node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.fesm.min.js');
/** tfjs-backend-wasm's ESM build and its .wasm files; it imports @tensorflow/tfjs-core (the page's tfjs has it all) and default-imports Node's fs, path, os, perf_hooks (unused in a page: an empty module). */
const WASM_DIR = path.join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const imports = {
  '@tensorflow/tfjs': '/tf.js',
  '@tensorflow/tfjs-core': '/tf.js',
  fs: '/empty.js',
  path: '/empty.js',
  os: '/empty.js',
  perf_hooks: '/empty.js',
};
const html = `<!doctype html><link rel="icon" href="data:,"><script type="importmap">${JSON.stringify({ imports })}</script><script type="module" src="/page.mjs"></script>`;
const wasmFiles = Object.fromEntries(
  ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [
    `/wasm/${f}`,
    { file: path.join(WASM_DIR, f), type: 'application/wasm' },
  ]),
);

beforeAll(async () => {
  if (!browser) return void console.warn('fit browser tests skipped: no chromium (set LOSSLENS_CHROMIUM or install chromium)');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-fit-browser-'));
  const bundle = path.join(tmp, 'losslens-fit.js');
  execFileSync(process.execPath, ['scripts/build-browser.mjs', `--outfile=${bundle}`], { stdio: 'pipe' });
  bundleText = await fs.readFile(bundle, 'utf8');
  cdp = await Cdp.launch(browser);
  page = await cdp.newPage();
  refused = await servePageFiles(cdp, page, {
    '/index.html': { text: html, type: 'text/html' },
    '/tf.js': { file: TFJS_ESM, type: JS },
    '/losslens-fit.js': { file: bundle, type: JS },
    '/page.mjs': { file: 'test/helpers/fit-browser-page.mjs', type: JS },
    '/empty.js': { text: 'export default {};', type: JS },
    '/tf-backend-wasm.js': { file: path.join(WASM_DIR, 'tf-backend-wasm.fesm.min.js'), type: JS },
    ...wasmFiles,
  });
  await page.goto(`${PAGE_ORIGIN}/index.html`);
  await page.waitFor('window.pageReady === true', 30_000);
}, 120_000);

afterAll(async () => {
  await cdp?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

interface PageRun {
  backend: string;
  records: FitRecord[];
  sameRecords: boolean;
  weights: number[][];
  last: number[][] | null;
  figures: string[];
  summary: { measurements: number; steps: number; figures: string[] } | null;
  tensorsAdded: number;
  topology: { modelTopology: Checkpoint['modelTopology']; specs: { name: string; shape: number[] }[]; trainingConfig: Checkpoint['trainingConfig'] };
  probe: { x: number[]; y: number[] };
}

const fitRun = (backend: string, withCallback: boolean, dense = false) =>
  page.eval<PageRun>(`window.fitRun(${JSON.stringify(backend)}, ${withCallback}, ${dense})`);

/** Node's measurement (cpu backend, in process) of the page's weights at the last measurement, Lanczos run to the full dimension. */
async function nodeMeasurement(run: PageRun, step: number) {
  const weights = run.topology.specs.map((s, i) => ({
    spec: { name: s.name, shape: s.shape, dtype: 'float32' as const },
    values: Float32Array.from(run.last![i]!),
  }));
  const ckpt: Checkpoint = { path: '/page/model.json', modelTopology: run.topology.modelTopology, trainingConfig: run.topology.trainingConfig, weights };
  const tensorLike = (v: number[], shape: number[]) => ({ shape, dataSync: () => Float32Array.from(v) });
  const probe = { x: tensorLike(run.probe.x, [32, 6, 6, 1]), y: tensorLike(run.probe.y, [32, 3]) };
  const saved = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const bundle = loadModel(ckpt);
    const dim = weights.reduce((a, w) => a + w.values.length, 0);
    const o = resolveFitOptions({ probe, seed: 7, lanczosIter: dim, budget: 100 });
    return await withMeasurementEngine(() => measure(bundle, ckpt, probeData(probe, bundle), o, step, { vector: null }), 'cpu');
  } finally {
    if (saved) await tf.setBackend(saved);
  }
}

const bitsEqual = (a: number[][], b: number[][]) =>
  a.length === b.length && a.every((w, i) => Buffer.from(Float32Array.from(w).buffer).equals(Buffer.from(Float32Array.from(b[i]!).buffer)));

/** One backend: records, bit-equal training, no leak, and Node's measurement of the same weights; `rel` bounds float32 differences between backends. */
async function checkBackend(backend: string, rel: number, dense = false): Promise<void> {
  const plain = await fitRun(backend, false, dense);
  const run = await fitRun(backend, true, dense);
  expect(run.backend).toBe(backend);
  expect(run.records.map((r) => r.step)).toEqual([4, 8]); // the second warm-started from the first's Ritz vector
  expect(run.sameRecords).toBe(true);
  expect(run.summary).toMatchObject({ measurements: 2, steps: 8, figures: [] });
  expect(run.figures).toEqual(['sharpness', 'trace', 'grad-norms', 'noise']);
  expect(bitsEqual(run.weights, plain.weights)).toBe(true); // the callback does not disturb the training
  expect(run.tensorsAdded).toBe(plain.tensorsAdded);
  const r = run.records.at(-1)!;
  expect(r.twoOverEta).toBe(20);
  expect(r.noise!.snr).toBeGreaterThan(0);
  const ref = await nodeMeasurement(run, 8);
  const lam = ref.lambdaMax!.value;
  // the page's Ritz value is within its residual of an eigenvalue; the full-dimension Krylov run in Node gives λmax itself
  expect(Math.abs(r.lambdaMax!.value - lam)).toBeLessThanOrEqual(r.lambdaMax!.residual + rel * lam);
  expect(r.trace!.value).toBeCloseTo(ref.trace!.value, 0); // same seed → same Rademacher probes
  expect(Math.abs(r.trace!.value - ref.trace!.value)).toBeLessThanOrEqual(rel * Math.abs(ref.trace!.value) + 1e-6);
  expect(Math.abs(r.loss - ref.loss)).toBeLessThanOrEqual(rel * ref.loss);
  r.gradNorms!.forEach((g, i) => expect(Math.abs(g.norm - ref.gradNorms![i]!.norm)).toBeLessThanOrEqual(rel * ref.gradNorms![i]!.norm + 1e-7));
}

describe.skipIf(!browser)('lossLensCallback in the browser', () => {
  it('bundles without a Node built-in, native addon or resvg, with tfjs left to the page', () => {
    expect(bundleText).not.toMatch(/from\s*["'](node:|fs["']|path["']|os["']|worker_threads)/);
    expect(bundleText).not.toMatch(/@resvg|\.node["']/);
    expect(bundleText).toMatch(/from\s*["']@tensorflow\/tfjs["']/);
  });

  it('cpu backend: records arrive, the weights end bit-equal to a fit without it, and λmax equals Node’s', async () => {
    await checkBackend('cpu', 1e-5);
  });

  it('webgl backend (SwiftShader): the same', async () => {
    const gl = await page.eval<boolean>(`!!document.createElement('canvas').getContext('webgl2')`);
    if (!gl) return void console.warn('webgl case skipped: this Chromium gives no WebGL2 context');
    await checkBackend('webgl', 1e-3);
  });

  it('stock wasm backend (its .wasm files served): the same on an MLP; a conv net does not train there at all', async () => {
    expect(await page.eval<string[]>('window.loadWasm()')).toContain('wasm');
    await checkBackend('wasm', 1e-5, true);
    // tfjs-backend-wasm has no Conv2DBackpropFilter: model.fit fails without the callback as well
    await expect(fitRun('wasm', false)).rejects.toThrow(/Conv2DBackpropFilter/);
  });

  it('refuses out (a folder) in the browser, naming the option, before the first batch', async () => {
    expect(await page.eval<string>('window.outRefused()')).toMatch(/^option out: a run folder needs Node/);
  });

  it('makes no request off the page’s own origin', () => {
    expect(refused).toEqual([]);
    expect(page.requests.length).toBeGreaterThanOrEqual(7);
    for (const url of page.requests) expect(url.startsWith(PAGE_ORIGIN)).toBe(true);
  });
});
