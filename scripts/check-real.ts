/**
 * `npm run check-real`: losslens on trained checkpoints from public repositories, as a user gets
 * them (../shared/real-checkpoints, see its README): every one of them through the real CLI —
 * `info`, `eval` (against tfjs-layers' own model.evaluate on the same data), a quick `hessian` and
 * a quick `report` — each step's wall time and peak RSS (run-step.ts says how it is measured), then
 * one table. Skipped, with a message, when the folder (or a case's data) is absent; a step refused
 * with an input error (exit 2) shows as "refused: <reason>", anything else that fails as FAILED.
 *
 *   npm run check-real [-- --root DIR] [--only NAME,...] [--all-reports]   (reports are left in a temporary folder)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/index.js';
import { readConfig } from '../src/config.js';
import { QUICK_HESSIAN, cases, type Case, type Reference } from './check-real/cases.js';
import { RSS_SOURCE, runStep, type StepResult } from './check-real/run-step.js';
import { seq2seqData } from './check-real/seq2seq-data.js';
import { tfjsReference } from './check-real/tfjs-reference.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
// ../shared/real-checkpoints next to the clone (or next to the folder of worktrees holding it)
const CANDIDATES = [path.join(ROOT, '../shared/real-checkpoints'), path.join(ROOT, '../../shared/real-checkpoints')];
const REAL = path.resolve(opt('--root') ?? CANDIDATES.find((d) => fs.existsSync(d)) ?? CANDIDATES[0]!);
const FASHION = readConfig().fashionMnistDir ?? '/usr/share/datasets/fashion-mnist';
const STEPS = ['info', 'eval', 'hessian', 'report'] as const;

const fmt = (v: unknown, d = 4) =>
  typeof v === 'number'
    ? Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
      ? v.toExponential(d - 1)
      : v.toPrecision(d)
    : v === undefined
      ? '—'
      : String(v);
const cost = (r: StepResult) =>
  r.error.startsWith('skipped')
    ? 'skipped'
    : `${(r.ms / 1000).toFixed(1)} s ${r.rssBytes ? `${Math.round(r.rssBytes / 2 ** 20)} MB` : '?'}${r.ok ? '' : r.status === 2 ? ' refused' : ' FAILED'}`;

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

interface Outcome {
  row: string[];
  failures: number;
  refusals: number;
}

const skipped = (why: string): StepResult => ({ ok: false, status: null, error: `skipped: ${why}`, ms: 0 });
const reportArgs = (c: Case) => (c.report === undefined ? ['--quick'] : typeof c.report === 'string' ? ['--quick', '--samples', '4'] : c.report);

async function runCase(c: Case, out: string): Promise<Outcome> {
  let data = c.data,
    given: Reference | undefined;
  if (c.prepare) ({ data, reference: given } = c.prepare(path.join(out, c.name, 'data'), c.model));
  const loss = c.loss ? ['--loss', c.loss] : [];
  const common = ['--model', c.model, ...data, ...loss, '--quiet', '--json'];
  console.error(`${c.name}: info, eval, tfjs reference, hessian, report …`);
  const r: Record<(typeof STEPS)[number], StepResult> = {
    info: runStep(ROOT, ['info', '--model', c.model, ...loss, '--json']),
    eval: runStep(ROOT, ['eval', ...common, '--out', path.join(out, c.name, 'eval')]),
    hessian: runStep(ROOT, ['hessian', ...common, ...(c.hessian ?? QUICK_HESSIAN), '--out', path.join(out, c.name, 'hessian')]),
    report:
      typeof c.report === 'string' && !argv.includes('--all-reports')
        ? skipped(c.report)
        : runStep(ROOT, ['report', ...common, ...reportArgs(c), '--out', path.join(out, c.name, 'report')]),
  };
  let failures = 0,
    refusals = 0;
  for (const s of STEPS) {
    if (r[s].ok) continue;
    if (r[s].error.startsWith('skipped')) {
      console.log(`${c.name} ${s}: ${r[s].error}`);
      continue;
    }
    if (r[s].status === 2) refusals++;
    else failures++;
    console.log(`${c.name} ${s}: ${r[s].status === 2 ? 'refused' : 'FAILED'}: ${r[s].error}`);
  }
  const ref = await tfjsReference(c, given).catch((e: Error) => ({ error: e.message }));
  const e = r.eval.json,
    refLoss = 'loss' in ref ? ref.loss : undefined;
  const diff = e && refLoss !== undefined ? Math.abs(e.loss - refLoss) / Math.max(1e-12, Math.abs(refLoss)) : undefined;
  if (diff !== undefined && diff > 1e-4) {
    failures++;
    console.log(`${c.name}: losslens loss ${e.loss} differs from tfjs-layers' evaluate ${refLoss} (relative ${diff.toExponential(2)})`);
  }
  if ('error' in ref) console.log(`${c.name}: tfjs reference failed — ${ref.error}`);
  const info = r.info.json,
    top = r.hessian.json?.eigenvalues?.top?.[0];
  return {
    failures,
    refusals,
    row: [
      c.name,
      info ? `${info.trainableParams}` : 'refused',
      e ? `${e.n}` : '',
      e ? fmt(e.loss) : '—',
      fmt(refLoss),
      diff !== undefined ? diff.toExponential(1) : '—',
      fmt(top),
      ...STEPS.map((s) => cost(r[s])),
    ],
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(REAL)) {
    console.log(`check-real: skipped — ${REAL} is absent (pass --root DIR)`);
    return;
  }
  await selectBackend('auto');
  const only = opt('--only')?.split(',');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-check-real-'));
  const rows: string[][] = [];
  let failures = 0,
    refusals = 0;
  for (const c of cases(REAL, FASHION, seq2seqData).filter((k) => !only || only.includes(k.name))) {
    const missing = c.needs.filter((f) => !fs.existsSync(f));
    if (missing.length) {
      console.log(
        `${c.name}: skipped — ${missing.join(', ')} absent${missing.some((m) => m.startsWith(FASHION)) ? ' (apt-get install dataset-fashion-mnist)' : ''}`,
      );
      continue;
    }
    const o = await runCase(c, out);
    rows.push(o.row);
    console.log(`row: ${o.row.join(' | ')}`); // each case's row as it completes: a long run shows its rows before the table
    failures += o.failures;
    refusals += o.refusals;
    if (c.note) console.log(`${c.name}: ${c.note}`);
  }
  console.log(`\n${table(['checkpoint', 'params', 'samples', 'eval loss', 'tfjs loss', 'rel diff', 'λmax', 'info', 'eval', 'hessian', 'report'], rows)}`);
  console.log(`\ntime and peak RSS of each step: ${RSS_SOURCE}; ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}\nreports: ${out}`);
  if (refusals) console.log(`check-real: ${refusals} step(s) refused`);
  if (failures > 0) {
    console.log(`check-real: ${failures} problem(s)`);
    process.exitCode = 1;
  }
}

await main();
