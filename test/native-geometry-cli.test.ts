/**
 * A checkpoint whose Conv2D has dilation_rate 1000 (native kernels: a write past a row; wasm: a
 * 4 GB pass) or 2^31 (a value that wraps in the kernels' Int32Array) through the real CLI: eval,
 * hessian and info refuse it before any tensor exists, native kernels on and off, with exit 2 and
 * one line naming model.json, the layer and the field (src/model/conv-geometry.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile, copyFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, cliArgv } from './helpers/run-cli.js';
import { jobPool } from './helpers/job-pool.js';

describe('a checkpoint whose Conv2D has dilation_rate 1000 or 2^31, through the real CLI', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'losslens-geometry-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function checkpoint(name: string, dilation: number): Promise<string> {
    const from = path.join(ROOT, 'fixtures/cnn'),
      dir = path.join(tmp, name);
    await mkdir(dir);
    const j = JSON.parse(await readFile(path.join(from, 'model.json'), 'utf8'));
    j.modelTopology.config.layers[0].config.dilation_rate = [dilation, dilation];
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(j));
    await copyFile(path.join(from, 'weights.bin'), path.join(dir, 'weights.bin'));
    return dir;
  }

  function cli(args: string[], native: '0' | '1'): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, cliArgv(args), { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0', LOSSLENS_NATIVE: native } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.resume();
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  }

  it('eval, hessian and info exit 2 with one line naming model.json, the layer and dilation_rate, native kernels on and off', async () => {
    const models: [string, RegExp][] = [
      [await checkpoint('d1000', 1000), /kernel with dilation_rate \[1000,1000\] spans 2001 pixels, more than twice its input's 12 with padding "same"/],
      [await checkpoint('d2p31', 2 ** 31), /dilation_rate \[2147483648,2147483648\] exceeds 1073741824 \(2\^30\)/],
    ];
    const data = path.join(ROOT, 'fixtures/cnn');
    const runs: { label: string; args: string[]; native: '0' | '1'; want: RegExp; out?: string }[] = [];
    for (const [model, want] of models)
      for (const native of ['1', '0'] as const)
        for (const cmd of ['eval', 'hessian', 'info']) {
          const out = cmd === 'info' ? undefined : path.join(tmp, `out-${path.basename(model)}-${cmd}-${native}`);
          runs.push({
            label: `${cmd} ${path.basename(model)} LOSSLENS_NATIVE=${native}`,
            native,
            want,
            out,
            args: [cmd, '--model', model, ...(cmd === 'info' ? [] : ['--data', data, '--out', out!, '--quiet'])],
          });
        }
    const results = await jobPool(
      runs.map((r) => () => cli(r.args, r.native)),
      2,
    );
    runs.forEach((r, i) => {
      const { code, stderr } = results[i]!,
        where = `${r.label}: exit ${code}: ${stderr}`;
      expect(code, where).toBe(2);
      const lines = stderr.trim().split('\n');
      expect(lines, where).toHaveLength(1);
      expect(lines[0], where).toMatch(/^losslens: \S+model\.json: layer "conv_1" \(Conv2D\): /);
      expect(lines[0], where).toMatch(r.want);
    });
  }, 240_000);
});
