/**
 * Regenerate the bundled fixtures: small trained tfjs checkpoints and their datasets.
 *   npx tsx scripts/make-fixtures.ts [name...]   (no names: all of them)
 * Deterministic on one machine: seeded data, seeded initializers, seeded shuffles,
 * single-threaded wasm backend. fixtures/README.md is rewritten from every meta.json.
 */
import path from 'node:path';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/engine/index.js';
import type { Fixture, FixtureMeta } from './fixtures/common.js';
import { fmt } from './fixtures/common.js';
import { writeText } from './fixtures/writers.js';
import { linreg } from './fixtures/linreg.js';
import { spiralTanh, spiralTanhSeed2 } from './fixtures/spiral.js';
import { mlpRelu } from './fixtures/mlp-relu.js';
import { cnn } from './fixtures/cnn.js';
import { functional } from './fixtures/functional.js';
import { deepSigmoid, deepReluHe, deepExploding } from './fixtures/deep.js';

const FIXTURES: Fixture[] = [linreg, spiralTanh, spiralTanhSeed2, mlpRelu, cnn, functional, deepSigmoid, deepReluHe, deepExploding];
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function writeIndex(): void {
  const rows = FIXTURES.map((f) => {
    const file = path.join(ROOT, f.name, 'meta.json');
    if (!existsSync(file)) return `| \`${f.name}\` | (not generated) | | | |`;
    const m = JSON.parse(readFileSync(file, 'utf8')) as FixtureMeta;
    const files = [...Object.values(m.dataset.train), ...Object.values(m.dataset.test ?? {})].join(', ');
    return `| \`${m.name}\` | ${m.architecture} | ${m.params} | ${m.dataset.format}: ${files} (n=${m.dataset.n}${m.dataset.nTest ? `, test ${m.dataset.nTest}` : ''}) | ${fmt(m.loss)} / ${fmt(m.accuracy)} |`;
  });
  writeText(
    path.join(ROOT, 'README.md'),
    [
      '# Fixtures',
      '',
      'Small tfjs LayersModel checkpoints (`model.json` + `weights.bin`, with trainingConfig) and their datasets,',
      'regenerated deterministically by `npx tsx scripts/make-fixtures.ts [name...]` (wasm backend, seeded data,',
      'initializers and shuffles). Each folder has a README.md (how it was made) and a meta.json',
      '(architecture, params, full-batch loss/accuracy on its training set, dataset files, seed, backend),',
      "which `test/fixtures.test.ts` checks against a reload with tfjs's own loader.",
      '',
      '| fixture | architecture | params | dataset | train loss / acc |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !FIXTURES.some((f) => f.name === n));
  if (unknown.length) throw new Error(`unknown fixture(s) ${unknown.join(', ')}; valid: ${FIXTURES.map((f) => f.name).join(', ')}`);
  for (const f of FIXTURES.filter((f) => names.length === 0 || names.includes(f.name))) {
    const t0 = Date.now();
    await selectBackend(f.backend ?? 'wasm');
    rmSync(path.join(ROOT, f.name), { recursive: true, force: true });
    const m = await f.make(ROOT);
    process.stderr.write(
      `${f.name}: ${m.params} params, loss ${fmt(m.loss)}, acc ${fmt(m.accuracy)} (${m.backend}, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  }
  writeIndex();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
