import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 120_000, hookTimeout: 120_000, pool: 'forks' as const };

/**
 * Two projects in one `npm test`: the whole suite on the kernels this machine has (native OpenBLAS
 * kernels where they built, else wasm), and the exactness tests again on the wasm kernels alone
 * (LOSSLENS_NATIVE=0), so both paths are checked by the same command wherever the addon exists.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'default', include: ['test/**/*.test.ts'] } },
      {
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
