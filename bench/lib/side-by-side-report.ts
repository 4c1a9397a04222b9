/**
 * The table, agreement line and JSON of a side-by-side bench (side-by-side.ts): per op the median
 * ms of every variant, PyTorch's median, and each variant's ratio to it (> 1: losslens slower).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { median } from './compare.js';
import { OPS, relDiff, type Op, type Timings, type TorchRun } from './side-by-side.js';

export interface BenchReport {
  bench: string;
  title: string;
  params: number;
  timings: Timings;
  torch: TorchRun;
  /** Variant whose outputs are compared with PyTorch's. */
  reference: string;
  extra?: Record<string, unknown>;
}

const f = (x: number | null | undefined, d = 1) => (x == null ? '—' : x.toFixed(d));

function table(r: BenchReport, names: string[]): Record<Op, Record<string, number | null>> {
  const head = ['op', ...names.map((n) => `${n} ms`), 'torch ms', ...names.map((n) => `${n}/torch`)];
  const ratios = {} as Record<Op, Record<string, number | null>>;
  const rows = OPS.map((op) => {
    const t = r.torch.report?.ops[op]?.medianMs ?? null;
    const ms = names.map((n) => median(r.timings.times[n]![op]));
    ratios[op] = Object.fromEntries(names.map((n, i) => [n, t ? ms[i]! / t : null]));
    return [op, ...ms.map((m) => f(m)), f(t), ...names.map((n) => (ratios[op][n] == null ? '—' : `${f(ratios[op][n], 2)}×`))];
  });
  const all = [head, ...rows];
  const width = head.map((_, j) => Math.max(...all.map((row) => row[j]!.length)));
  const line = (row: string[]) => row.map((c, j) => (j === 0 ? c.padEnd(width[j]!) : c.padStart(width[j]!))).join('  ');
  console.log('\n' + [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
  return ratios;
}

function agreement(r: BenchReport): Record<string, number> | undefined {
  const rep = r.torch.report,
    ours = r.timings.outputs[r.reference];
  if (!rep || !ours) return undefined;
  const out: Record<string, number> = { loss: Math.abs((ours.loss as number) - rep.loss) / Math.abs(rep.loss) };
  if (r.torch.grad) out.grad = relDiff(ours.grad as Float32Array, r.torch.grad);
  if (r.torch.hvp) out.hvp = relDiff(ours.hvp as Float32Array, r.torch.hvp);
  console.log(
    `same computation (${r.reference} vs PyTorch): loss rel. diff ${out.loss!.toExponential(1)} (losslens ${(ours.loss as number).toFixed(6)}, PyTorch ${rep.loss.toFixed(6)})` +
      `${out.grad != null ? `, gradient max|Δ|/max|g| ${out.grad.toExponential(1)}` : ''}${out.hvp != null ? `, Hv max|Δ|/max|Hv| ${out.hvp.toExponential(1)}` : ''}`,
  );
  return out;
}

/** Print the table and the checks; write bench/results/<bench>.json. */
export function report(r: BenchReport): void {
  const names = Object.keys(r.timings.times);
  console.log(r.title);
  const ratios = table(r, names);
  console.log('median of the rounds; x/torch: ratio of medians (> 1: losslens slower)');
  const agree = agreement(r);
  if (r.torch.skip) console.log(r.torch.skip);
  else if (r.torch.report) {
    const t = r.torch.report;
    console.log(
      `PyTorch ${t.torch}, ${t.threads} threads, BLAS ${t.blas}${
        t.capability
          ? `, the faster of its default and ATEN_CPU_CAPABILITY=avx512 per op (${Object.entries(t.capability)
              .map(([o, c]) => `${o} ${c}`)
              .join(', ')})`
          : ''
      }`,
    );
    if (t.blasWarning) console.log(t.blasWarning);
  }
  const load = os.loadavg();
  console.log(`load average (1/5/15 min) ${load.map((x) => x.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`);
  const json = {
    bench: r.bench,
    date: new Date().toISOString(),
    node: process.version,
    params: r.params,
    ...r.extra,
    times: r.timings.times,
    ratios,
    agreement: agree,
    torch: r.torch.report ?? { skip: r.torch.skip },
    load,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${r.bench}.json`, JSON.stringify(json, null, 2) + '\n');
  console.log(`wrote bench/results/${r.bench}.json`);
}
