/**
 * What every command pays before it runs: cli/main.ts loads all command modules (yargs declares
 * them up front), so whatever they import statically loads for `losslens eval` and `--version` too.
 * The figure renderer (vega, resvg, pngjs: ~150 ms and ~90 modules) must wait for a command that
 * draws; pipelines load in the handlers (import()), their defaults come from src/pipelines/defaults.ts.
 * Measured: `--version` 0.48 → 0.29 s, `eval` on 6 000 images 1.68 → 1.46 s.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** The static import graph from `entry` over the TypeScript sources: each module → the module that first imported it. */
function staticGraph(entry: string): Map<string, string | null> {
  const parent = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    if (!file.endsWith('.ts')) continue;
    const src = readFileSync(file, 'utf8');
    // import … from '…' / export … from '…' / import '…', but not `import type` / `export type` (erased)
    for (const m of src.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      let key: string;
      if (spec.startsWith('.')) {
        const js = path.resolve(path.dirname(file), spec);
        const ts = js.replace(/\.js$/, '.ts');
        key = existsSync(ts) ? ts : js.replace(/\.cjs$/, '.cts');
      } else key = `package:${spec}`;
      if (!parent.has(key)) {
        parent.set(key, file);
        queue.push(key);
      }
    }
  }
  return parent;
}

const chain = (g: Map<string, string | null>, k: string) => {
  const out = [k];
  for (let p = g.get(k); p; p = g.get(p)) out.push(path.relative(root, p));
  return out.join(' ← ');
};

describe('CLI start-up', () => {
  const graph = staticGraph(path.join(root, 'cli/main.ts'));

  it('loads no figure renderer before a command draws (vega, resvg, pngjs)', () => {
    const heavy = [...graph.keys()].filter((k) => /^package:(vega|@resvg\/|pngjs)/.test(k));
    expect(heavy.map((k) => chain(graph, k))).toEqual([]);
  });

  it('the walk sees the graph (the commands and their options are in it)', () => {
    // guards the test itself: a walker that found nothing would pass the test above
    for (const f of ['cli/commands/train.ts', 'cli/options.ts', 'src/pipelines/defaults.ts']) expect(graph.has(path.join(root, f)), f).toBe(true);
    expect(graph.has('package:yargs')).toBe(true);
  });
});
