import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * The layering in ../shared/DESIGN.md is held by a lint rule (.oxlintrc.json, no-restricted-imports):
 * src never imports cli; analyses never import render, figures, io (beyond data shapes), report or
 * pipelines. This guards that the rule is live: a probe file that breaks it is refused, and the
 * tree as committed has no lint errors.
 */
const root = path.resolve(import.meta.dirname, '..');
const oxlint = (...args: string[]) => {
  try {
    return { code: 0, out: execFileSync(process.execPath, [path.join(root, 'node_modules/oxlint/bin/oxlint'), ...args], { cwd: root, encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
};

describe('layering lint', () => {
  it('refuses an analysis that draws or reads files, and src that imports cli', () => {
    const probe = path.join(root, 'src/curvature', `lint-probe-${process.pid}.ts`);
    writeFileSync(
      probe,
      "import { renderFigure } from '../render/figure.js';\nimport { readCheckpoint } from '../io/checkpoint-read.js';\nimport type { Dataset } from '../io/types.js';\nimport { cliMessage } from '../../cli/flags.js';\nexport const x = [renderFigure, readCheckpoint, cliMessage] as unknown as Dataset;\n",
    );
    try {
      const r = oxlint(probe);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/'\.\.\/render\/figure\.js' import is restricted/);
      expect(r.out).toMatch(/'\.\.\/io\/checkpoint-read\.js' import is restricted/);
      expect(r.out).toMatch(/'\.\.\/\.\.\/cli\/flags\.js' import is restricted/);
      expect(r.out).not.toMatch(/'\.\.\/io\/types\.js' import is restricted/); // a data shape, allowed
    } finally {
      rmSync(probe, { force: true });
    }
  });

  it('the committed tree has no lint errors', () => {
    const r = oxlint('src', 'cli');
    expect(r.out).toMatch(/Found \d+ warnings? and 0 errors/);
  });
});
