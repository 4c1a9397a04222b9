import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 120_000, hookTimeout: 120_000, pool: 'forks' as const };

/**
 * src/tf.cts hands our modules tfjs through require() (see its header); vite cannot run a CommonJS
 * TypeScript file in place, so under vitest its imports go straight to the package, which Node loads
 * into the same module cache: one tfjs instance either way. The CLI tests run the real shim: they spawn
 * bin/losslens.js on dist/, which the global setup rebuilds first when a source is newer.
 */
const resolve = { alias: [{ find: /^(?:\.\.?\/)+(?:src\/)?tf\.cjs$/, replacement: '@tensorflow/tfjs' }] };

/**
 * Two projects in one `npm test`: the whole suite on the kernels this machine has (native OpenBLAS
 * kernels where they built, else wasm), and the exactness tests again on the wasm kernels alone
 * (LOSSLENS_NATIVE=0), so both paths are checked by the same command wherever the addon exists.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    projects: [
      { resolve, test: { ...shared, name: 'default', include: ['test/**/*.test.ts'] } },
      {
        resolve,
        test: {
          ...shared,
          name: 'wasm-kernels',
          include: ['test/conv-pool-gradients.test.ts', 'test/second-order-gradients.test.ts', 'test/objective.test.ts', 'test/im2col.test.ts'],
          env: { LOSSLENS_NATIVE: '0' },
        },
      },
    ],
  },
});
