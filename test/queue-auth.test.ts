/**
 * Jobs and results authenticated with the queue secret (job-signature.ts, queue-key.ts), and
 * Redis credentials kept off the command line, refused through the real CLI before anything
 * connects (docs/security.md). The attacks through a real Redis are in queue-auth-redis.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { canonicalJson, openJob, openResult, signJob, signResult } from '../src/studies/executors/job-signature.js';
import { queueKey } from '../src/studies/executors/queue-key.js';
import { encodeJson, type RunJobData, type RunJobReturn } from '../src/studies/executors/run-job.js';
import { VERSION } from '../src/version.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { TEST_SECRET } from './helpers/queue-secret.js';
import { NO_SECRET, oneLine, tmpDir } from './helpers/queue-harness.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
const KEY = Buffer.from(TEST_SECRET);
const tmp = () => tmpDir('auth');
const job: RunJobData = {
  id: 'r1',
  handler: 'losslens',
  kind: 'train',
  config: { seed: 1, lr: 0.01, loss: NaN, nested: { b: 1, a: [1, 2] } },
  version: VERSION,
};
const ret: RunJobReturn = { plain: true, result: { loss: 0.25 }, attachments: {}, elapsedMs: 12, worker: 'w:1' };

describe('job and result signatures', () => {
  it('a signed job opens; any change to it, a missing or foreign signature, or another job id is refused', () => {
    const wire = encodeJson(signJob(KEY, 'run-1', job));
    expect(openJob(KEY, 'run-1', wire)).toEqual(job);
    const tampered = JSON.parse(wire);
    tampered.config.seed = 2;
    expect(() => openJob(KEY, 'run-1', JSON.stringify(tampered))).toThrow(/signature does not match/);
    expect(() => openJob(KEY, 'run-1', encodeJson(job))).toThrow(/not signed/);
    expect(() => openJob(KEY, 'run-1', encodeJson(signJob(Buffer.from('another-secret-of-16+bytes'), 'run-1', job)))).toThrow(/does not match/);
    expect(() => openJob(KEY, 'run-2', wire)).toThrow(/does not match/);
    expect(() => openJob(KEY, 'run-1', 'x'.repeat(17 * 2 ** 20))).toThrow(/characters, more than/);
  });

  it("the signature does not depend on key order; a result cannot pass as a job, nor a job's result as another's", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: Infinity } })).toBe('{"a":{"c":{"$num":"Infinity"},"d":[1,{"e":2,"f":1}]},"b":1}');
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(encodeJson(signJob(KEY, 'run-1', job)))).reverse()));
    expect(openJob(KEY, 'run-1', reordered)).toEqual(job);
    const signed = encodeJson(signResult(KEY, 'run-1', ret));
    expect(openResult(KEY, 'run-1', signed)).toEqual(ret);
    expect(() => openResult(KEY, 'run-9', signed)).toThrow(/does not match/);
    expect(() => openJob(KEY, 'run-1', signed)).toThrow(/does not match/);
  });

  it('no secret is refused unless insecureNoSecret on loopback; short secrets are refused', () => {
    expect(() => queueKey(undefined, false, 'redis://127.0.0.1:6379')).toThrow(/no queue secret/);
    expect(queueKey(undefined, true, 'redis://localhost:6379')).toBeUndefined();
    expect(queueKey(undefined, true, 'redis://[::1]:6379')).toBeUndefined();
    expect(() => queueKey(undefined, true, 'redis://10.1.2.3:6379')).toThrow(/loopback only/);
    expect(() => queueKey('short', false, 'redis://127.0.0.1')).toThrow(/5 bytes, expected 16/);
    expect(queueKey(TEST_SECRET, false, 'redis://10.1.2.3')).toEqual(KEY);
  });
});

describe('credentials never on the command line (real CLI)', () => {
  it('a password URL, a group-readable secret or URL file, no secret, or an insecure remote queue: one line, exit 2, nothing written', async () => {
    const d = await tmp();
    const secret = path.join(d, 'secret');
    await fs.writeFile(secret, `${TEST_SECRET}\n`, { mode: 0o644 });
    await fs.chmod(secret, 0o644);
    const urlFile = path.join(d, 'redis-url');
    await fs.writeFile(urlFile, 'redis://:hunter2hunter2@127.0.0.1:1\n');
    await fs.chmod(urlFile, 0o640);
    const out = path.join(d, 'study');
    const seeds = ['seeds', '--model', FIX, '--data', path.join(FIX, 'train.csv'), '--seeds', '2', '--epochs', '1', '--backend', 'cpu', '--out', out];
    const cases: [string[], RegExp][] = [
      [
        ['worker', '--redis', 'redis://:hunter2hunter2@127.0.0.1:1'],
        /^losslens: option --redis: a password on the command line is visible to every local user \(ps\); .*--redis-url-file, or set REDIS_URL$/,
      ],
      [[...seeds, '--redis', 'redis://user:hunter2hunter2@127.0.0.1:1'], /^losslens: option --redis: a password on the command line/],
      [
        ['worker', '--redis', 'redis://127.0.0.1:1', '--secret-file', secret],
        new RegExp(`^losslens: option --secret-file: ${secret} can be read by group or others \\(mode 0644\\); it holds a credential: chmod 600`),
      ],
      [['worker', '--redis-url-file', urlFile], /^losslens: option --redis-url-file: .* \(mode 0640\)/],
      [
        ['worker', '--redis', 'redis://127.0.0.1:1'],
        /^losslens: option --secret-file: no queue secret: .*LOSSLENS_QUEUE_SECRET.*--insecure-no-secret for a Redis on loopback only$/,
      ],
      [[...seeds, '--redis', 'redis://127.0.0.1:1'], /^losslens: option --secret-file: no queue secret/],
      [['worker', '--redis', 'redis://10.9.8.7:6379', '--insecure-no-secret'], /^losslens: option --insecure-no-secret: is for a Redis on loopback only/],
      [['worker'], /^losslens: option --redis: where is Redis\?/],
      [
        ['double-descent', '--random-features', '--redis-url-file', urlFile, '--out', out],
        /^losslens: option --redis: the random-features demonstrator runs in seconds in process/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, { env: NO_SECRET })));
    results.forEach((r, i) => {
      expect([r.code, r.stderr.trim()], cases[i][0].join(' ')).toEqual([2, expect.stringMatching(cases[i][1])]);
      expect(oneLine(r.stderr) && !r.stderr.includes('hunter2')).toBe(true);
    });
    await expect(fs.stat(out)).rejects.toThrow();
  });
});
