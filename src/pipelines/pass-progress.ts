/** A progress bar for the passes an objective makes over its data (samples done / total), while `run` runs. */
import type { Objective } from '../objective/types.js';
import type { Progress } from './context.js';

export async function withPassProgress<T>(objective: Objective, bar: Progress, run: () => Promise<T>): Promise<T> {
  objective.setProgressListener?.(({ done, total }) => bar(done, total, 'samples'));
  try {
    return await run();
  } finally {
    objective.setProgressListener?.(undefined);
    bar.done();
  }
}
