import { existsSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 120_000, hookTimeout: 120_000, pool: 'forks' as const };

/**
 * src/tf.cts hands our modules tfjs through require() (see its header); vite cannot run a CommonJS
 * TypeScript file in place, so under vitest its imports go straight to the package, which Node loads
 * into the same module cache: one tfjs instance either way. The CLI tests run the real shim: they spawn
 * bin/losslens.js on dist/, which the global setup rebuilds first when a source is newer.
 */
const resolve = { alias: [{ find: /^(?:\.\.?\/)+(?:src\/)?tf\.cjs$/, replacement: '@tensorflow/tfjs' }] };

/** The exactness tests, rerun on each native variant below. */
const EXACTNESS = ['test/native-kernels.test.ts', 'test/native-geometry.test.ts', 'test/rop-hvp.test.ts', 'test/objective.test.ts', 'test/native-cpu-forms.test.ts'];
const setupFiles = ['test/helpers/native-variant.ts'];
/** The native build without OpenBLAS, where .ci/run built it (scripts/build-native.mjs --blas=none --out=build/no-openblas). */
const NO_BLAS = 'build/no-openblas/losslens_native.node';
/** The CPU forms below the best that this CPU runs (the default project runs the best). */
function lowerForms(): string[] {
  if (!existsSync('build/Release/losslens_native.node')) return [];
  const flags = process.arch === 'x64' && existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
  return [...(has('avx512f') && has('avx2') && has('fma') ? ['avx2'] : []), ...(has('avx2') || has('avx512f') ? ['portable'] : [])];
}
const variant = (name: string, env: Record<string, string>) => ({ resolve, test: { ...shared, name, include: EXACTNESS, setupFiles, env } });

/**
 * Two projects in one `npm test`: the whole suite on the kernels this machine has (native OpenBLAS
 * kernels where they built, else wasm), and the exactness tests again on the wasm kernels alone
 * (LOSSLENS_NATIVE=0), so both paths are checked by the same command wherever the addon exists; and
 * the native exactness tests again on each lower CPU form this CPU runs (forced through the engine
 * option) and on the build without OpenBLAS where it was built.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    projects: [
      { resolve, test: { ...shared, name: 'default', include: ['test/**/*.test.ts'], setupFiles } },
      {
        resolve,
        test: {
          ...shared,
          name: 'wasm-kernels',
          include: ['test/conv-pool-gradients.test.ts', 'test/second-order-gradients.test.ts', 'test/objective.test.ts', 'test/im2col.test.ts', 'test/losses.test.ts', 'test/depthwise-gradients.test.ts', 'test/mobile-one-d-layers.test.ts'],
          env: { LOSSLENS_NATIVE: '0' },
        },
      },
      ...lowerForms().map((form) => variant(`cpu-${form}`, { LOSSLENS_TEST_CPU_FORM: form })),
      ...(existsSync(NO_BLAS) ? [variant('no-openblas', { LOSSLENS_TEST_ADDON: NO_BLAS })] : []),
    ],
  },
});
