/** R disjoint seeded subsets of the training data, each as its own Objective (for error bars). */
import { loadDataset } from '../io/dataset.js';
import { splitDisjoint } from '../io/dataset.js';
import { prepareData } from '../objective/prepare-data.js';
import { LocalObjective } from '../objective/local-objective.js';
import { regularize } from '../objective/regularized-objective.js';
import type { Objective } from '../objective/types.js';
import type { Problem } from '../problem.js';
import { dataSources, ANALYSIS_DEFAULTS, type AnalysisOptions } from './common.js';

export async function subsetObjectives(args: AnalysisOptions, problem: Problem, parts: number, size: number): Promise<Objective[]> {
  const { train } = dataSources({ ...args, samples: undefined });
  const full = await loadDataset(train!);
  const m = problem.model;
  return splitDisjoint(full, parts, size, (args.seed ?? ANALYSIS_DEFAULTS.seed) + 1).map((ds) =>
    regularize(
      new LocalObjective(m, prepareData(ds, m.arch.inputShape, m.outDim, m.loss, m.outClasses), { batchSize: args.batchSize, hvp: args.hvp }),
      m,
      problem.regularizers,
    ),
  );
}
