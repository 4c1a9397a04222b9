/**
 * The docs/examples/ gallery and the @example blocks of the entry points' TSDoc, run as a user
 * runs them: each is a program importing `losslens[/entry]` (the package's exports map → dist/,
 * rebuilt by the global setup), run with tsx in a child process. Their printed numbers are checked
 * against ground truths computed here: the explicit Hessian 2·X̃ᵀX̃/N of the linear-regression
 * fixture, a known spectrum, an exact parabola, the gradient norms tfjs recorded when the fixture
 * was made. All of them typecheck against the sources (docs/examples/tsconfig.json). The gallery's
 * programs run in turn in one process (a tfjs start each would cost more than most of them), each
 * one's output read apart; the resumable study runs as two processes, as its resume is the point.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

const EXAMPLES = 'docs/examples';

/** Runs a TypeScript program with tsx from the repository root; its stdout, or a failure with stderr. `tmp`: its os.tmpdir(). */
function run(file: string, tmp?: string): string {
  const env = tmp ? { ...process.env, TMPDIR: tmp } : process.env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 180_000, env });
  if (r.status !== 0) throw new Error(`${file} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The `name = value` lines a program printed, by name. */
function printed(out: string): Record<string, string> {
  return Object.fromEntries(
    out.split('\n').flatMap((l) => {
      const m = /^(.+?) = (.*)$/.exec(l);
      return m ? [[m[1], m[2]]] : [];
    }),
  );
}
const num = (s: string | undefined): number => Number(s);
const nums = (s: string | undefined): number[] => (s ?? '').trim().split(/\s+/).map(Number);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** The linreg fixture's design matrix with a ones column (weights first, bias last) and its explicit Hessian 2·X̃ᵀX̃/N. */
function linregHessian(): { X: Matrix; H: Matrix; eig: number[] } {
  const rows = readFileSync('fixtures/linreg/data.csv', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
  const X = new Matrix(rows.map((r) => [...r.slice(0, 5), 1]));
  const H = X.transpose()
    .mmul(X)
    .mul(2 / rows.length);
  return { X, H, eig: new EigenvalueDecomposition(H, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b) };
}

const linreg = JSON.parse(readFileSync('fixtures/linreg/meta.json', 'utf8'));

const GALLERY_RUN = '.vitest-cache/gallery-run';
let galleryOut: Record<string, string> = {};

/** What gallery program `file` printed when the runner imported it; its failure, thrown. */
function gallery(file: string): string {
  const out = galleryOut[file];
  if (out === undefined) throw new Error(`${file} did not run`);
  if (/^FAILED /m.test(out)) throw new Error(`${file} failed: ${out}`);
  return out;
}

describe('docs/examples: the gallery, checked against ground truths', () => {
  beforeAll(() => {
    const programs = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts') && f !== 'resumable-study.ts');
    mkdirSync(GALLERY_RUN, { recursive: true });
    const lines = programs.map(
      (f) =>
        `console.log('<<< ${f}'); try { await import('../../${EXAMPLES}/${f}'); } catch (e) { console.log('FAILED ' + String((e as Error).stack ?? e).split('\\n').slice(0, 4).join(' | ')); }`,
    );
    writeFileSync(`${GALLERY_RUN}/run-all.ts`, `${lines.join('\n')}\nexport {};\n`);
    const out = run(`${GALLERY_RUN}/run-all.ts`);
    galleryOut = Object.fromEntries(
      out
        .split(/^<<< /m)
        .slice(1)
        .map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1)]),
    );
  }, 300_000);

  it('lists every example in the gallery page', () => {
    const page = readFileSync(`${EXAMPLES}/README.md`, 'utf8');
    for (const f of readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts'))) expect(page, f).toContain(`(${f})`);
  });

  it('load-checkpoint-and-data: the parameters and samples the fixture was made with', () => {
    const meta = JSON.parse(readFileSync('fixtures/spiral-tanh/meta.json', 'utf8'));
    const out = gallery('load-checkpoint-and-data.ts');
    const p = printed(out);
    expect(num(p.params)).toBe(meta.params);
    expect(num(p.samples)).toBe(meta.dataset.train.n ?? meta.dataset.n);
    const layerParams = [...out.matchAll(/^layer .* = \w+, (\d+) params$/gm)].map((m) => Number(m[1]));
    expect(layerParams.reduce((a, b) => a + b, 0)).toBe(meta.params);
  });

  it('curvature-on-any-operator: the known spectrum’s ends, to float64 precision', () => {
    const p = printed(gallery('curvature-on-any-operator.ts'));
    const top = nums(p.top);
    expect(rel(top[0], 50)).toBeLessThan(1e-10);
    expect(rel(top[1], 1 + 198 / 20)).toBeLessThan(1e-8);
    expect(rel(nums(p.bottom)[0], -3)).toBeLessThan(1e-10);
    expect(rel(num(p['lanczos λmax']), 50)).toBeLessThan(1e-8);
  });

  it('hessian-top-eigenvalues: λmax, λ2, λmin of the explicit Hessian 2·X̃ᵀX̃/N (float32 HVPs)', () => {
    const { eig } = linregHessian();
    const p = printed(gallery('hessian-top-eigenvalues.ts'));
    expect(rel(num(p.loss), linreg.loss)).toBeLessThan(1e-5);
    // float32 products: a relative error of a few 1e-7 on λmax, and ~λmax·1e-6 absolute on the others
    expect(rel(num(p['λmax']), eig[5])).toBeLessThan(1e-5);
    expect(Math.abs(num(p['λ2']) - eig[4])).toBeLessThan(1e-5 * eig[5]);
    expect(Math.abs(num(p['λmin']) - eig[0])).toBeLessThan(1e-5 * eig[5]);
    expect(rel(num(p['condition number']), eig[5] / eig[0])).toBeLessThan(1e-3);
  });

  it('trace-and-density: the trace within 4 standard errors of tr H; the SLQ nodes are H’s eigenvalues', () => {
    const { H, eig } = linregHessian();
    const p = printed(gallery('trace-and-density.ts'));
    const [estimate, stderr] = p.trace.split(' ± ').map(Number);
    const trace = H.trace();
    expect(stderr).toBeGreaterThan(0);
    expect(Math.abs(estimate - trace)).toBeLessThan(4 * stderr);
    const nodes = nums(p.nodes);
    expect(nodes).toHaveLength(6);
    nodes.forEach((x, i) => expect(Math.abs(x - eig[i]), `node ${i}`).toBeLessThan(1e-5 * eig[5] + 1e-6 * Math.abs(eig[i])));
  });

  it('slice-1d: an exact parabola whose curvature is dᵀHd, centred on the fixture’s loss', () => {
    const { H } = linregHessian();
    const out = gallery('slice-1d.ts');
    const p = printed(out);
    const d = Matrix.columnVector(nums(p.direction));
    const dHd = d.transpose().mmul(H).mmul(d).get(0, 0);
    const curve = [...out.matchAll(/^L\((-?[\d.]+)\) = (.*)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(curve).toHaveLength(11);
    expect(rel(curve[5][1], linreg.loss)).toBeLessThan(1e-5);
    const h = 0.2;
    for (let i = 1; i < 10; i++) {
      const second = (curve[i + 1][1] - 2 * curve[i][1] + curve[i - 1][1]) / (h * h);
      expect(rel(second, dHd), `α = ${curve[i][0]}`).toBeLessThan(2e-3); // float32 losses of ≤ 80 over h² = 0.04
    }
  });

  it('gradients-attenuation: the per-layer gradient norms tfjs recorded for the fixture, and the vanishing finding', () => {
    const meta = JSON.parse(readFileSync('fixtures/deep-sigmoid/meta.json', 'utf8'));
    const out = gallery('gradients-attenuation.ts');
    const norms = [...out.matchAll(/^‖∂L\/∂W‖ \S+ = (.*)$/gm)].map((m) => Number(m[1]));
    expect(norms).toHaveLength(meta.extra.kernelGradNorms.length);
    norms.forEach((g, i) => expect(rel(g, meta.extra.kernelGradNorms[i]), `layer ${i}`).toBeLessThan(1e-4));
    expect(rel(num(printed(out)['first/last']), meta.extra.firstOverLastKernelGradRatio)).toBeLessThan(1e-4);
    expect(out).toMatch(/^finding vanishing-gradients: /m);
  });

  it('resumable-study: the first run executes every task, the second resumes them all', () => {
    const dir = 'reports/.examples-test-study';
    rmSync(dir, { recursive: true, force: true });
    try {
      const go = () => printed(spawnSync(process.execPath, ['--import', 'tsx', `${EXAMPLES}/resumable-study.ts`, dir], { encoding: 'utf8' }).stdout);
      const first = go();
      expect(first.squares).toBe('1 4 9 16');
      expect([first.executed, first.resumed]).toEqual(['4', '0']);
      const second = go();
      expect(second.squares).toBe('1 4 9 16');
      expect([second.executed, second.resumed]).toEqual(['0', '4']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The @example blocks that are whole programs (they start with an import): each entry's own, and
 * those of the declarations the entries re-export. Those needing a Redis server or a full
 * command run are typechecked only.
 */
const TYPECHECK_ONLY: Record<string, string> = {
  queue: 'needs a Redis server',
  pipelines: 'a full hessian command (30 s); test/public-api.test.ts runs the same call',
  'studies_executors_bullmq-executor': 'needs a Redis server',
  'studies_executors_bullmq-worker': 'needs a Redis server',
};
const SCRATCH = '.vitest-cache/tsdoc-examples';

/** src/index.ts, the entries, and every source file they re-export from. */
function documentedFiles(): string[] {
  const entries = ['src/index.ts', ...readdirSync('src/entries').map((f) => `src/entries/${f}`)];
  const sources = entries.flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/from '(\.\.?\/[^']+)\.js'/g)].map((m) => path.join(path.dirname(f), `${m[1]}.ts`)),
  );
  return [...new Set([...entries, ...sources])].sort();
}

function tsdocExamples(): { name: string; code: string }[] {
  return documentedFiles().flatMap((f) => {
    const base = f.startsWith('src/entries/') ? path.basename(f, '.ts') : f === 'src/index.ts' ? 'index' : f.slice(4, -3).replace(/\//g, '_');
    const blocks = [...readFileSync(f, 'utf8').matchAll(/@example\n \* ```ts\n([\s\S]*?)\n \* ```/g)].map((m) => m[1].replace(/^ \* ?/gm, ''));
    return blocks.filter((code) => code.startsWith('import ')).map((code, i) => ({ name: i ? `${base}-${i + 1}` : base, code }));
  });
}

describe('TSDoc examples', () => {
  const examples = tsdocExamples();
  beforeAll(() => {
    rmSync(SCRATCH, { recursive: true, force: true });
    mkdirSync(SCRATCH, { recursive: true });
    for (const e of examples) writeFileSync(`${SCRATCH}/${e.name}.ts`, `${e.code}\nexport {};\n`);
    writeFileSync(`${SCRATCH}/tsconfig.json`, JSON.stringify({ extends: '../../docs/examples/tsconfig.json', include: ['*.ts', '../../docs/examples/*.ts'] }));
  });

  it('every entry point has an example, and the headline functions have theirs', () => {
    const names = examples.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['index', ...readdirSync('src/entries').map((f) => path.basename(f, '.ts'))]));
    expect(names).toEqual(
      expect.arrayContaining([
        'problem',
        'curvature_lanczos',
        'curvature_extreme-eigenvalues',
        'curvature_hutchinson-trace',
        'curvature_slq-density',
        'landscape_slice',
        'landscape_interpolate',
        'errors',
      ]),
    );
  });

  it('they and the gallery typecheck against the sources', () => {
    const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `${SCRATCH}/tsconfig.json`], { encoding: 'utf8' });
    // only errors in the examples themselves count here: the sources are typechecked by npm run typecheck
    const ours = r.stdout.split('\n').filter((l) => /^(\.vitest-cache\/tsdoc-examples|docs\/examples)\//.test(l));
    expect(ours).toEqual([]);
  });

  it('each checks its result against a known value (node:assert), not only that it runs', () => {
    const unchecked = examples.filter((e) => !TYPECHECK_ONLY[e.name] && !/\bassert(\.\w+)?\(/.test(e.code)).map((e) => e.name);
    expect(unchecked).toEqual([]);
  });

  it('each runs to the end, its assertions holding', () => {
    const runnable = examples.filter((e) => !TYPECHECK_ONLY[e.name]);
    expect(runnable.length).toBeGreaterThan(15);
    // one process imports them in turn (a process each would cost a tfjs start each); a failure names its example
    const runner = runnable.map(
      (e) =>
        `try { await import('./${e.name}.ts'); console.log('ok ${e.name}'); } catch (e) { console.log('FAIL ${e.name}: ' + String((e as Error).stack ?? e).split('\\n').slice(0, 3).join(' | ')); }`,
    );
    writeFileSync(`${SCRATCH}/run-all.ts`, `${runner.join('\n')}\nexport {};\n`);
    // the examples' temporary folders land in the scratch folder, which the next run clears
    mkdirSync(`${SCRATCH}/tmp`, { recursive: true });
    const out = run(`${SCRATCH}/run-all.ts`, path.resolve(`${SCRATCH}/tmp`));
    expect(out.split('\n').filter((l) => l.startsWith('FAIL '))).toEqual([]);
    expect(out.split('\n').filter((l) => l.startsWith('ok ')).length).toBe(runnable.length);
  }, 600_000);
});
