/**
 * The checks a queue worker applies to a job before anything runs (job-paths.ts, job-checks.ts,
 * failure-reason.ts), on their own: names inside a tree, and what a failure reason may carry.
 */
import { describe, expect, it } from 'vitest';
import { checkRel } from '../src/studies/executors/job-paths.js';
import { checkConfigOptions } from '../src/studies/executors/job-checks.js';
import { safeReason } from '../src/studies/executors/failure-reason.js';

describe('job checks', () => {
  it('a file name inside a tree is a plain relative path, bounded in length and depth', () => {
    for (const ok of ['model.json', 'group1-shard1of1.bin', 'a/b/c.npy']) expect(checkRel(ok)).toBe(ok);
    const bad = [
      '',
      '../x',
      'a/../../x',
      '/etc/passwd',
      'a\\..\\x',
      'a//b',
      './a',
      'a/./b',
      '.complete',
      'a/.hidden',
      'x\0y',
      'a/',
      'x'.repeat(257),
      Array(9).fill('d').join('/'),
      7,
      null,
    ];
    for (const b of bad) expect(() => checkRel(b), String(b)).toThrow(/^job refused: /);
  });

  it('every number of a config passes the CLI option table by field name', () => {
    expect(() => checkConfigOptions({ run: { epochs: 10, batchSize: 32, optimizer: { lr: 0.1 } }, snapshots: 0, width: null })).not.toThrow();
    expect(() => checkConfigOptions({ run: { epochs: 1e9 } })).toThrow('job refused: option epochs: must be an integer ≥ 1 and ≤ 1000000, got 1000000000');
    expect(() => checkConfigOptions({ run: { optimizer: { lr: -1 } } })).toThrow(/option lr: must be a number > 0/);
    expect(() => checkConfigOptions({ sharpness: { lanczosIter: 1e7 } })).toThrow(/option lanczosIter/);
    expect(() => checkConfigOptions({ anything: NaN })).toThrow(/must be a finite number/);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(() => checkConfigOptions(deep)).toThrow(/nested more than/);
  });

  it('a failure reason keeps the file and the problem, not what the file holds', () => {
    const cases: [string, RegExp][] = [
      ['/w/model.json: malformed JSON (Unexpected token \'r\', "root:x:0:0:root:/root:/bin/bash"... is not valid JSON)', /root|bash/],
      ['/w/leak.csv: line 2, column "x0": S3CR3T is not a finite number', /S3CR3T/],
      ['/w/leak.csv: line 2, column "x0": "S3CR3T" is not a number', /S3CR3T/],
      ['/w/d.csv: missing label column "y" (nor y_0, y_1, …); columns found: salary, ssn', /salary|ssn/],
      ['/w/data: folder holds neither x.npy + y.npy nor an IDX pair; found: payroll.xlsx', /payroll/],
    ];
    for (const [msg, leak] of cases) {
      const r = safeReason(msg);
      expect(r, msg).not.toMatch(leak);
      expect(r.startsWith('/w/')).toBe(true);
    }
    expect(safeReason('x.csv: bad row')).toBe('x.csv: bad row');
    expect(safeReason('a\nsecond line')).toBe('a');
    expect(safeReason('y'.repeat(5000))).toHaveLength(400);
  });
});
