#!/usr/bin/env node
// The API reference (docs/api/*.md) generated from the curated entries' TSDoc by TypeDoc and its
// Markdown theme (typedoc.json). TypeDoc 0.28 needs the TypeScript 5/6 compiler API while the
// package builds with TypeScript 7, so TypeDoc lives in its own install, tools/api-docs/
// (installed here on first use from its lockfile).
//   node scripts/api-docs.mjs          regenerate docs/api/
//   node scripts/api-docs.mjs --check  regenerate into a temp folder; exit 1 when docs/api/ differs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TOOLS = 'tools/api-docs';
const TYPEDOC = `${TOOLS}/node_modules/typedoc/bin/typedoc`;
const OUT = 'docs/api';
const check = process.argv.includes('--check');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Every file under dir, as paths relative to it. */
function files(dir, rel = '') {
  return readdirSync(path.join(dir, rel))
    .flatMap((name) => {
      const r = path.join(rel, name);
      return statSync(path.join(dir, r)).isDirectory() ? files(dir, r) : [r];
    })
    .sort();
}

if (!existsSync(TYPEDOC)) run('npm', ['ci', '--prefix', TOOLS, '--no-audit', '--no-fund']);
const out = check ? mkdtempSync(path.join(os.tmpdir(), 'losslens-api-')) : OUT;
if (!check) rmSync(OUT, { recursive: true, force: true });
run(process.execPath, [TYPEDOC, '--options', 'typedoc.json', '--out', out, '--logLevel', 'Error']);
if (check) {
  const want = files(out);
  const have = existsSync(OUT) ? files(OUT) : [];
  const stale = [...new Set([...want, ...have])].filter(
    (f) => !want.includes(f) || !have.includes(f) || readFileSync(path.join(out, f), 'utf8') !== readFileSync(path.join(OUT, f), 'utf8'),
  );
  rmSync(out, { recursive: true, force: true });
  if (stale.length) {
    console.error(`docs/api is not current (${stale.join(', ')}): run npm run docs:api and commit the result`);
    process.exit(1);
  }
  console.log('docs/api is current');
}
