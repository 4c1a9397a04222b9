/**
 * A study: many runs, each a task handler's answer to one config, kept one file per finished run
 * in a study folder, so that a rerun (after a crash, or with more tasks) runs only what is missing.
 * Real studies (seeds, optimizers, batch sizes) train a model per task and run on a worker pool
 * (LocalPool) or a Redis queue (losslens/queue); the mechanics are the same.
 * Run twice: npx tsx docs/examples/resumable-study.ts [folder]
 */
import { runStudy, InProcessExecutor, openStudyFolder } from 'losslens/studies';

const dir = process.argv[2] ?? 'reports/squares';
const xs = [1, 2, 3, 4];
const square = async (_kind: string, config: unknown) => ({ y: (config as { x: number }).x ** 2 });

const folder = await openStudyFolder(dir, { command: 'squares', config: { xs } });
const outcome = await runStudy<{ y: number }>({
  folder,
  executor: new InProcessExecutor(square),
  tasks: xs.map((x) => ({ id: `x${x}`, kind: 'square', config: { x } })),
  rebuild: async (records) => ({ summary: { squares: records.map((r) => r.result.y) }, figures: [] }),
});
console.log(`squares = ${(outcome.summary.squares as number[]).join(' ')}`);
console.log(`executed = ${outcome.executed}`);
console.log(`resumed = ${outcome.resumed}`);
