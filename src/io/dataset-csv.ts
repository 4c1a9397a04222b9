/**
 * Numeric CSV tables: a header row, then one sample per line. Feature columns are every
 * column except the label column(s), in header order. The label is the column named
 * `labelColumn` (default "label") or, when no column has exactly that name, the columns
 * `<label>_0, <label>_1, …` (or `<label>0, <label>1, …`) in numeric order.
 * Records follow RFC 4180 (quoted fields, "" escapes, CRLF; see csv-records.ts); unquoted fields
 * are trimmed and blank lines skipped. A value must be a decimal number that float32 can hold.
 * Errors name the line (1-based, the header is line 1) and the column.
 */
import { inputError } from '../errors.js';
import { csvRecords, MAX_CSV_COLUMNS } from './csv-records.js';
import { sharedFloat32 } from './sample-rows.js';

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
  let width = MAX_CSV_COLUMNS;
  const records = csvRecords(text, file, () => width);
  const first = records.next();
  if (first.done) throw inputError(file, 'empty file (a header row is required)');
  const header = first.value.fields;
  checkHeader(header, file, first.value.line);
  width = header.length; // a row with more fields than the header is refused as soon as it has one too many
  const labelIdx = labelIndices(header, labelColumn, file);
  const featIdx = header.map((_, i) => i).filter((i) => !labelIdx.includes(i));
  if (featIdx.length === 0) throw inputError(file, `no feature columns: every column is a label column (${header.join(', ')})`);
  const x = new Growing();
  const y = new Growing();
  let n = 0;
  for (const { line, fields: cells } of records) {
    if (cells.length !== header.length) {
      throw inputError(file, `line ${line}: ragged row with ${cells.length} fields; the header has ${header.length}`);
    }
    for (const i of featIdx) x.push(cellValue(cells[i], header[i], line, file));
    for (const i of labelIdx) y.push(cellValue(cells[i], header[i], line, file));
    n++;
  }
  if (n === 0) throw inputError(file, 'empty data: the file has a header but no data rows');
  return { n, featureColumns: featIdx.map((i) => header[i]), labelColumns: labelIdx.map((i) => header[i]), x: x.values(), y: y.values() };
}

/** Every column of CSV text as one row-major [n, header.length] table (for data of several arrays, by column prefix). */
export function parseCsvTable(text: string, file: string): { header: string[]; n: number; values: Float32Array } {
  let width = MAX_CSV_COLUMNS;
  const records = csvRecords(text, file, () => width);
  const first = records.next();
  if (first.done) throw inputError(file, 'empty file (a header row is required)');
  const header = first.value.fields;
  checkHeader(header, file, first.value.line);
  width = header.length;
  const values = new Growing();
  let n = 0;
  for (const { line, fields: cells } of records) {
    if (cells.length !== header.length) throw inputError(file, `line ${line}: ragged row with ${cells.length} fields; the header has ${header.length}`);
    cells.forEach((c, i) => values.push(cellValue(c, header[i]!, line, file)));
    n++;
  }
  if (n === 0) throw inputError(file, 'empty data: the file has a header but no data rows');
  return { header, n, values: values.values() };
}

/** Float32 values appended one at a time, stored once (doubling), never as a JS number array. */
class Growing {
  private a = new Float32Array(1024);
  private n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  /** The values on a SharedArrayBuffer, as a dataset keeps them. */
  values(): Float32Array {
    const out = sharedFloat32(this.n);
    out.set(this.a.subarray(0, this.n));
    return out;
  }
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
  if (!Number.isFinite(Math.fround(v)))
    throw inputError(file, `line ${line}, column "${column}": ${s} is beyond float32's range (±3.4e38) and would become Infinity`);
  return v;
}
