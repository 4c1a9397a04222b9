// The import graph of the TypeScript sources under src/ and cli/ (relative specifiers of static
// imports and re-exports, `import type` included: a type-only cycle still ties two modules' designs
// together) and its cycles, each listed as the shortest loop through its strongly connected component.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { splitSource } from './source-text.mjs';

export const GRAPH_ROOTS = ['src', 'cli'];
const TS = /\.(ts|mts|cts|tsx)$/;

function tsFiles(root, rel) {
  if (!existsSync(path.join(root, rel))) return [];
  return readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
    const child = path.posix.join(rel, e.name);
    if (e.isDirectory()) return tsFiles(root, child);
    return TS.test(e.name) && !e.name.endsWith('.d.ts') ? [child] : [];
  });
}

/** The file a relative specifier names: './x.js' → x.ts (or .mts/.cts/.tsx, or x/index.ts). */
function resolveSpecifier(from, spec, files) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.tsx`, `${base}/index.ts`];
  return candidates.find((c) => files.has(c));
}

/**
 * The relative specifiers a module imports statically (import … from, export … from, import '…'),
 * each with whether the import is type-only (`import type`, `export type`).
 */
export function importsOf(text) {
  const marked = text.replace(/(['"])(\.\.?\/[^'"\n]*)\1/g, '__SPEC__$2__END__');
  const { code } = splitSource(marked);
  const specs = [];
  for (const m of code.matchAll(/(?:^|[;\n}])\s*(import|export)(\s+type\b)?([^;]*?)__SPEC__(.*?)__END__/g)) {
    const names = /^\s*\{([^}]*)\}\s*from\s*$/
      .exec(m[3])?.[1]
      .split(',')
      .filter((n) => n.trim());
    const allTypes = !!names?.length && names.every((n) => /^\s*type\s/.test(n));
    specs.push({ spec: m[4], typeOnly: !!m[2] || allTypes });
  }
  return specs;
}

/** src/ and cli/ as a graph: file → the files it imports. */
export function importGraph(root, typesToo = true) {
  const list = GRAPH_ROOTS.flatMap((r) => tsFiles(root, r));
  const files = new Set(list);
  const graph = new Map();
  for (const f of list) {
    const targets = importsOf(readFileSync(path.join(root, f), 'utf8'))
      .filter((s) => typesToo || !s.typeOnly)
      .map((s) => resolveSpecifier(f, s.spec, files))
      .filter(Boolean);
    graph.set(f, [...new Set(targets)]);
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one file (or a file importing itself). */
function components(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) visit(w);
      if (on.has(w)) low.set(v, Math.min(low.get(v), low.get(w)));
    }
    if (low.get(v) !== idx.get(v)) return;
    const comp = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** The shortest loop from `start` back to itself inside `members` (breadth first). */
function shortestLoop(graph, start, members) {
  const prev = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [start];
        for (let u = v; u !== start; u = prev.get(u)) loop.splice(1, 0, u);
        return [...loop, start];
      }
      if (prev.has(w)) continue;
      prev.set(w, v);
      queue.push(w);
    }
  }
  return [start, start];
}

/** Each import cycle: its component's files and one shortest loop. */
export function importCycles(root, typesToo = true) {
  const graph = importGraph(root, typesToo);
  return components(graph).map((files) => ({ files, loop: shortestLoop(graph, files[0], new Set(files)) }));
}
