/**
 * Vitest setup for the projects that rerun the exactness tests on another native variant
 * (vitest.config.ts): LOSSLENS_TEST_ADDON, an addon file built elsewhere (scripts/build-native.mjs
 * --out, e.g. without OpenBLAS), and LOSSLENS_TEST_CPU_FORM, the CPU form forced through the engine
 * option. Both are read here only; the library itself takes a file and an option. Nothing is
 * imported when neither is set (the default project).
 */
const file = process.env.LOSSLENS_TEST_ADDON;
const form = process.env.LOSSLENS_TEST_CPU_FORM;

if (file) {
  const { loadNativeAddon, setNativeAddonFile } = await import('../../src/kernels/native-addon.js');
  setNativeAddonFile(file);
  const load = loadNativeAddon();
  if (!load.addon) throw new Error(`LOSSLENS_TEST_ADDON: ${load.reason}`);
}
if (form) {
  const { startEngine } = await import('../../src/engine/index.js');
  const engine = await startEngine({ backend: 'wasm', cpuForm: form });
  if (engine.backend.kernels?.cpuForm !== form) throw new Error(`LOSSLENS_TEST_CPU_FORM ${form}: the kernels run ${engine.backend.kernels?.cpuForm}`);
}
