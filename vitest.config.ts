import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 120_000, hookTimeout: 120_000, pool: 'forks' as const };

/**
 * src/tf.cts hands our modules tfjs through require() (see its header); vite cannot run a CommonJS
 * TypeScript file in place, so under vitest its imports go straight to the package, which Node loads
 * into the same module cache: one tfjs instance either way. The CLI tests run the real shim: they spawn
 * bin/losslens.js on dist/, which the cli project's global setup rebuilds first when a source is newer.
 */
const resolve = { alias: [{ find: /^(?:\.\.?\/)+(?:src\/)?tf\.cjs$/, replacement: '@tensorflow/tfjs' }] };

/**
 * The exactness tests, rerun on each native variant below. Inside them, a test whose result cannot
 * differ between variants runs once, in the default projects (test/helpers/kernel-variant.ts reads
 * LOSSLENS_TEST_VARIANT). native-cpu-forms forces every form itself: the CPU-form projects skip it.
 */
const EXACTNESS = ['test/native-kernels.test.ts', 'test/native-geometry.test.ts', 'test/rop-hvp.test.ts', 'test/objective.test.ts'];
const FORMS_TEST = 'test/native-cpu-forms.test.ts';
/** Native kernel families whose tests are light: rerun on the lower CPU forms (depthwise has forms) and on the build without OpenBLAS. */
const FAMILY_TESTS = ['test/native-depthwise-hvp.test.ts', 'test/native-mobile-kernels.test.ts'];
const NO_BLAS_TESTS = [
  'test/native-tile.test.ts',
  'test/native-concurrency.test.ts',
  'test/relu6-mask.test.ts',
  'test/recurrent-fused.test.ts',
  'test/rnn-sequence-fused.test.ts',
  'test/gru-fused.test.ts',
  'test/gru-simplernn-model.test.ts',
];
const setupFiles = ['test/helpers/native-variant.ts'];
/** The native build without OpenBLAS, where .ci/run built it (scripts/build-native.mjs --blas=none --out=build/no-openblas). */
const NO_BLAS = 'build/no-openblas/losslens_native.node';
/** The CPU forms below the best that this CPU runs (the default projects run the best). */
function lowerForms(): string[] {
  if (!existsSync('build/Release/losslens_native.node')) return [];
  const flags = process.arch === 'x64' && existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
  return [...(has('avx512f') && has('avx2') && has('fma') ? ['avx2'] : []), ...(has('avx2') || has('avx512f') ? ['portable'] : [])];
}
const variant = (name: string, include: string[], env: Record<string, string>) => ({
  resolve,
  test: { ...shared, name, include, setupFiles, env: { ...env, LOSSLENS_TEST_VARIANT: name } },
});

