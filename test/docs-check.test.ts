/**
 * scripts/check-docs.mjs, run as CI runs it (a child process, its exit code and stderr lines): the
 * repository's own README.md and docs/ pass, and a temporary tree fails for each fault the script
 * exists to catch — a link to a missing file, an anchor no heading makes, a diary phrase in a doc,
 * a README over the size limit — with one line naming the file and line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/check-docs.mjs');

function runCheck(root?: string): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, root ? [SCRIPT, root] : [SCRIPT], { encoding: 'utf8' });
  return { status: r.status, lines: r.stderr.split('\n').filter((l) => l.length > 0) };
}

const GOOD_README = [
  '# demo',
  '',
  'See [the commands](docs/commands/eval.md#options), [concepts](docs/concepts.md) and ![a figure](fig.png).',
  'Jump to [install](#install-it-natively).',
  '',
  '## Install it (natively)',
  '',
  '```',
  'this round is inside a code block, and [not a link](missing.md)',
  '```',
  '',
].join('\n');

let roots: string[] = [];
afterEach(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots = [];
});

/** A small docs tree that passes; `edit` changes one file before the check runs. */
function tree(edit: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'losslens-docs-'));
  roots.push(root);
  mkdirSync(path.join(root, 'docs/commands'), { recursive: true });
  const files: Record<string, string> = {
    'README.md': GOOD_README,
    'fig.png': 'png',
    'docs/concepts.md': '# Concepts\n\nBack to the [README](../README.md#demo); `as before` in code is fine.\n',
    'docs/commands/eval.md': '# eval\n\n## Options\n\nSee [concepts](../concepts.md#concepts).\n',
    ...edit,
  };
  for (const [rel, text] of Object.entries(files)) writeFileSync(path.join(root, rel), text);
  return root;
}

describe('scripts/check-docs.mjs passes', () => {
  it('on the repository README.md and docs/', () => {
    const r = runCheck();
    expect(r.lines).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('on a small tree whose links, images and anchors all resolve', () => {
    const r = runCheck(tree());
    expect(r.lines).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('scripts/check-docs.mjs fails, one line per fault', () => {
  it('on a link to a missing file, naming the file and line', () => {
    const r = runCheck(tree({ 'docs/concepts.md': '# Concepts\n\nSee [data](data.md).\n' }));
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(['check-docs: docs/concepts.md:3: link data.md points at docs/data.md, which does not exist']);
  });

  it('on a missing image', () => {
    const r = runCheck(tree({ 'README.md': GOOD_README.replace('fig.png', 'figs/none.png') }));
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(['check-docs: README.md:3: link figs/none.png points at figs/none.png, which does not exist']);
  });

  it('on an anchor that no heading of the target makes', () => {
    const r = runCheck(tree({ 'docs/commands/eval.md': '# eval\n\n## Options\n\nSee [concepts](../concepts.md#definitions).\n' }));
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(['check-docs: docs/commands/eval.md:5: link ../concepts.md#definitions: docs/concepts.md has no heading #definitions']);
  });

  it('on an in-page anchor whose heading is spelled otherwise', () => {
    const r = runCheck(tree({ 'README.md': GOOD_README.replace('#install-it-natively', '#install') }));
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(['check-docs: README.md:4: link #install: README.md has no heading #install']);
  });

  it('on a diary phrase in a docs page', () => {
    const r = runCheck(tree({ 'docs/concepts.md': '# Concepts\n\nThis round (the sixth session) made it faster.\n' }));
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      'check-docs: docs/concepts.md:3: diary phrase "This round" (a doc states what is; histories go in CHANGELOG.md)',
      'check-docs: docs/concepts.md:3: diary phrase "sixth session" (a doc states what is; histories go in CHANGELOG.md)',
    ]);
  });

  it('on a README over 12 KB', () => {
    const r = runCheck(tree({ 'README.md': GOOD_README + 'words '.repeat(2100) }));
    expect(r.status).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^check-docs: README\.md: 12\d{3} bytes, over the 12288-byte limit/);
  });
});
