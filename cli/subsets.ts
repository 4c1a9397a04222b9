/** R disjoint seeded subsets of the training data, each as its own Objective (for error bars). */
import { loadDataset } from '../src/io/dataset.js';
import { splitDisjoint } from '../src/io/dataset.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { regularize } from '../src/objective/regularized-objective.js';
import type { Objective } from '../src/objective/types.js';
import type { Problem } from '../src/problem.js';
import { dataSources } from './run-analysis.js';
import type { CommonArgs } from './options.js';

export async function subsetObjectives(args: CommonArgs, problem: Problem, parts: number, size: number): Promise<Objective[]> {
  const { train } = dataSources({ ...args, samples: undefined });
  const full = await loadDataset(train!);
  const m = problem.model;
  return splitDisjoint(full, parts, size, args.seed + 1).map(
    (ds) => regularize(new LocalObjective(m, prepareData(ds, m.arch.inputShape, m.outDim, m.loss), { batchSize: args.batchSize, hvp: args.hvp }), m, problem.regularizers),
  );
}
