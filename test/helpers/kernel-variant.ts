/**
 * Which kernel variant this vitest project runs: `default` (this machine's best native kernels),
 * or the name of a project that reruns tests on another kernel path or CPU form (`wasm-kernels`,
 * `cpu-avx2`, `cpu-portable`, `no-openblas`; vitest.config.ts sets LOSSLENS_TEST_VARIANT there).
 *
 * A test whose result cannot differ between variants (JS kernels, the cpu backend, native kernels
 * with one form and no BLAS call, kernel selection, leaks, CLI output) runs once, in the default
 * projects, through `itOnce` / `describeOnce`; the variant projects rerun only what each kernel
 * path or CPU form computes differently.
 */
import { describe, it } from 'vitest';

export const kernelVariant: string = process.env.LOSSLENS_TEST_VARIANT ?? 'default';

/** True in the projects that rerun tests on another kernel path or CPU form. */
export const inVariant = kernelVariant !== 'default';

/** A test whose result is the same on every kernel variant: it runs in the default projects only. */
export const itOnce: typeof it.skip = it.skipIf(inVariant);

/** A suite whose results are the same on every kernel variant: it runs in the default projects only. */
export const describeOnce: typeof describe.skip = describe.skipIf(inVariant);
