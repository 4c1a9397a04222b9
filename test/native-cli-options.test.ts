/**
 * The user-facing choices of native kernels, through the real CLI: `--cpu-form` forces a CPU form
 * (meta.backend.kernels says which ran), an unknown form exits 2 naming the flag, and
 * LOSSLENS_NATIVE_ADDON loads another build (a missing file runs wasm, and the reason names the file).
 * Skipped, saying why, where the addon is not built.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CPU_FORMS, loadNativeAddon } from '../src/kernels/native-addon.js';
import { runCli } from './helpers/run-cli.js';

const load = loadNativeAddon();
const lowest = load.addon ? CPU_FORMS[CPU_FORMS.length - 1]! : undefined;
const EVAL = ['eval', '--model', 'fixtures/mlp-relu', '--data', 'fixtures/mlp-relu', '--samples', '100', '--quiet'];

describe.skipIf(!load.addon)(`--cpu-form and LOSSLENS_NATIVE_ADDON (${load.addon ? 'addon built' : `skipped: ${load.reason}`})`, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-cpuform-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const kernelsOf = async (out: string) => JSON.parse(await readFile(path.join(dir, out, 'summary.json'), 'utf8')).meta.backend.kernels;

  it('--cpu-form portable runs the portable form; auto the best; an unknown form exits 2 naming the flag', async () => {
    const forced = await runCli([...EVAL, '--cpu-form', lowest!, '--out', path.join(dir, 'forced')]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await kernelsOf('forced')).toMatchObject({ path: 'native', cpuForm: lowest, cpuBest: load.addon!.info().cpuBest });
    const auto = await runCli([...EVAL, '--cpu-form', 'auto', '--out', path.join(dir, 'auto')]);
    expect(auto.code, auto.stderr).toBe(0);
    expect(await kernelsOf('auto')).toMatchObject({ cpuForm: load.addon!.info().cpuBest });
    const bad = await runCli([...EVAL, '--cpu-form', 'sse9', '--out', path.join(dir, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cpu-form/);
  });

  it('LOSSLENS_NATIVE_ADDON names another build; a missing one runs wasm with the file in the reason', async () => {
    const missing = path.join(dir, 'no-such', 'losslens_native.node');
    const r = await runCli([...EVAL, '--out', path.join(dir, 'missing')], { env: { ...process.env, LOSSLENS_NATIVE_ADDON: missing } });
    expect(r.code, r.stderr).toBe(0);
    expect(await kernelsOf('missing')).toMatchObject({ path: 'wasm', loaded: false, reason: expect.stringContaining(missing) });
    const same = await runCli([...EVAL, '--out', path.join(dir, 'same')], { env: { ...process.env, LOSSLENS_NATIVE_ADDON: 'path' in load ? load.path : '' } });
    expect(same.code, same.stderr).toBe(0);
    expect(await kernelsOf('same')).toMatchObject({ path: 'native', loaded: true });
  });
});
