/**
 * scripts/check-rules.mjs, run as CI runs it (a child process, its exit code and stderr lines): a
 * temporary tree holds one probe per rule — a diary phrase and a before → after timing in comments,
 * an environment read outside src/config.ts, a file and a function over the size limits, a comment
 * line over the width, an import cycle, an unformatted file — and each must give exactly its fault
 * line, while the look-alikes beside them (the phrase in a string, env in bench/ or a comment, a
 * type-only cycle, a long test callback, a 160-character comment) give none. The exceptions file
 * silences a named measurement and fails when stale. The repository's own tree passes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/check-rules.mjs');

function runCheck(args: string[]): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 110_000 });
  return {
    status: r.status,
    lines: r.stderr
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.replace(/^check-rules: /, '')),
  };
}

const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');

/** The probes (each written as Prettier formats it, so that only ugly.ts fails the format rule). */
const PROBES: Record<string, string> = {
  'src/config.ts': 'export const env = () => process.env;\n',
  'src/diary.ts': "// the kernel, as before, runs once\nexport const s = 'as before, in a string';\n",
  'native/k.c': '/* 12 ms → 3 ms on LeNet */\nint k(void) { return "as before"[0]; }\n',
  'cli/env.ts': '// process.env in a comment is no read\nexport const home = process.env.HOME;\n',
  'src/env-optional.ts': 'export const e = globalThis.process?.env;\n',
  'bench/tool.ts': 'export const dir = process.env.DIR;\n',
  'src/wide.ts': `// ${'w'.repeat(158)}\n// ${'w'.repeat(157)}\nexport const w = 1; // ${'w'.repeat(160)}\n`,
  'src/long-file.ts': lines(301, (i) => `export const v${i} = ${i};`) + '\n',
  'src/long-fn.ts': `export function big(): number {\n  let x = 0;\n${lines(79, (i) => `  x += ${i};`)}\n  return x;\n}\n`,
  'test/long.test.ts': `declare const describe: (name: string, fn: () => void) => void;\ndescribe('long', () => {\n  let x = 0;\n${lines(99, (i) => `  x += ${i};`)}\n});\n`,
  'src/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = () => b();\n",
  'src/cycle-b.ts': "import { a } from './cycle-a.js';\nexport const b = (): number => (a ? 1 : 0);\n",
  'src/type-a.ts': "import type { B } from './type-b.js';\nexport interface A {\n  b?: B;\n}\n",
  'src/type-b.ts': "import { type A } from './type-a.js';\nexport interface B {\n  a?: A;\n}\n",
  'src/ugly.ts': 'export const  u = {a:1}\n',
};

/** The fault each probe must give (one line each, nothing else). */
const EXPECTED = [
  /^src\/diary\.ts:1: diary phrase "as before" in a comment/,
  /^native\/k\.c:1: before → after timing "12 ms → 3" in a comment/,
  /^cli\/env\.ts:2: reads process\.env: only src\/config\.ts reads the environment/,
  /^src\/env-optional\.ts:1: reads process\.env/,
  /^src\/wide\.ts:1: comment line of 161 characters, over 160 \(rewrap it, or add "comment-width" under "src\/wide\.ts"/,
  /^src\/long-file\.ts:\d+: File has too many lines \(301\) \(split it, or add "max-lines" under "src\/long-file\.ts"/,
  /^src\/long-fn\.ts:1: The function `big` has too many lines \(83\)\. Maximum allowed is 80 \(split it, or add "max-lines-per-function big"/,
  /^import cycle of 2 files: src\/cycle-a\.ts → src\/cycle-b\.ts → src\/cycle-a\.ts$/,
  /^src\/ugly\.ts: not formatted/,
];

let root: string;
const writeTree = (files: Record<string, string>) => {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
};
const expectExactly = (got: string[], want: RegExp[]) => {
  for (const w of want)
    expect(
      got.filter((l) => w.test(l)),
      `${w} in\n${got.join('\n')}`,
    ).toHaveLength(1);
  expect(got, got.join('\n')).toHaveLength(want.length);
};

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'losslens-rules-'));
  writeTree({ '.oxlintrc.json': readFileSync('.oxlintrc.json', 'utf8'), '.prettierrc': readFileSync('.prettierrc', 'utf8'), ...PROBES });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('check-rules on a tree with one probe per rule', () => {
  it('gives exactly one fault line per probe and exit 1', () => {
    const r = runCheck([root]);
    expect(r.status).toBe(1);
    expectExactly(r.lines, EXPECTED);
  }, 120_000);

  it('skips only the formatter with --no-format', () => {
    const r = runCheck(['--no-format', root]);
    expect(r.status).toBe(1);
    expectExactly(r.lines, EXPECTED.slice(0, -1));
  }, 120_000);

  it('takes a written exception for each measurement, and fails on a stale or reasonless one', () => {
    const exceptions = {
      'src/long-file.ts': { 'max-lines': 'a probe: 301 one-line constants' },
      'src/long-fn.ts': { 'max-lines-per-function big': 'a probe: 79 additions in a row', 'complexity big': 'a probe: a function that is not complex' },
      'src/wide.ts': { 'comment-width': 'tiny' },
    };
    writeTree({ '.house-rules-exceptions.json': JSON.stringify(exceptions) });
    const r = runCheck(['--no-format', root]);
    rmSync(path.join(root, '.house-rules-exceptions.json'));
    expectExactly(r.lines, [
      ...EXPECTED.slice(0, 4),
      /^\.house-rules-exceptions\.json: src\/wide\.ts "comment-width": the reason must be one honest line/,
      /^\.house-rules-exceptions\.json: src\/long-fn\.ts "complexity big" is stale/,
      EXPECTED[7],
    ]);
  }, 120_000);
});

describe('check-rules on this repository', () => {
  it('passes, the formatter included', () => {
    const r = runCheck([]);
    expectExactly(r.lines, []);
    expect(r.status).toBe(0);
  }, 120_000);
});