const TESTS = readdirSync('test')
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/${f}`)
  .sort();

/**
 * Whether a test runs the built CLI or loads dist/: it calls runCli/runCliBatch/cliArgv/pausedCliArgv, names
 * bin/losslens or dist/, or imports a helper in test/helpers that does (at any depth; run-cli.ts,
 * which defines those calls, counts only through them). Read from the files, so that a new test
 * lands in the right project without a list to keep.
 */
function needsDist(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file) || !existsSync(file)) return false;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  if (/\bdist\/|bin\/losslens|\b(runCli|runCliBatch|cliArgv|pausedCliArgv)\(/.test(text)) return true;
  const helpers = [...text.matchAll(/from\s+'(\.\.?\/(?:helpers\/)?[\w.-]+)\.js'/g)].map((m) => path.posix.join(path.posix.dirname(file), `${m[1]}.ts`));
  return helpers.some((h) => h.startsWith('test/helpers/') && h !== 'test/helpers/run-cli.ts' && needsDist(h, seen));
}

/**
 * In-process tests that take over 5 s alone (measured on the 2-core machine, loaded): they train,
 * build explicit Hessians, sweep every layer form or start Redis. They run with `npm test`, not in
 * the inner loop.
 */
const SLOW = [
  // process-wide native state (the CPU form, the engine): needs a process of its own, which the unit project (isolate: false) does not give
  'test/native-cpu-forms.test.ts',
  'test/batch-size-study.test.ts',
  'test/check-rules.test.ts',
  'test/curvature-fixture-bottom.test.ts',
  'test/curvature-ggn.test.ts',
  'test/gradients-memory.test.ts',
  'test/dataset-stream.test.ts',
  'test/decoder-layers.test.ts',
  'test/double-descent-fashion.test.ts',
  'test/losses.test.ts',
  'test/memory-bound.test.ts',
  'test/mobile-one-d-layers.test.ts',
  'test/native-geometry.test.ts',
  'test/native-kernels.test.ts',
  'test/native-concurrency.test.ts',
  'test/nested-models.test.ts',
  'test/pool-objective.test.ts',
  'test/recurrent-layers.test.ts',
  'test/rop-hvp.test.ts',
  'test/studies-executor-contract.test.ts',
  'test/trajectory-library-default.test.ts',
  'test/studies.test.ts',
  'test/seq2seq-decoder.test.ts',
  'test/multi-io-report.test.ts',
  'test/nested-multi-io.test.ts',
  'test/train-multi-io.test.ts',
  'test/recurrent-rop.test.ts',
  'test/gru-simplernn-model.test.ts',
  'test/depthwise-rop.test.ts',
  'test/saddles-task.test.ts',
  'test/saddle-dynamics-queue.test.ts',
  'test/curvature-thick-restart.test.ts',
  'test/render-figures.test.ts',
  'test/trajectory-task.test.ts',
  'test/fit-callback.test.ts',
  'test/fit-truth.test.ts',
  'test/fit-browser.test.ts',
  'test/report-interactive-browser.test.ts',
];
/**
 * The BullMQ tests: each file starts its own loopback Redis (a free port, a temp --dir: test/helpers/redis-server.ts), so they
 * run beside every other file in the one pool instead of last and one at a time; their waits and stall checks are sized for a
 * loaded machine (they passed at load 15 on 2 cores).
 */
const QUEUE = [
  'test/studies-bullmq.test.ts',
  'test/queue-auth-redis.test.ts',
  'test/slice-queue.test.ts',
  'test/slice-queue-paths.test.ts',
  'test/trajectory-queue.test.ts',
  'test/hessian-repeats-queue.test.ts',
  'test/saddles-bullmq.test.ts',
  'test/job-envelope-queue.test.ts',
  'test/report-queue.test.ts',
  'test/native-threads-queue.test.ts',
];

const CLI = TESTS.filter((f) => !QUEUE.includes(f) && needsDist(f));
const UNIT = TESTS.filter((f) => !QUEUE.includes(f) && !SLOW.includes(f) && !CLI.includes(f));
const INTEGRATION = TESTS.filter((f) => SLOW.includes(f) && !CLI.includes(f));
const globalSetup = ['test/helpers/global-setup.ts'];

/**
 * `--project default` (the name of the single suite-wide project, which scripts and habits still
 * use) selects every test file on this machine's best kernels. It exists only when named, so that
 * `npm test` does not run the files twice.
 */
const asked = process.argv.flatMap((a, i, all) => (a === '--project' ? [all[i + 1]] : a.startsWith('--project=') ? [a.slice(10)] : []));
const legacy = asked.includes('default') ? [{ resolve, test: { ...shared, name: 'default', include: TESTS, setupFiles, globalSetup } }] : [];

/**
 * `npm test` runs every project; `npm run test:unit` (the inner loop) runs `unit` alone: no CLI
 * spawn, no dist/ build, nothing over 5 s. `integration` holds the slow in-process tests, `cli` the
 * tests that run the built CLI (its global setup rebuilds dist/ when a source is newer), `queue` the
 * BullMQ tests (live Redis), in the same pool as the rest. The kernel projects rerun the exactness tests on the wasm
 * kernels alone (LOSSLENS_NATIVE=0), on each lower CPU form this CPU runs (forced through the engine
 * option), and on the build without OpenBLAS where it was built.
 */
export default defineConfig({
  test: {
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      ...legacy,
      // isolate: false — the unit files share each worker's module cache (tfjs, the kernels) instead of
      // importing them once a file; a unit test leaves no global state another file depends on
      { resolve, test: { ...shared, name: 'unit', include: UNIT, setupFiles, isolate: false } },
      { resolve, test: { ...shared, name: 'integration', include: INTEGRATION, setupFiles } },
      { resolve, test: { ...shared, name: 'cli', include: CLI, setupFiles, globalSetup } },
      { resolve, test: { ...shared, name: 'queue', include: QUEUE, setupFiles, globalSetup } },
      {
        resolve,
        test: {
          ...shared,
          name: 'wasm-kernels',
          include: [
            'test/conv-pool-gradients.test.ts',
            'test/second-order-gradients.test.ts',
            'test/objective.test.ts',
            'test/im2col.test.ts',
            'test/losses.test.ts',
            'test/depthwise-gradients.test.ts',
            'test/mobile-one-d-layers.test.ts',
            'test/native-mobile-kernels.test.ts',
          ],
          env: { LOSSLENS_NATIVE: '0', LOSSLENS_TEST_VARIANT: 'wasm-kernels' },
        },
      },
      ...lowerForms().map((form) => variant(`cpu-${form}`, [...EXACTNESS, ...FAMILY_TESTS], { LOSSLENS_TEST_CPU_FORM: form })),
      ...(existsSync(NO_BLAS) ? [variant('no-openblas', [...EXACTNESS, FORMS_TEST, ...FAMILY_TESTS, ...NO_BLAS_TESTS], { LOSSLENS_TEST_ADDON: NO_BLAS })] : []),
    ],
  },
});
