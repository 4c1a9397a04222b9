/**
 * Which HVP method the hessian command ran, as its summary's meta.hvp records it: forward-over-reverse
 * on a chain it covers, double backprop with the reason on one it does not (a functional graph), and
 * finite differences when --hvp fd asks. The methods' numbers are tested in process in rop-hvp.test.ts;
 * this file holds the CLI's spawns so that one runs in the in-process projects.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/run-cli.js';

describe('hessian meta.hvp', () => {
  it("a summary's meta.hvp says which method ran, and why not forward-over-reverse", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-rop-'));
    const hvpOf = async (fixture: string, extra: string[] = []) => {
      const out = path.join(dir, `${path.basename(fixture)}${extra.join('')}`);
      const data = fixture.endsWith('functional') ? path.join(fixture, 'data.csv') : fixture;
      const r = await runCli([
        'hessian',
        '-m',
        fixture,
        '-d',
        data,
        '--samples',
        '64',
        '--top',
        '1',
        '--bottom',
        '0',
        '--probes',
        '2',
        '--max-iter',
        '8',
        // the saddle counts' d extra HVPs (auto goes dense on these fixtures) and the SLQ density (~90% of a run's HVPs) are not
        // what this test is about: meta.hvp names the method chosen before any product is taken
        '--saddle-method',
        'lanczos',
        '--no-density',
        '--out',
        out,
        '--quiet',
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')).meta.hvp;
    };
    try {
      expect(await hvpOf('fixtures/cnn')).toEqual({ method: 'forward-over-reverse' });
      expect(await hvpOf('fixtures/functional')).toEqual({
        method: 'double-backprop',
        reason: expect.stringMatching(/has no forward-over-reverse rule|not in a chain/),
      });
      expect(await hvpOf('fixtures/cnn', ['--hvp', 'fd'])).toEqual({ method: 'finite-differences' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
