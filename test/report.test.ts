/**
 * `losslens report`: the findings in plain words from hand-made summaries, the Markdown/HTML
 * renderers (escaping, order, one <img> per figure), the presets, no tensor leaks in the
 * library call, and the real CLI end to end on spiral-tanh and on deep-sigmoid (vanishing
 * gradients must be found).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { runCli, runCliBatch, ROOT } from './helpers/run-cli.js';
import { fakeReport } from './helpers/fake-report.js';
import { deepReport, readSummary, spiralReport } from './helpers/report-runs.js';
import { reportFindings } from '../src/report/findings.js';
import { FINDING_THRESHOLDS, resolveReportOptions } from '../src/report/report-options.js';
import { renderHtml, escapeHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { sig, pct } from '../src/report/format.js';
import { pngSize } from '../src/report/assemble-report.js';
import type { ReportDocument } from '../src/report/report-document.js';

const FIX = path.join(ROOT, 'fixtures');
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-report-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const texts = (s: Parameters<typeof fakeReport>[0]) => reportFindings(fakeReport(s), FINDING_THRESHOLDS).map((f) => f.text);

describe('report findings in plain words', () => {
  it('formats numbers the way people write them', () => {
    expect(sig(3.6e4)).toBe('3.6e4');
    expect(sig(1e-3)).toBe('1e-3');
    expect(sig(-0.0258, 3)).toBe('−0.0258');
    expect(sig(47, 3)).toBe('47');
    expect(pct(0.021)).toBe('2.1%');
  });

  it('ill-conditioning, a saddle, vanishing gradients and a sharp minimum, each with its number', () => {
    const t = texts({ lr: 0.1 });
    expect(t).toContain('ill-conditioned: κ₊ = 3.6e4');
    expect(t).toContain('at a saddle: 2.1% of eigenvalues below −1e-3·λmax');
    expect(t).toContain("vanishing gradients: the first layer (dense_1) receives 1e-5 of the output layer's (output) signal");
    expect(t).toContain('too sharp for the learning rate: λmax = 47 > 2/lr = 20 for lr 0.1');
    expect(texts({ lr: 0.1, verdict: 'near-minimum', negFraction: 0 })).toContain('sharp minimum: λmax = 47 > 2/lr = 20 for lr 0.1');
  });

  it('healthy cases read as info, warnings come first, each finding names an existing figure', () => {
    const fs = reportFindings(
      fakeReport({ kappaPositive: 50, negFraction: 0, verdict: 'near-minimum', lr: 0.01, attenuation: 0.5, testLoss: 0.12 }),
      FINDING_THRESHOLDS,
    );
    expect(fs.every((f) => f.severity === 'info')).toBe(true);
    expect(fs.map((f) => f.code)).toEqual(['well-conditioned', 'near-minimum', 'stable-step', 'healthy-gradients']);
    const mixed = reportFindings(fakeReport({ kappaPositive: 50, verdict: 'not-critical', negFraction: 0.2, testLoss: 1.0 }), FINDING_THRESHOLDS);
    const sev = mixed.map((f) => f.severity);
    expect(sev.indexOf('info')).toBeGreaterThan(sev.lastIndexOf('warning'));
    expect(mixed.map((f) => f.code)).toEqual(expect.arrayContaining(['negative-curvature', 'generalization-gap', 'not-critical']));
    const figures = ['spectrum.png', 'density.png', 'slice-1d.png', 'attenuation.png', 'activations.png'];
    for (const f of mixed) expect(figures).toContain(f.figure);
  });

  it('presets: quick is smaller than standard, full larger; bad grids are refused by name', () => {
    const q = resolveReportOptions({ preset: 'quick' });
    const s = resolveReportOptions({});
    const f = resolveReportOptions({ preset: 'full' });
    expect(q.analysisSamples).toBe(256);
    expect(s.analysisSamples).toBeUndefined();
    expect(q.slice.points2d).toBeLessThan(s.slice.points2d);
    expect(f.hessian.slqProbes).toBeGreaterThan(s.hessian.slqProbes);
    expect(() => resolveReportOptions({ points2d: 1 })).toThrow(/grid/);
    expect(() => resolveReportOptions({ lr: -1 })).toThrow(/lr/);
  });
});

function doc(name = 'net'): ReportDocument {
  const report = fakeReport({ lr: 0.1, name });
  const fig = (n: string, section: 'curvature' | 'gradients') => ({
    name: n,
    file: `${n}.png`,
    src: `${n}.png`,
    caption: `caption of ${n} <b>`,
    section,
    width: 800,
    height: 600,
  });
  return {
    title: `Loss-landscape report: ${name}`,
    report,
    findings: reportFindings(report, FINDING_THRESHOLDS),
    figures: [fig('spectrum', 'curvature'), fig('attenuation', 'gradients')],
    meta: { losslens: '0.1.0', backend: 'cpu', seed: 0, generatedAt: '2025-01-01T00:00:00Z', elapsedMs: 1000 },
  };
}

describe('report renderers', () => {
  it('HTML: escaped text, findings before the model card before the figures, one <img> per figure, no network', () => {
    const html = renderHtml(doc('<script>alert("x")</script>&'));
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    expect(html).toContain('caption of spectrum &lt;b&gt;');
    const at = (s: string) => html.indexOf(s);
    expect(at('id="findings"')).toBeLessThan(at('id="model-card"'));
    expect(at('id="model-card"')).toBeLessThan(at('id="figures"'));
    expect(html.match(/<img /g)).toHaveLength(2);
    expect(html).toContain('<img src="spectrum.png"');
    expect(html).toContain('ill-conditioned</strong>: κ₊ = 3.6e4');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('Markdown: findings first, figures referenced relatively, table cells escaped', () => {
    const md = renderMarkdown(doc('a|b'));
    expect(md).toContain('**⚠ ill-conditioned**: κ₊ = 3.6e4 ([figure](spectrum.png))');
    expect(md).toContain('![caption of spectrum \\<b\\>](spectrum.png)');
    expect(md).toContain('a\\|b');
    expect(md.indexOf('## Findings')).toBeLessThan(md.indexOf('## Model card'));
  });

  it('pngSize reads the IHDR', () => {
    const png = PNG.sync.write(new PNG({ width: 7, height: 3 }));
    expect(pngSize(png)).toEqual({ width: 7, height: 3 });
  });
});

describe('computeFullReport', () => {
  it('leaves no tensors behind (quick subset objective disposed)', async () => {
    const { loadProblem } = await import('../src/problem.js');
    const { computeFullReport } = await import('../src/pipelines/report-parts.js');
    const problem = await loadProblem({
      model: path.join(FIX, 'spiral-tanh'),
      train: { data: path.join(FIX, 'spiral-tanh/train.csv') },
      backend: 'cpu',
      workers: 1,
    });
    try {
      const opts = resolveReportOptions({ preset: 'quick', points1d: 5, points2d: 3 });
      const before = tf.memory().numTensors;
      const { report } = await computeFullReport(problem, opts, {});
      expect(tf.memory().numTensors).toBe(before);
      expect(report.data.train.analysisSamples).toBe(256);
      expect(report.eval.train.n).toBe(300);
      expect(report.slice1d.train.loss[2]).toBeCloseTo(report.slice1d.baseLoss, 5);
      expect(report.hessian.eigenvalues.top).toHaveLength(3);
    } finally {
      await problem.dispose();
    }
  }, 60_000);
});

describe('losslens report end to end', () => {
  it('report --quick on spiral-tanh writes report.md, index.html, the figures and a combined summary.json', async () => {
    const out = path.join(tmp, 'spiral');
    const r = await runCli(spiralReport(out, ['--quiet']));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/findings:/);
    expect(r.stdout).toMatch(/too sharp for the learning rate: λmax = [\d.]+ > 2\/lr = 4 for lr 0.5/);
    const summary = await readSummary(out);
    for (const k of ['findings', 'model', 'data', 'eval', 'hessian', 'slice1d', 'slice2d', 'gradients', 'report', 'meta']) expect(summary).toHaveProperty(k);
    expect(summary.meta.command).toBe('report');
    expect(summary.eval.test.loss).toBeGreaterThan(0);
    expect(summary.findings.map((f: any) => f.code)).toContain('sharp-minimum');
    const html = await fs.readFile(path.join(out, 'index.html'), 'utf8');
    const md = await fs.readFile(path.join(out, 'report.md'), 'utf8');
    const figs = summary.report.figures.map((f: any) => f.file) as string[];
    expect(figs).toEqual(
      expect.arrayContaining(['spectrum.png', 'density.png', 'slice-1d.png', 'slice-2d.png', 'surface.png', 'attenuation.png', 'activations.png']),
    );
    for (const f of figs) {
      expect(PNG.sync.read(await fs.readFile(path.join(out, f))).width).toBe(800);
      expect(html).toContain(`<img src="${f}"`);
      expect(md).toContain(`](${f})`);
    }
    for (const f of summary.findings) expect(html).toContain(escapeHtml(f.title));
    expect((await fs.readdir(tmp)).filter((n) => n.includes('.partial-'))).toEqual([]);
  }, 60_000);

  it('report --quick --workers 2 serves the analysis subset from 2 workers, with the in-process numbers', async () => {
    const base = await readSummary(path.join(tmp, 'spiral')); // the run above, unasked: in process
    expect(base.data.train).toMatchObject({ samples: 300, analysisSamples: 256, analysisWorkers: 1 });
    const out = path.join(tmp, 'spiral-w2');
    const r = await runCli(spiralReport(out, ['--workers', '2', '--quiet']));
    expect(r.code, r.stderr).toBe(0);
    const s = await readSummary(out);
    expect(s.data.train).toMatchObject({ samples: 300, analysisSamples: 256, analysisWorkers: 2 });
    // the same seeded subset and probes: sharded float32 sums agree with the in-process ones to rounding
    expect(s.hessian.eigenvalues.top[0]).toBeCloseTo(base.hessian.eigenvalues.top[0], 3);
    expect(s.hessian.trace.estimate).toBeCloseTo(base.hessian.trace.estimate, 2);
  }, 90_000);

  it('report --quick on deep-sigmoid finds the vanishing gradients', async () => {
    const out = path.join(tmp, 'deep');
    const r = await runCli(deepReport(out, ['--quiet']));
    expect(r.code, r.stderr).toBe(0);
    const summary = await readSummary(out);
    const v = summary.findings.find((f: any) => f.code === 'vanishing-gradients');
    expect(v.severity).toBe('warning');
    expect(v.value).toBeLessThan(1e-6);
    expect(v.text).toMatch(/^vanishing gradients: the first layer \(dense_1\) receives [\d.]+e-\d+ of the output layer's \(output\) signal$/);
    expect(await fs.readFile(path.join(out, 'index.html'), 'utf8')).toContain('<strong>vanishing gradients</strong>');
  }, 60_000);

  it('bad options fail in one line before any work: --full beside --quick, a --negative-tau off the list', async () => {
    // both are refused before any work, so they share one node process (runCliBatch)
    const tau = ['--model', path.join(FIX, 'deep-sigmoid'), '--data', path.join(FIX, 'deep-data'), '--negative-tau', '0.01'];
    const [bad, badTau] = await runCliBatch([deepReport(path.join(tmp, 'bad'), ['--full']), ['report', ...tau, '--out', path.join(tmp, 'bad-tau')]]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--quick/);
    await expect(fs.access(path.join(tmp, 'bad'))).rejects.toThrow();
    expect(badTau.code).toBe(2);
    expect(badTau.stderr.trim()).toMatch(/^losslens: option --negative-tau: must be one of 1e-3, 1e-4, 1e-5/);
  }, 60_000);

  it('finding thresholds are options: raised past the measured values, the findings go away and the summary records them', async () => {
    const out = path.join(tmp, 'deep-thresholds');
    // deep-sigmoid measures attenuation ≈ 1e-11 and κ₊ ≈ 1e4 at the quick settings
    const r = await runCli(deepReport(out, ['--vanishing-below', '1e-14', '--ill-conditioned-above', '1e9', '--quiet']));
    expect(r.code, r.stderr).toBe(0);
    const summary = await readSummary(out);
    const codes = summary.findings.map((f: { code: string }) => f.code);
    expect(codes).not.toContain('vanishing-gradients');
    expect(codes).not.toContain('ill-conditioned');
    expect(summary.report.thresholds.illConditionedAbove).toBe(1e9);
    expect(summary.gradients.options.vanishingBelow).toBe(1e-14);
  }, 60_000);
});
