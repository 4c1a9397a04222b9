/**
 * Numeric CSV tables: a header row, then one sample per line. Feature columns are every
 * column except the label column(s), in header order. The label is the column named
 * `labelColumn` (default "label") or, when no column has exactly that name, the columns
 * `<label>_0, <label>_1, …` (or `<label>0, <label>1, …`) in numeric order.
 * Fields are trimmed; CRLF line ends and blank lines are accepted; quoting is not supported.
 * Errors name the line (1-based, the header is line 1) and the column.
 */
import { inputError } from '../errors.js';

export interface CsvTable {
  n: number;
  featureColumns: string[];
  labelColumns: string[];
  /** Row-major [n, featureColumns.length]. */
  x: Float32Array;
  /** Row-major [n, labelColumns.length]. */
  y: Float32Array;
}

/** Parse CSV text; `file` names it in errors. */
export function parseCsv(text: string, file: string, labelColumn = 'label'): CsvTable {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw inputError(file, 'empty file (a header row is required)');
  const header = lines[headerIndex].split(',').map((c) => c.trim());
  checkHeader(header, file, headerIndex + 1);
  const labelIdx = labelIndices(header, labelColumn, file);
  const featIdx = header.map((_, i) => i).filter((i) => !labelIdx.includes(i));
  if (featIdx.length === 0) throw inputError(file, `no feature columns: every column is a label column (${header.join(', ')})`);
  const x: number[] = [];
  const y: number[] = [];
  let n = 0;
  for (let li = headerIndex + 1; li < lines.length; li++) {
    if (lines[li].trim() === '') continue;
    const cells = lines[li].split(',');
    const line = li + 1;
    if (cells.length !== header.length) {
      throw inputError(file, `line ${line}: ragged row with ${cells.length} fields; the header has ${header.length}`);
    }
    for (const i of featIdx) x.push(cellValue(cells[i], header[i], line, file));
    for (const i of labelIdx) y.push(cellValue(cells[i], header[i], line, file));
    n++;
  }
  if (n === 0) throw inputError(file, 'empty data: the file has a header but no data rows');
  return {
    n,
    featureColumns: featIdx.map((i) => header[i]),
    labelColumns: labelIdx.map((i) => header[i]),
    x: Float32Array.from(x),
    y: Float32Array.from(y),
  };
}

function checkHeader(header: string[], file: string, line: number): void {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw inputError(file, `line ${line}: header column ${i + 1} has no name`);
    if (seen.has(name)) throw inputError(file, `line ${line}: header column "${name}" appears twice`);
    seen.add(name);
  });
}

/** Indices of the label column(s): the exact name, else `<label>_<i>` / `<label><i>` by i. */
function labelIndices(header: string[], label: string, file: string): number[] {
  const exact = header.indexOf(label);
  if (exact >= 0) return [exact];
  const pattern = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_?(\\d+)$`);
  const numbered = header
    .map((name, i) => ({ i, m: pattern.exec(name) }))
    .filter((e) => e.m !== null)
    .map((e) => ({ i: e.i, k: Number(e.m![1]) }))
    .sort((a, b) => a.k - b.k);
  if (numbered.length === 0) {
    throw inputError(file, `missing label column "${label}" (nor ${label}_0, ${label}_1, …); columns found: ${header.join(', ')}`);
  }
  return numbered.map((e) => e.i);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function cellValue(cell: string, column: string, line: number, file: string): number {
  const s = cell.trim();
  if (s === '') throw inputError(file, `line ${line}, column "${column}": empty cell`);
  // decimal numbers only: Number() would also take "0x10" (16), "0b11" (3), "0o7" and "Infinity"
  const v = DECIMAL.test(s) ? Number(s) : /^[+-]?inf(inity)?$/i.test(s) ? Infinity : NaN;
  if (Number.isNaN(v)) {
    const what = /^[+-]?nan$/i.test(s) ? 'NaN value' : `"${s}" is not a number`;
    throw inputError(file, `line ${line}, column "${column}": ${what}`);
  }
  if (!Number.isFinite(v)) throw inputError(file, `line ${line}, column "${column}": ${s} is not a finite number`);
  return v;
}
