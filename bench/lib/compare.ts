/** Shared bits of the benches that compare losslens with the PyTorch reference: flags, medians, the table. */

/** `--name value` from the command line, else `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export interface Row {
  op: string;
  /** Median ms per backend (null: skipped). */
  ours: Record<string, number | null>;
  torch: number | null;
}

const ms = (x: number | null | undefined) => (x == null ? 'skipped' : x >= 10_000 ? x.toFixed(0) : x.toFixed(1));
const ratio = (a: number | null | undefined, b: number | null) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}×`);

/** op | <backend> ms … | torch ms | <backend>/torch … (ratio > 1: losslens slower). */
export function printTable(rows: readonly Row[], backends: readonly string[]): void {
  const head = ['op', ...backends.map((b) => `losslens ${b} ms`), 'torch ms', ...backends.map((b) => `${b}/torch`)];
  const body = rows.map((r) => [r.op, ...backends.map((b) => ms(r.ours[b])), ms(r.torch), ...backends.map((b) => ratio(r.ours[b], r.torch))]);
  const all = [head, ...body];
  const width = head.map((_, j) => Math.max(...all.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(width[j]!) : c.padStart(width[j]!))).join('  ');
  console.log([line(head), width.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n'));
}
