#!/usr/bin/env node
// Checks the TSDoc of the public API: every name the entries (src/index.ts, src/entries/*.ts) export
// has a summary where it is declared, and every exported function and class also an @example
// (test/examples.test.ts runs them). Members of interfaces and classes are not required.
// It reads the sources with the TypeScript 6 compiler API of tools/api-docs (TypeDoc's install; the
// package's TypeScript 7 has no JavaScript API), installing it from its lockfile on first use.
// Usage: node scripts/check-tsdoc.mjs [--list]   (--list: print every name checked, with its kind)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(ROOT, 'tools/api-docs');

/** The TypeScript compiler API of tools/api-docs, installed there when absent. */
function typescript() {
  if (!existsSync(path.join(TOOLS, 'node_modules/typescript'))) {
    const r = spawnSync('npm', ['ci', '--prefix', TOOLS, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  return createRequire(path.join(TOOLS, 'package.json'))('typescript');
}

/** The entry files: the top-level entry and the sub-entries. */
export function entryFiles(root = ROOT) {
  const dir = path.join(root, 'src/entries');
  return [path.join(root, 'src/index.ts'), ...readdirSync(dir).map((f) => path.join(dir, f))].filter((f) => f.endsWith('.ts'));
}

/** What a declaration is: 'function' and 'class' need an @example, the rest a summary only. */
function kindOf(ts, decl) {
  if (ts.isFunctionDeclaration(decl)) return 'function';
  if (ts.isClassDeclaration(decl)) return 'class';
  if (ts.isVariableDeclaration(decl)) {
    const init = decl.initializer;
    return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? 'function' : 'const';
  }
  if (ts.isInterfaceDeclaration(decl)) return 'interface';
  if (ts.isTypeAliasDeclaration(decl)) return 'type';
  if (ts.isEnumDeclaration(decl)) return 'enum';
  return ts.SyntaxKind[decl.kind];
}

/** The JSDoc nodes attached to a declaration (a variable's sit on its statement). */
function jsDocs(ts, decl) {
  const host = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  return (host.jsDoc ?? []).filter((d) => d.kind === ts.SyntaxKind.JSDoc);
}

const text = (c) => (typeof c === 'string' ? c : (c ?? []).map((p) => p.text ?? '').join(''));

/** One row per exported name of every entry: where it is declared, its kind, and what its TSDoc lacks. */
export function tsdocFaults(root = ROOT) {
  const ts = typescript();
  const entries = entryFiles(root);
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram({ rootNames: entries, options: { ...config.options, noEmit: true } });
  const checker = program.getTypeChecker();
  const rows = [];
  for (const file of entries) {
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file));
    for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = symbol.declarations ?? [];
      if (decls.length === 0) continue;
      const kind = kindOf(ts, decls[0]);
      const docs = decls.flatMap((d) => jsDocs(ts, d));
      const missing = [];
      if (!docs.some((d) => text(d.comment).trim())) missing.push('summary');
      if ((kind === 'function' || kind === 'class') && !docs.some((d) => (d.tags ?? []).some((t) => t.tagName.text === 'example'))) missing.push('@example');
      const where = `${path.relative(root, decls[0].getSourceFile().fileName)}:${decls[0].getSourceFile().getLineAndCharacterOfPosition(decls[0].getStart()).line + 1}`;
      rows.push({ entry: path.relative(root, file), name: exported.name, kind, where, missing });
    }
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = tsdocFaults();
  if (process.argv.includes('--list')) for (const r of rows) console.log(`${r.entry}\t${r.name}\t${r.kind}\t${r.where}\t${r.missing.join(', ')}`);
  const faults = new Map();
  for (const r of rows.filter((r) => r.missing.length))
    faults.set(`${r.where}`, `${r.where}: ${r.kind} ${r.name} (exported by ${r.entry}) has no ${r.missing.join(' and no ')}`);
  for (const f of faults.values()) console.error(`check-tsdoc: ${f}`);
  const names = new Set(rows.map((r) => r.where)).size;
  if (faults.size === 0) console.log(`check-tsdoc: ${names} exported declarations documented (${rows.length} names over ${entryFiles().length} entries)`);
  process.exit(faults.size ? 1 : 0);
}
