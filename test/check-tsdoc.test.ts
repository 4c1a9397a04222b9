/**
 * scripts/check-tsdoc.mjs: on a small tree of its own it names each exported declaration that lacks
 * a summary (types, constants) or an @example (functions, classes), through re-exports and aliases,
 * and passes one whose exports are all documented.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain .mjs script without types
import { tsdocFaults } from '../scripts/check-tsdoc.mjs';

type Row = { name: string; kind: string; missing: string[] };

function tree(source: string): Row[] {
  const root = mkdtempSync(path.join(os.tmpdir(), 'check-tsdoc-'));
  try {
    mkdirSync(path.join(root, 'src/entries'), { recursive: true });
    writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true }, include: ['src'] }));
    writeFileSync(path.join(root, 'src/lib.ts'), source);
    writeFileSync(path.join(root, 'src/index.ts'), "export { f, g as renamed, C, K, type T, type I } from './lib.js';\n");
    writeFileSync(path.join(root, 'src/entries/sub.ts'), "export { f } from '../lib.js';\n");
    return tsdocFaults(root) as Row[];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const EXAMPLE = '\n *\n * @example\n * ```ts\n * f();\n * ```\n';

describe('check-tsdoc', () => {
  it('names what each undocumented export lacks, by kind, through aliases', () => {
    const rows = tree(
      [
        `/** Summary.${EXAMPLE} */\nexport function f(): void {}`,
        '/** A summary but no example. */\nexport const g = (): number => 1;',
        'export class C {}',
        'export const K = 3;',
        'export type T = number;',
        '/** An interface. */\nexport interface I { x: number }',
      ].join('\n'),
    );
    const by = Object.fromEntries(rows.filter((r) => r.missing.length).map((r) => [r.name, `${r.kind}: ${r.missing.join(', ')}`]));
    expect(by).toEqual({ renamed: 'function: @example', C: 'class: summary, @example', K: 'const: summary', T: 'type: summary' });
    expect(rows.filter((r) => r.name === 'f')).toHaveLength(2); // once per entry that exports it
  });

  it('passes a tree whose exports are all documented', () => {
    const rows = tree(
      [
        `/** Summary.${EXAMPLE} */\nexport function f(): void {}`,
        `/** Summary.${EXAMPLE} */\nexport const g = (): number => 1;`,
        `/** Summary.${EXAMPLE} */\nexport class C {}`,
        '/** Three. */\nexport const K = 3;',
        '/** A number. */\nexport type T = number;',
        '/** An interface. */\nexport interface I { x: number }',
      ].join('\n'),
    );
    expect(rows.filter((r) => r.missing.length)).toEqual([]);
    expect(rows).toHaveLength(7);
  });
});
