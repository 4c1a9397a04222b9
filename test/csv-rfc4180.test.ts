/**
 * CSV as RFC 4180 writes it (src/io/csv-records.ts): quoted fields, "" escapes, commas and line
 * breaks inside quotes, CRLF — accepted; malformed quoting and over-long fields refused with file
 * and line; a value beyond float32's range refused with line and column instead of becoming Infinity.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/io/dataset-csv.js';
import { csvRecords, MAX_CSV_FIELD_CHARS } from '../src/io/csv-records.js';
import { LosslensError } from '../src/errors.js';

function refused(f: () => unknown, ...res: RegExp[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LosslensError);
  expect((err as LosslensError).code).toBe('BAD_INPUT');
  for (const re of res) expect((err as Error).message).toMatch(re);
}

describe('RFC 4180 CSV', () => {
  it('quoted fields, "" escapes, quoted commas and line breaks, CRLF: the same table as the plain file', () => {
    const plain = parseCsv('a b,"c",label\n1,2,0\n3.5,-4,1\n', 'p.csv');
    const quoted = parseCsv('"a b","""c""",label\r\n"1", 2 ,"0"\r\n\r\n"3.5","-4",1\r\n', 'q.csv');
    expect(quoted.featureColumns).toEqual(['a b', '"c"']);
    expect([...quoted.x]).toEqual([...plain.x]);
    expect([...quoted.y]).toEqual([...plain.y]);
    const records = [...csvRecords('"x,1","two\r\nlines",z\n"",,\n', 'r.csv')];
    expect(records).toEqual([
      { line: 1, fields: ['x,1', 'two\r\nlines', 'z'] },
      { line: 3, fields: ['', '', ''] },
    ]);
  });
  it('lines are counted through quoted line breaks: an error after one names the physical line', () => {
    refused(() => parseCsv('"a\nb",label\n1,0\n1,x\n', 'l.csv'), /l\.csv: line 4, column "label": "x" is not a number/);
  });
  it('malformed quoting is refused with file and line', () => {
    refused(() => parseCsv('a,label\n1,0\n2,"1\n3,0\n', 'open.csv'), /open\.csv: line 3: a quote opened here is never closed/);
    refused(() => parseCsv('a,label\n1,0\n2"5,1\n', 'mid.csv'), /mid\.csv: line 3: a quote inside an unquoted field/);
    refused(() => parseCsv('a,label\n"1"2,0\n', 'after.csv'), /after\.csv: line 2: text after a closing quote/);
    refused(() => parseCsv('"a,label\n1,0\n', 'head.csv'), /head\.csv: line 1: a quote opened here is never closed/);
  });
  it('bounded: over-long fields, quoted or not, and rows wider than the header are refused as soon as seen', () => {
    const long = '1'.repeat(MAX_CSV_FIELD_CHARS + 2);
    refused(() => parseCsv(`a,label\n${long},0\n`, 'f.csv'), /f\.csv: line 2: a field longer than 4096 characters/);
    refused(() => parseCsv(`a,label\n"${long}",0\n`, 'g.csv'), /g\.csv: line 2: a quoted field longer than 4096 characters/);
    refused(() => parseCsv(`a,label\n"${'x'.repeat(10 * MAX_CSV_FIELD_CHARS)}`, 'h.csv'), /h\.csv: line 2: a quoted field longer/);
    refused(() => parseCsv(`a,label\n1,0${',1'.repeat(100)}\n`, 'w.csv'), /w\.csv: line 2: ragged row with more than 2 fields/);
  });
  it('a value beyond float32 range (1e39) is refused with line and column; the largest float32 is accepted', () => {
    refused(() => parseCsv('a,label\n1,0\n1e39,1\n', 'o.csv'), /o\.csv: line 3, column "a": 1e39 is beyond float32's range/);
    refused(() => parseCsv('a,label\n1,"-1e39"\n', 'n.csv'), /n\.csv: line 2, column "label": -1e39 is beyond float32's range/);
    expect([...parseCsv('a,label\n3.4028234663852886e38,0\n', 'm.csv').x]).toEqual([3.4028234663852886e38]);
  });
});
