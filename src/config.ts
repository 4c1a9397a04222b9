/**
 * Every environment variable losslens reads, read here and nowhere else, typed and documented
 * (docs/configuration.md). Library code asks `readConfig()` for the value it needs, or takes it as
 * an explicit option; no other module touches `process.env`.
 *
 * | variable | field | meaning |
 * | --- | --- | --- |
 * | LOSSLENS_NATIVE=0 | native | run the wasm kernels even where the native addon is built |
 * | LOSSLENS_NATIVE_ADDON=FILE | nativeAddon | the native addon to load instead of build/Release's (another build, e.g. without OpenBLAS) |
 * | LOSSLENS_NATIVE_THREADS=n | nativeThreads | the native kernels' threads (1–1024; default: cores) |
 * | LOSSLENS_DIRECT_CONV=0 | directConv | the native kernels' im2col convolution instead of the direct form |
 * | LOSSLENS_OWN_GEMM=0 | ownGemm | OpenBLAS for every product it is linked for |
 * | LOSSLENS_WASM_STOCK_MATMUL=1 | wasmStockMatMul | tfjs-backend-wasm's own MatMul kernel |
 * | LOSSLENS_CONV_GRAD=conv/im2col/hybrid/kernels | convGrad | how a Conv2D's gradients are formed |
 * | LOSSLENS_IM2COL_MAX_VALUES=n | im2colMaxValues | largest column matrix an im2col gradient makes |
 * | LOSSLENS_POOL_GRAD=ops | poolKernels | the composed max-pool gradient instead of the share kernels |
 * | LOSSLENS_HVP=tape, LOSSLENS_GRAD=tape | tape | double backprop / tf.grads instead of the rules |
 * | LOSSLENS_MAX_PARAMS=n | maxParams | most parameters a checkpoint may declare (default 2^26) |
 * | LOSSLENS_MAX_ACTIVATIONS=n | maxActivations | most activation values one sample may need (2^25) |
 * | LOSSLENS_FASHION_MNIST_DIR | fashionMnistDir | where the Fashion-MNIST IDX files are |
 * | LOSSLENS_QUEUE_SECRET, REDIS_URL | queueSecret, redisUrl | the queue's secret and Redis URL |
 */

/** An environment: `process.env`, or a record a caller (a test) makes. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface LosslensConfig {
  native: boolean;
  nativeAddon?: string;
  nativeThreads?: number;
  directConv: boolean;
  ownGemm: boolean;
  wasmStockMatMul: boolean;
  convGrad?: string;
  im2colMaxValues?: number;
  poolKernels: boolean;
  tape: { hvp: boolean; grad: boolean };
  maxParams: number;
  maxActivations: number;
  fashionMnistDir?: string;
  queueSecret?: string;
  redisUrl?: string;
}

/** The host's environment (the one read of it). */
export const hostEnv = (): Env => globalThis.process?.env ?? {};

const posInt = (v: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined => {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isSafeInteger(n) && n >= 1 && n <= max ? n : undefined;
};
const nonEmpty = (v: string | undefined) => (v ? v : undefined);

/** The configuration an environment gives (read on each call: a test may change a variable between calls). */
export function readConfig(env: Env = hostEnv()): LosslensConfig {
  return {
    native: env.LOSSLENS_NATIVE !== '0',
    nativeAddon: nonEmpty(env.LOSSLENS_NATIVE_ADDON),
    nativeThreads: posInt(env.LOSSLENS_NATIVE_THREADS, 1024),
    directConv: env.LOSSLENS_DIRECT_CONV !== '0',
    ownGemm: env.LOSSLENS_OWN_GEMM !== '0',
    wasmStockMatMul: env.LOSSLENS_WASM_STOCK_MATMUL === '1',
    convGrad: nonEmpty(env.LOSSLENS_CONV_GRAD),
    im2colMaxValues: env.LOSSLENS_IM2COL_MAX_VALUES === undefined ? undefined : Number(env.LOSSLENS_IM2COL_MAX_VALUES),
    poolKernels: env.LOSSLENS_POOL_GRAD !== 'ops',
    tape: { hvp: env.LOSSLENS_HVP === 'tape', grad: env.LOSSLENS_GRAD === 'tape' },
    maxParams: posInt(env.LOSSLENS_MAX_PARAMS) ?? 2 ** 26,
    maxActivations: posInt(env.LOSSLENS_MAX_ACTIVATIONS) ?? 2 ** 25,
    fashionMnistDir: nonEmpty(env.LOSSLENS_FASHION_MNIST_DIR),
    queueSecret: nonEmpty(env.LOSSLENS_QUEUE_SECRET),
    redisUrl: nonEmpty(env.REDIS_URL),
  };
}

/**
 * OpenMP's wait policy for the native kernels, set before the addon (and libgomp) loads unless the
 * user set it: threads spin ~0.3 ms after a parallel region, long enough to catch the next kernel of
 * a pass, then sleep instead of holding a core JS needs. libgomp reads only its environment.
 */
export function setOpenMpDefaults(): void {
  const env = globalThis.process?.env;
  if (!env) return;
  env.OMP_WAIT_POLICY ??= 'PASSIVE';
  env.GOMP_SPINCOUNT ??= '30000';
}
