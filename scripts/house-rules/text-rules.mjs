// The rules read from the source text: no diary phrases or before → after timings in code comments,
// comment lines within the width the formatter gives code, and environment reads only in the
// configuration module.
import { DIARY_PATTERNS } from '../check-docs.mjs';
import { splitSource } from './source-text.mjs';

/** A timing history in a comment: a figure with its unit, an arrow (→ or ->), and a second figure. */
export const TIMING_PATTERN = /\d+(\.\d+)? ?(ns|µs|us|ms|s|min|x|×)\b ?(→|->) ?~?\d/;

/** The widest comment line (Prettier wraps code at printWidth 160 and leaves comments as written). */
export const COMMENT_WIDTH = 160;

/** The one module that reads the environment; bench/ and scripts/ are tools and read their own. */
export const ENV_MODULE = 'src/config.ts';
export const ENV_CHECKED = /^(src|cli)\//;

const ENV_READ = /\bprocess\s*(\?\.|\.)\s*env\b|\benv\b[^=;]*\}\s*=\s*(globalThis\s*\.\s*)?process\b/;

/** The faults of one file: `rel` its path from the root, `text` its contents. */
export function textFaults(rel, text) {
  const faults = [];
  const js = !/\.(c|h|cc|cpp|hpp)$/.test(rel);
  const { code, comments } = splitSource(text, js);
  for (const { line, text: comment } of comments) {
    for (const p of DIARY_PATTERNS) {
      const m = p.exec(comment);
      if (m)
        faults.push({
          rel,
          line,
          rule: 'diary',
          message: `diary phrase "${m[0]}" in a comment (a comment says what and why; histories go in CHANGELOG.md and commit messages)`,
        });
    }
    const t = TIMING_PATTERN.exec(comment);
    if (t)
      faults.push({
        rel,
        line,
        rule: 'diary',
        message: `before → after timing "${t[0]}" in a comment (figures live in docs/performance.md and commit messages)`,
      });
  }
  const lines = text.split('\n');
  const codeLines = code.split('\n');
  for (const { line } of new Map(comments.map((c) => [c.line, c])).values()) {
    if (codeLines[line - 1].trim()) continue; // a comment after code: Prettier places that line
    const width = [...lines[line - 1]].length;
    if (width > COMMENT_WIDTH)
      faults.push({ rel, line, rule: 'comment-width', message: `comment line of ${width} characters, over ${COMMENT_WIDTH}`, hint: 'rewrap it' });
  }
  if (ENV_CHECKED.test(rel) && rel !== ENV_MODULE) {
    code.split('\n').forEach((l, i) => {
      if (ENV_READ.test(l))
        faults.push({
          rel,
          line: i + 1,
          rule: 'env',
          message: `reads process.env: only ${ENV_MODULE} reads the environment (add a field to readConfig() and pass it down)`,
        });
    });
  }
  return faults;
}
