#!/usr/bin/env node
// Checks the code's house rules, one line per fault on stderr, exit 1 when there is any:
//  - no diary phrases (check-docs' list) or before → after timings in the comments of src/ cli/
//    native/ bench/ scripts/, and comment lines within 160 characters;
//  - process.env read only in src/config.ts (src/ and cli/; bench/ and scripts/ are tools);
//  - the size limits of .oxlintrc.json (file and function lines, complexity) as errors, each
//    measurement over them named in .house-rules-exceptions.json with a reason, no stale entry;
//  - no import cycle among the modules of src/ and cli/ (value imports; `import type` is erased);
//  - Prettier's formatting (skip with --no-format).
// Usage: node scripts/check-rules.mjs [--no-format] [root]   (root: default this script's parent)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCycles } from './house-rules/cycles.mjs';
import { formatFaults } from './house-rules/format.mjs';
import { readExceptions, sizeFaults, sizeViolations } from './house-rules/sizes.mjs';
import { textFaults } from './house-rules/text-rules.mjs';

const TOOL_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TEXT_ROOTS = ['src', 'cli', 'native', 'bench', 'scripts'];
const SOURCE = /\.(ts|mts|cts|tsx|js|mjs|cjs|c|h|cc|cpp|hpp)$/;
const SKIPPED = new Set(['node_modules', 'dist', 'build', 'fixtures']);

/** The source files under the folders the text rules cover, as paths from the root. */
export function sourceFiles(root, roots = TEXT_ROOTS) {
  const walk = (rel) =>
    readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) return SKIPPED.has(e.name) ? [] : walk(child);
      return SOURCE.test(e.name) ? [child] : [];
    });
  return roots.filter((r) => existsSync(path.join(root, r))).flatMap((r) => walk(r));
}

const bin = (name) => path.join(TOOL_ROOT, 'node_modules', '.bin', name);
const where = (f) => `${f.rel}:${f.line}: ${f.message}`;

/** Every fault in the tree at root, one line each. `format: false` skips the Prettier check. */
export function checkRules(root, { format = true } = {}) {
  const text = sourceFiles(root).flatMap((rel) => textFaults(rel, readFileSync(path.join(root, rel), 'utf8')));
  const { exceptions, faults: exceptionFaults } = readExceptions(root);
  const widths = text.filter((f) => f.rule === 'comment-width').map((f) => ({ ...f, key: 'comment-width' }));
  const faults = [...text.filter((f) => f.rule !== 'comment-width').map(where), ...exceptionFaults];
  faults.push(...sizeFaults(sizeViolations(root, bin('oxlint')), exceptions, widths));
  for (const { files, loop } of importCycles(root, false)) {
    faults.push(
      `import cycle of ${files.length} file${files.length > 1 ? 's' : ''}: ${loop.join(' → ')}${files.length > loop.length - 1 ? ` (and through ${files.filter((f) => !loop.includes(f)).join(', ')})` : ''}`,
    );
  }
  if (format) faults.push(...formatFaults(root, bin('prettier')));
  return faults;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? TOOL_ROOT);
  const format = !args.includes('--no-format');
  const faults = checkRules(root, { format });
  for (const f of faults) console.error(`check-rules: ${f}`);
  if (faults.length === 0) console.log(`check-rules: ${sourceFiles(root).length} source files pass${format ? '' : ' (formatting not checked: --no-format)'}`);
  process.exit(faults.length ? 1 : 0);
}
