#!/usr/bin/env node
// Checks the documentation's house rules: README.md within its size limit, no diary phrases
// (measurement histories belong in CHANGELOG.md and commit messages) in README.md or docs/**/*.md,
// and every relative link or image in them resolving to a file, and every #anchor to a heading of
// its target (GitHub's slug rules). One line per fault on stderr; exit 1 when there is any.
// Usage: node scripts/check-docs.mjs [root]   (root: the repository, default this script's parent)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const README_MAX_BYTES = 12 * 1024;

/** Phrases that date a text to the session that wrote it; each with the reason it is refused. */
export const DIARY_PATTERNS = [
  /\bthis round\b/i,
  /\b(previous|last|earlier|next) round\b/i,
  /\bround before\b/i,
  /\b(this|previous|last|earlier|next) session\b/i,
  /\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(st|nd|rd|th)|n-?th) session\b/i,
  /\bas before\b/i,
  /\bpre-#\d+/i,
  /\bthe previous kernels\b/i,
  /\bwhat is left\b/i,
];

/** The Markdown files the rules cover: README.md and everything under docs/. */
function markdownFiles(root) {
  const files = existsSync(path.join(root, 'README.md')) ? ['README.md'] : [];
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.md')) files.push(child);
    }
  };
  if (existsSync(path.join(root, 'docs'))) walk('docs');
  return files;
}

/** The text's lines with fenced code blocks blanked and inline code spans removed. */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (open && open[1][0] === fence[0] && open[1].length >= fence.length) fence = null;
      return '';
    }
    if (open) {
      fence = open[1];
      return '';
    }
    return line.replace(/(`+)[^`]*?\1/g, '');
  });
}

/** GitHub's heading slug (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading) {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*~]/g, '');
  return text
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings' slugs (repeats numbered) and HTML ids/names. */
function anchorsOf(text) {
  const anchors = new Set();
  const seen = new Map();
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      continue;
    }
    if (fence) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  }
  return anchors;
}

/** Every link or image target in the prose, with its line number. */
function linksOf(text) {
  const links = [];
  proseLines(text).forEach((line, i) => {
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: m[1], line: i + 1 });
    for (const m of line.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)) links.push({ target: m[1], line: i + 1 });
    for (const m of line.matchAll(/<(?:img|a)\s[^>]*(?:src|href)="([^"]+)"/g)) links.push({ target: m[1], line: i + 1 });
  });
  return links;
}

/** The faults of one link: a missing file, or an anchor its target does not have. */
function linkFault(root, file, { target, line }, anchorCache) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return null;
  const [rawPath, anchor] = target.split('#');
  const rel = rawPath ? path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(rawPath))) : file;
  const where = `${file}:${line}`;
  if (rel.startsWith('..')) return `${where}: link ${target} leaves the repository`;
  const abs = path.join(root, rel);
  if (!existsSync(abs)) return `${where}: link ${target} points at ${rel}, which does not exist`;
  if (anchor === undefined || anchor === '') return null;
  if (statSync(abs).isDirectory() || !rel.endsWith('.md')) return `${where}: link ${target} has an anchor but ${rel} is not a Markdown file`;
  if (!anchorCache.has(rel)) anchorCache.set(rel, anchorsOf(readFileSync(abs, 'utf8')));
  if (!anchorCache.get(rel).has(decodeURIComponent(anchor).toLowerCase())) return `${where}: link ${target}: ${rel} has no heading #${anchor}`;
  return null;
}

/** Every fault in the tree at root, one line each. */
export function checkDocs(root) {
  const faults = [];
  const readme = path.join(root, 'README.md');
  if (!existsSync(readme)) faults.push('README.md: missing');
  else if (statSync(readme).size > README_MAX_BYTES)
    faults.push(`README.md: ${statSync(readme).size} bytes, over the ${README_MAX_BYTES}-byte limit (move detail to docs/)`);
  const anchorCache = new Map();
  for (const file of markdownFiles(root)) {
    const text = readFileSync(path.join(root, file), 'utf8');
    proseLines(text).forEach((line, i) => {
      for (const p of DIARY_PATTERNS) {
        const m = p.exec(line);
        if (m) faults.push(`${file}:${i + 1}: diary phrase "${m[0]}" (a doc states what is; histories go in CHANGELOG.md)`);
      }
    });
    for (const link of linksOf(text)) {
      const fault = linkFault(root, file, link, anchorCache);
      if (fault) faults.push(fault);
    }
  }
  return faults;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const faults = checkDocs(root);
  for (const f of faults) console.error(`check-docs: ${f}`);
  if (faults.length === 0) console.log(`check-docs: README.md and docs/ pass (${markdownFiles(root).length} files)`);
  process.exit(faults.length ? 1 : 0);
}
