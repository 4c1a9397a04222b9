/**
 * CSV records as RFC 4180 writes them: fields separated by commas, records by LF or CRLF; a field
 * may be quoted ("…"), and then holds commas, line breaks and doubled quotes ("" → ") as text.
 * Unquoted fields are trimmed; spaces around a quoted field are allowed. Blank lines are skipped.
 * Bounded: a field longer than {@link MAX_CSV_FIELD_CHARS} or a record with more than `maxFields`
 * fields is refused as soon as it is seen, so a hostile file cannot build a huge row. A quote
 * inside an unquoted field, text after a closing quote, and a quote never closed are refused with
 * the file and line.
 */
import { inputError } from '../errors.js';

/** A number, or a column name, is far shorter; a longer field is a broken file. */
export const MAX_CSV_FIELD_CHARS = 4096;
/** Columns a header may have. */
export const MAX_CSV_COLUMNS = 1_000_000;

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;
const isSpace = (c: number) => c === 32 || c === 9;

/** The records of `text` in order (see the file comment); `file` names it in errors. */
export function* csvRecords(text: string, file: string, maxFields = () => MAX_CSV_COLUMNS): Generator<CsvRecord> {
  const s = { text, file, i: 0, line: 1 };
  while (s.i < text.length) {
    const start = s.line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      const f = field(s);
      if (f.quoted || f.value !== '' || text.charCodeAt(s.i) === COMMA) blank = false;
      fields.push(f.value);
      if (fields.length > maxFields()) {
        throw inputError(
          file,
          `line ${start}: ragged row with more than ${maxFields()} fields${maxFields() < MAX_CSV_COLUMNS ? ', as many as the header has' : ''}`,
        );
      }
      if (text.charCodeAt(s.i) !== COMMA) break;
      s.i++;
    }
    if (text.charCodeAt(s.i) === CR) s.i++;
    if (text.charCodeAt(s.i) === LF) s.i++;
    if (!blank) yield { line: start, fields };
    s.line++;
  }
}

interface Scan {
  text: string;
  file: string;
  /** Next character to read. */
  i: number;
  /** Line of `i` (1-based). */
  line: number;
}

/** One field from `s.i`, which is left on the comma or line end after it. */
function field(s: Scan): { value: string; quoted: boolean } {
  const { text, file } = s;
  let j = s.i;
  while (isSpace(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) === QUOTE) {
    const q = quoted(text, j + 1, file, s.line);
    s.line = q.line;
    s.i = q.end;
    while (isSpace(text.charCodeAt(s.i))) s.i++;
    if (!isEnd(text, s.i)) throw inputError(file, `line ${s.line}: text after a closing quote (a quote inside a quoted field is written "")`);
    return { value: q.value, quoted: true };
  }
  let k = j;
  while (!isEnd(text, k)) {
    if (text.charCodeAt(k) === QUOTE)
      throw inputError(file, `line ${s.line}: a quote inside an unquoted field (quote the whole field and write a quote as "")`);
    if (k - j > MAX_CSV_FIELD_CHARS) throw inputError(file, `line ${s.line}: a field longer than ${MAX_CSV_FIELD_CHARS} characters`);
    k++;
  }
  s.i = k;
  return { value: text.slice(j, k).trim(), quoted: false };
}

/** At a comma, a line end or the end of the text. */
function isEnd(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  return c === COMMA || c === LF || c === CR;
}

/** A quoted field's text from just after its opening quote; `end` is just past the closing quote. */
function quoted(text: string, from: number, file: string, line: number): { value: string; end: number; line: number } {
  const open = line;
  let out = '';
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    const stop = q < 0 ? text.length : q;
    if (stop - from > MAX_CSV_FIELD_CHARS * 2 || out.length + stop - i > MAX_CSV_FIELD_CHARS) {
      throw inputError(file, `line ${open}: a quoted field longer than ${MAX_CSV_FIELD_CHARS} characters (a quote never closed?)`);
    }
    if (q < 0) throw inputError(file, `line ${open}: a quote opened here is never closed`);
    const part = text.slice(i, q);
    for (let k = 0; k < part.length; k++) if (part.charCodeAt(k) === LF) line++;
    out += part;
    if (text.charCodeAt(q + 1) === QUOTE) {
      out += '"';
      i = q + 2;
      continue;
    }
    return { value: out, end: q + 1, line };
  }
}
