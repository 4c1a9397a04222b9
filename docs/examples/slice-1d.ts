/**
 * A 1-D slice of the loss landscape along a filter-normalised random direction d (Li et al.
 * 2018): L(θ₀ + α·d) for α in [−1, 1]. For squared error on a linear model the slice is an exact
 * parabola, L(α) = L(0) + α·∇Lᵀd + ½α²·dᵀHd (test/examples.test.ts checks its curvature).
 * Run: npx tsx docs/examples/slice-1d.ts
 */
import { loadProblem, computeSlice, randomDirection } from 'losslens';

const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
try {
  const objective = problem.train!.objective;
  const d = randomDirection(objective.theta0, objective.layout, 3, { norm: 'filter', includeBias: true });
  const slice = await computeSlice(objective, { directions: [d], range: [-1, 1], points: 11 });
  console.log(`direction = ${Array.from(d, (x) => x.toPrecision(9)).join(' ')}`);
  for (const [i, alpha] of slice.alphas.entries()) console.log(`L(${alpha.toFixed(1)}) = ${slice.train.loss[i]}`);
} finally {
  await problem.dispose();
}
