/**
 * The CLI tests' global setup (test/helpers/global-setup.ts) builds dist/ into a staging folder and renames it into place, so
 * that a CLI another vitest run spawns meanwhile never loads a half-written build. Here on a temp tree: the swap leaves the new
 * build and nothing else, the build's time is its outputs' oldest time, and the newest input decides whether to rebuild.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtAt, newestInput, swapIn } from './helpers/global-setup.js';

let root: string;
const write = (rel: string, text: string, mtimeS?: number) => {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  if (mtimeS !== undefined) utimesSync(file, mtimeS, mtimeS);
};
const build = (dir: string, text: string, mtimeS: number) => {
  write(`${dir}/cli/main.js`, text, mtimeS);
  write(`${dir}/src/index.js`, text, mtimeS);
};

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'losslens-setup-swap-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('global setup: dist/ swapped in whole', () => {
  it('the staged build takes dist/ place; the old one and the staging folder are gone', () => {
    build('dist', 'old', 1_000);
    write('dist/src/removed.js', 'a module the new build no longer has', 1_000);
    build('.dist-staging-1', 'new', 2_000);
    swapIn(path.join(root, '.dist-staging-1'), path.join(root, 'dist'));
    expect(readdirSync(root)).toEqual(['dist']);
    expect(readFileSync(path.join(root, 'dist/cli/main.js'), 'utf8')).toBe('new');
    expect(existsSync(path.join(root, 'dist/src/removed.js'))).toBe(false);
  });

  it('with no dist/ yet, the staged build becomes it', () => {
    build('.dist-staging-2', 'new', 2_000);
    swapIn(path.join(root, '.dist-staging-2'), path.join(root, 'dist'));
    expect(readdirSync(root)).toEqual(['dist']);
    expect(builtAt(path.join(root, 'dist'))).toBe(2_000_000);
  });

  it("a build's time is its oldest output's; none without both outputs; the newest .ts/.cts input decides", () => {
    expect(builtAt(path.join(root, 'dist'))).toBe(0);
    build('dist', 'x', 3_000);
    utimesSync(path.join(root, 'dist/src/index.js'), 2_500, 2_500);
    expect(builtAt(path.join(root, 'dist'))).toBe(2_500_000);
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) write(f, '{}', 1_000);
    write('src/a.ts', '', 2_000);
    write('cli/deep/b.cts', '', 2_400);
    write('src/notes.md', '', 9_000);
    expect(newestInput(root)).toBe(2_400_000);
    write('src/x/y.ts', '', 2_600);
    expect(newestInput(root)).toBe(2_600_000);
    expect(builtAt(path.join(root, 'dist')) >= newestInput(root)).toBe(false);
  });
});
