/** Studies on a fixture: the seeds study resumes to the same summary, its figures decode, widths rewrite shapes. */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { openStudyFolder } from '../src/studies/study-folder.js';
import { runStudy } from '../src/studies/run-study.js';
import { InProcessExecutor } from '../src/studies/in-process-executor.js';
import { LocalPool } from '../src/studies/local-pool.js';
import { DEFAULT_HANDLER } from '../src/studies/tasks/index.js';
import { seedsTasks, type SeedsStudyConfig } from '../src/studies/seeds-study.js';
import { rebuildSeeds } from '../src/pipelines/seeds-rebuild.js';
import { withHiddenWidth } from '../src/studies/width.js';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { loadModel } from '../src/objective/model-bundle.js';
import type { RunRecord } from '../src/studies/types.js';

const FIX = path.resolve('fixtures/spiral-tanh');
const config: SeedsStudyConfig = {
  base: {
    model: FIX,
    data: { data: path.join(FIX, 'train.csv') },
    testData: { data: path.join(FIX, 'test.csv') },
    backend: 'cpu',
    evalBatchSize: 512,
    run: { epochs: 3, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
    sharpness: { lanczosIter: 8, traceProbes: 4, directions: 3, epsilon: 0.1, points: 5, seed: 0 },
    snapshots: 0,
  },
  seeds: [0, 1, 2],
  widths: [4, 8],
  barrierPoints: 5,
};
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'losslens-seeds-'));
const rebuild = (records: RunRecord[], folder: Parameters<typeof rebuildSeeds>[2]) => rebuildSeeds(config, records as never, folder, { scale: 1 });

describe('seeds study', () => {
  it('interrupted after 2 runs and resumed on 2 workers, it writes the same summary as one straight run', async () => {
    const [a, b] = [await tmp(), await tmp()];
    const tasks = seedsTasks(config);
    const straight = await runStudy({
      folder: await openStudyFolder(a, { command: 'seeds', config }),
      tasks,
      executor: new InProcessExecutor(DEFAULT_HANDLER),
      rebuild,
    });
    expect(straight.records).toHaveLength(6);
    const ctl = new AbortController();
    let n = 0;
    await expect(
      runStudy({
        folder: await openStudyFolder(b, { command: 'seeds', config }),
        tasks,
        executor: new InProcessExecutor(DEFAULT_HANDLER),
        signal: ctl.signal,
        rebuild,
        onRecord: () => void (++n === 2 && ctl.abort()),
      }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect((await fs.readdir(path.join(b, 'runs'))).filter((f) => f.endsWith('.theta.f32'))).toHaveLength(2);
    const pool = new LocalPool({ workers: 2, handler: DEFAULT_HANDLER });
    try {
      const resumed = await runStudy({ folder: await openStudyFolder(b, { command: 'seeds', config }), tasks, executor: pool, rebuild });
      expect(resumed.executed).toBe(4);
    } finally {
      await pool.close();
    }
    expect(await fs.readFile(path.join(b, 'summary.json'), 'utf8')).toBe(await fs.readFile(path.join(a, 'summary.json'), 'utf8'));
    const s = JSON.parse(await fs.readFile(path.join(a, 'summary.json'), 'utf8'));
    expect(s.widths.map((w: { params: number }) => w.params)).toEqual([2 * 4 + 4 + 4 * 4 + 4 + 4 * 3 + 3, 2 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3]);
    const w8 = s.widths[1];
    expect(w8.pairs.barrier).toHaveLength(3);
    expect(w8.pairs.distance[0][1]).toBeGreaterThan(0);
    expect(w8.pairs.distance[1][0]).toBe(w8.pairs.distance[0][1]);
    expect(w8.runs[0].lambdaMax).toBeGreaterThan(0);
    for (const f of s.files.filter((x: string) => x.endsWith('.png'))) {
      const png = PNG.sync.read(await fs.readFile(path.join(a, f)));
      expect([png.width, png.height]).toEqual([800, 600]);
    }
    expect(s.files).toEqual(expect.arrayContaining(['final-losses.png', 'sharpness-vs-loss.png', 'barriers-w4.png', 'barriers-w8.png']));
  }, 60_000);
});

describe('hidden width rewrite', () => {
  it('sets every hidden Dense to w and reshapes the next kernels, keeping the output layer', async () => {
    const ckpt = await readCheckpoint(FIX);
    const wide = withHiddenWidth(ckpt, 5);
    expect(wide.weights.map((w) => w.spec.shape)).toEqual([[2, 5], [5], [5, 5], [5], [5, 3], [3]]);
    expect(loadModel(wide).layout.dim).toBe(2 * 5 + 5 + 25 + 5 + 15 + 3);
    expect(ckpt.weights[0].spec.shape).toEqual([2, 16]);
  });
});

describe('optimizers study', () => {
  it("picks each optimizer's best setting on validation loss and draws the paths figure", async () => {
    const { optimizersTasks } = await import('../src/studies/optimizers-study.js');
    const { rebuildOptimizers } = await import('../src/pipelines/optimizers-rebuild.js');
    const c = {
      base: { ...config.base, run: { ...config.base.run, valSplit: 0.2 }, sharpness: null, snapshots: 4 },
      optimizers: [
        { name: 'sgd', lr: [0.5, 0.001] },
        { name: 'adam', lr: [0.01], beta1: [0.9] },
      ],
      seeds: [0, 1],
      targetLoss: null,
      planePoints: 6,
    };
    const d = await tmp();
    const r = await runStudy({
      folder: await openStudyFolder(d, { command: 'optimizers', config: c }),
      tasks: optimizersTasks(c),
      executor: new InProcessExecutor(DEFAULT_HANDLER),
      rebuild: (recs, folder) => rebuildOptimizers(c, recs as never, folder, { scale: 1 }),
    });
    const s = r.summary as { best: { setting: { key: string } }[]; selectedOn: string; files: string[] };
    expect(s.selectedOn).toBe('validation');
    expect(s.best.map((b) => b.setting.key)).toEqual(['sgd-lr0.5', 'adam-lr0.01-b0.9']);
    const png = PNG.sync.read(await fs.readFile(path.join(d, 'pca-paths.png')));
    expect([png.width, png.height]).toEqual([800, 600]);
  }, 30_000);
});
